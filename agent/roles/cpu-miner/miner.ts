// The CPU mining device: it really hashes, in slices that keep the event loop responsive, and
// submits what meets the target. Extended channels (and SV1 pools) come in through a JobSource
// as MiningJobs, exactly as the agent gets them; standard (header-only) channels are handled
// here, since their jobs carry a finished merkle root instead.
import { EventEmitter } from 'node:events';
import type { FrameConnection } from '../../net/frame-connection.js';
import { Failover, type Endpoint } from '../../net/failover.js';
import { decodeFrame, messageFrame, type Message } from '../../sv2/codec.js';
import { MiningFlags, MiningSuccessFlags, OpenStandardMiningChannel, Protocol, SetupConnection, SubmitSharesStandard } from '../../sv2/messages/index.js';
import { buildHeader, concat, meetsTarget, merkleRootFromPath, sha256d, MAX_TARGET_LE } from '../../bitcoin/index.js';
import { VERSION_ROLLING_MASK } from '../../channels/server-channel.js';
import { HashWorkers } from './hash-workers.js';
import { ClientChannel, type ActiveWork, type ClientJob } from '../../channels/client-channel.js';
import type { JobSource, MiningJob } from '../../channels/mining-job.js';
import { Sv2JobSource } from '../../net/sv2-job-source.js';

export interface CpuMinerOptions {
  /** Ordered failover list: the first that answers is used; better ones are re-tried meanwhile. */
  pools: Endpoint[];
  /** How often to check whether a better pool is back (default 30 s). */
  probeIntervalMs?: number;
  user: string;
  channel: 'standard' | 'extended';
  /** Declared to the pool so it can pick a target (H/s). */
  nominalHashrate: number;
  /** Nonces hashed per event-loop slice (in-thread mining). */
  sliceSize?: number;
  /** Worker threads; 1 (the default) hashes on the main thread. */
  threads?: number;
  log?: (line: string) => void;
  /** Mine the jobs of this source (e.g. an Sv1JobSource) instead of opening a channel on `pools`. */
  source?: JobSource;
}

export interface CpuMinerEvents {
  ready: [poolIndex: number];
  submitted: [{ jobId: number; nonce: number }];
  result: [{ accepted: number; rejected: number; error?: string }];
  closed: [Error | null];
}

interface Lane {
  header: Uint8Array;
  extranonce: Uint8Array;
  /** Next nonce (in-thread mining only; workers keep their own). */
  nonce: number;
}


export class CpuMiner extends EventEmitter<CpuMinerEvents> {
  private conn: FrameConnection | null = null;
  private failover: Failover | null = null;
  private poolIndex = -1;
  /** The open channel's state (jobs, prevhash, target), from agent/channels. */
  private channel: ClientChannel | null = null;
  private current: { work: ActiveWork; gen: number; lanes: Lane[] } | null = null;
  private generation = 0;
  /** Lanes hashed in parallel: one per worker thread, or one in-thread. */
  private readonly threads: number;
  private readonly workers: HashWorkers | null;
  /** Rolled version bits (standard channels): a fresh search space on every job switch, since two
   * jobs can carry the same merkle root and would otherwise repeat the same nonces. */
  private versionRoll = 0;
  /** The pool said REQUIRES_FIXED_VERSION: standard-channel lanes differ by ntime instead. */
  private fixedVersion = false;
  private ntimeRoll = 0;
  private seq = 0;
  private running = false;
  private extranonceCounter = 0n;
  /** Source mode: the MiningJob each mined job came from (shares go back to the source with it). */
  private readonly sourceJobs = new WeakMap<ClientJob, MiningJob>();
  private sourceUp = false;
  /** Where MiningJobs come from: the given source, or an SV2 extended channel on `pools`. */
  private readonly source: JobSource | null;
  readonly stats = { hashes: 0, submitted: 0, accepted: 0, rejected: 0, startedAt: Date.now() };

  constructor(readonly opts: CpuMinerOptions) {
    super();
    this.threads = Math.max(1, Math.floor(opts.threads ?? 1));
    this.workers = this.threads > 1 ? new HashWorkers(this.threads) : null;
    this.source =
      opts.source ??
      (opts.channel === 'extended'
        ? new Sv2JobSource({
            pools: opts.pools, user: opts.user, nominalHashrate: opts.nominalHashrate, minExtranonceSize: 8, probeIntervalMs: opts.probeIntervalMs ?? 30_000,
            ...(opts.log ? { log: opts.log } : {}),
          })
        : null);
    if (this.workers) {
      this.workers.on('hashes', (n) => (this.stats.hashes += n));
      this.workers.on('found', (lane, gen, nonce) => {
        const c = this.current;
        if (c && c.gen === gen && this.connected) this.submit(c.work, c.lanes[lane]!, nonce);
      });
      this.workers.on('exhausted', (lane, gen) => {
        const c = this.current;
        if (!c || c.gen !== gen) return;
        c.lanes[lane] = this.makeLane(c.work);
        this.workers!.assign(lane, gen, c.lanes[lane]!.header, this.channel!.target);
      });
    }
  }

  /** Resolves once a channel is open on some pool; rejects if no pool answers at first. */
  async start(): Promise<void> {
    if (this.source) return this.startSource(this.source);
    this.failover = new Failover({
      endpoints: this.opts.pools,
      probeIntervalMs: this.opts.probeIntervalMs ?? 30_000,
      failFast: true,
      ...(this.opts.log ? { log: this.opts.log } : {}),
      session: (conn, index) => this.session(conn, index),
    });
    const ready = new Promise<void>((resolve) => this.once('ready', () => resolve()));
    const run = this.failover.run();
    await Promise.race([ready, run]);
    run.catch(() => {}); // later failures are retried and logged, not thrown
  }

  /** Source mode: every MiningJob becomes the work to mine; shares go back through the source. */
  private async startSource(src: JobSource): Promise<void> {
    src.on('job', (j) => {
      this.channel = new ClientChannel(0, 'extended', 0, j.target.slice(), new Uint8Array(0), j.extranonceSize);
      // Its coinbasePrefix already carries the upstream's fixed extranonce part.
      const job: ClientJob = {
        jobId: j.jobId, version: j.version, merkleRoot: null, minNtime: j.ntime,
        extended: { coinbasePrefix: j.coinbasePrefix, coinbaseSuffix: j.coinbaseSuffix, merklePath: [...j.merklePath], versionRollingAllowed: false },
      };
      this.sourceJobs.set(job, j);
      this.switchTo({ job, prev: { jobId: j.jobId, prevHash: j.prevHash, minNtime: j.ntime, nbits: j.nbits }, ntime: j.ntime });
    });
    src.on('target', (t) => {
      if (!this.channel) return;
      this.channel.target = t.slice();
      this.workers?.setTarget(this.channel.target);
    });
    src.on('result', (r) => {
      this.stats.accepted += r.accepted;
      this.stats.rejected += r.rejected;
      this.emit('result', r);
    });
    src.on('state', (state) => {
      this.sourceUp = state === 'up';
      if (state === 'up') return void this.emit('ready', 0);
      this.running = false;
      this.current = null;
      this.workers?.idle();
      this.emit('closed', null);
    });
    await src.start();
  }

  private get connected(): boolean {
    return this.source ? this.sourceUp : this.conn !== null && !this.conn.isClosed;
  }

  /** One connection's life: set up, open a channel, mine until it closes. */
  private session(conn: FrameConnection, index: number): Promise<void> {
    this.conn = conn;
    this.poolIndex = index;
    this.channel = null;
    this.current = null;
    const ended = new Promise<void>((resolve) =>
      conn.on('close', (reason) => {
        this.running = false;
        this.current = null;
        this.workers?.idle();
        this.emit('closed', reason);
        resolve();
      }),
    );
    conn.on('frame', (f) => {
      try {
        const m = decodeFrame(f);
        if (m.key !== null) this.handle(m);
      } catch (e) {
        conn.close(e instanceof Error ? e : new Error(String(e)));
      }
    });
    const ep = this.opts.pools[index]!;
    conn.send(
      messageFrame(SetupConnection, {
        protocol: Protocol.Mining, min_version: 2, max_version: 2,
        flags: MiningFlags.RequiresStandardJobs,
        endpoint_host: ep.host, endpoint_port: ep.port, vendor: 'hashagent', hardware_version: 'cpu', firmware: '', device_id: '',
      }),
    );
    return ended;
  }

  /** The pool in use (index into `pools`), or −1. */
  get activePool(): number {
    if (this.source instanceof Sv2JobSource) return this.source.upstream.activePool;
    if (this.source) return this.sourceUp ? 0 : -1;
    return this.conn && !this.conn.isClosed ? this.poolIndex : -1;
  }

  stop(): void {
    this.running = false;
    this.failover?.stop();
    this.conn?.close();
    this.source?.stop();
    void this.workers?.stop();
  }

  private handle(m: Message): void {
    switch (m.key) {
      case 'SetupConnection.Success': {
        this.fixedVersion = (m.fields.flags & MiningSuccessFlags.RequiresFixedVersion) !== 0;
        const common = { request_id: 1, user_identity: this.opts.user, nominal_hash_rate: this.opts.nominalHashrate, max_target: MAX_TARGET_LE };
        this.conn!.send(messageFrame(OpenStandardMiningChannel, common));
        return;
      }
      case 'SetupConnection.Error':
        return this.conn!.close(new Error(`pool refused the connection: ${m.fields.error_code}`));
      case 'OpenStandardMiningChannel.Success': {
        const f = m.fields;
        this.channel = new ClientChannel(f.channel_id, 'standard', f.group_channel_id, f.target.slice(), f.extranonce_prefix.slice(), 0);
        this.emit('ready', this.poolIndex);
        return;
      }
      case 'OpenMiningChannel.Error':
        return this.conn!.close(new Error(`pool refused the channel: ${m.fields.error_code}`));
      case 'NewMiningJob':
      case 'SetNewPrevHash':
      case 'SetTarget': {
        const ch = this.channel;
        if (!ch || !ch.addressedBy(m.fields.channel_id)) return;
        let work: ActiveWork | null = null;
        if (m.key === 'NewMiningJob') {
          work = ch.addJob({ jobId: m.fields.job_id, version: m.fields.version, merkleRoot: m.fields.merkle_root, extended: null, minNtime: m.fields.min_ntime });
        } else if (m.key === 'SetNewPrevHash') {
          work = ch.setPrevHash({ jobId: m.fields.job_id, prevHash: m.fields.prev_hash, minNtime: m.fields.min_ntime, nbits: m.fields.nbits });
        } else {
          ch.target = m.fields.maximum_target.slice();
          this.workers?.setTarget(ch.target);
        }
        if (work) this.switchTo(work);
        return;
      }
      case 'SubmitShares.Success':
        this.stats.accepted += m.fields.new_submits_accepted_count;
        this.emit('result', { accepted: m.fields.new_submits_accepted_count, rejected: 0 });
        return;
      case 'SubmitShares.Error':
        this.stats.rejected++;
        this.opts.log?.(`share ${m.fields.sequence_number} rejected: ${m.fields.error_code}`);
        this.emit('result', { accepted: 0, rejected: 1, error: m.fields.error_code });
        return;
      case 'Reconnect':
        this.opts.log?.(`pool asks to reconnect to ${m.fields.new_host || '(same host)'}:${m.fields.new_port || '(same port)'}`);
        return this.failover?.redirect(m.fields.new_host, m.fields.new_port);
      case 'CloseChannel':
        return this.conn!.close(new Error(`pool closed the channel: ${m.fields.reason_code}`));
      default:
        return;
    }
  }

  private switchTo(work: ActiveWork): void {
    const gen = ++this.generation;
    this.ntimeRoll = 0;
    this.current = { work, gen, lanes: Array.from({ length: this.threads }, () => this.makeLane(work)) };
    if (this.workers) {
      this.current.lanes.forEach((lane, i) => this.workers!.assign(i, gen, lane.header, this.channel!.target));
    } else if (!this.running) {
      this.running = true;
      setImmediate(() => this.mine());
    }
  }

  /** A fresh search space for `work`: a new extranonce (extended) or new rolled version bits. */
  private makeLane(work: ActiveWork): Lane {
    const ch = this.channel!;
    const { job, prev: p } = work;
    let root: Uint8Array;
    let extranonce = new Uint8Array(0);
    let roll = this.versionRoll;
    let ntime = work.ntime;
    if (job.extended) {
      extranonce = new Uint8Array(ch.extranonceSize);
      let v = this.extranonceCounter++;
      for (let i = extranonce.length - 1; i >= 0 && v > 0n; i--, v >>= 8n) extranonce[i] = Number(v & 0xffn);
      root = merkleRootFromPath(sha256d(concat(job.extended.coinbasePrefix, ch.extranoncePrefix, extranonce, job.extended.coinbaseSuffix)), job.extended.merklePath);
      if (!job.extended.versionRollingAllowed) roll = 0;
    } else {
      root = job.merkleRoot!;
      // A fixed version leaves ntime as the only other thing to roll (one second per lane).
      if (this.fixedVersion) {
        roll = 0;
        ntime += this.ntimeRoll++;
      } else roll = this.versionRoll = (this.versionRoll + 1) & 0xffff;
    }
    // Without rolling the job's version is hashed as it is (SV1 jobs may carry bits in the mask).
    const version = roll ? (job.version & ~VERSION_ROLLING_MASK) | ((roll << 13) & VERSION_ROLLING_MASK) : job.version;
    const header = buildHeader({ version, prevHash: p.prevHash, merkleRoot: root, ntime, nbits: p.nbits, nonce: 0 });
    return { header, extranonce, nonce: 0 };
  }

  /** In-thread mining (threads = 1): lane 0 in slices that keep the event loop responsive. */
  private mine(): void {
    if (!this.running || !this.current || !this.connected) {
      this.running = false;
      return;
    }
    const c = this.current;
    let lane = c.lanes[0]!;
    const slice = this.opts.sliceSize ?? 20_000;
    for (let i = 0; i < slice; i++) {
      const h = lane.header;
      const nonce = lane.nonce;
      h[76] = nonce & 0xff;
      h[77] = (nonce >>> 8) & 0xff;
      h[78] = (nonce >>> 16) & 0xff;
      h[79] = nonce >>> 24;
      if (meetsTarget(sha256d(h), this.channel!.target)) this.submit(c.work, lane, nonce);
      if (nonce === 0xffffffff) lane = c.lanes[0] = this.makeLane(c.work); // space exhausted
      else lane.nonce = nonce + 1;
    }
    this.stats.hashes += slice;
    setImmediate(() => this.mine());
  }

  private submit(work: ActiveWork, lane: Lane, nonce: number): void {
    const h = lane.header;
    const u32 = (o: number) => (h[o]! | (h[o + 1]! << 8) | (h[o + 2]! << 16) | (h[o + 3]! << 24)) >>> 0;
    const fromSource = this.sourceJobs.get(work.job);
    if (fromSource) {
      this.source!.submit({ job: fromSource, extranonce: lane.extranonce.slice(), ntime: u32(68), version: u32(0), nonce });
      this.stats.submitted++;
      this.emit('submitted', { jobId: work.job.jobId, nonce });
      return;
    }
    const base = { channel_id: this.channel!.channelId, sequence_number: this.seq++, job_id: work.job.jobId, nonce, ntime: u32(68), version: u32(0) };
    this.conn!.send(messageFrame(SubmitSharesStandard, base));
    this.stats.submitted++;
    this.emit('submitted', { jobId: work.job.jobId, nonce });
  }

  hashrate(): number {
    return (this.stats.hashes * 1000) / Math.max(1, Date.now() - this.stats.startedAt);
  }
}
