// The CPU mining device: an SV2 client on a standard (header-only) or extended channel that
// really hashes, in slices that keep the event loop responsive, and submits what meets the target.
import { EventEmitter } from 'node:events';
import type { FrameConnection } from '../../net/frame-connection.js';
import { Failover, type Endpoint } from '../../net/failover.js';
import { decodeFrame, messageFrame, type Message } from '../../sv2/codec.js';
import { MiningFlags, OpenExtendedMiningChannel, OpenStandardMiningChannel, Protocol, SetupConnection, SubmitSharesExtended, SubmitSharesStandard } from '../../sv2/messages/index.js';
import { buildHeader, concat, meetsTarget, merkleRootFromPath, sha256d, MAX_TARGET_LE } from '../../bitcoin/index.js';
import { VERSION_ROLLING_MASK } from '../../channels/server-channel.js';
import { HashWorkers } from './hash-workers.js';

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

interface Work {
  jobId: number;
  version: number;
  merkleRoot: Uint8Array | null; // standard
  ext: { prefix: Uint8Array; suffix: Uint8Array; path: Uint8Array[] } | null;
  minNtime: number | null;
}

export class CpuMiner extends EventEmitter<CpuMinerEvents> {
  private conn: FrameConnection | null = null;
  private failover: Failover | null = null;
  private poolIndex = -1;
  private channelId = -1;
  private target: Uint8Array = MAX_TARGET_LE;
  private extranoncePrefix = new Uint8Array(0);
  private extranonceSize = 0;
  private jobs = new Map<number, Work>();
  private prev: { prevHash: Uint8Array; minNtime: number; nbits: number; jobId: number } | null = null;
  private current: { work: Work; gen: number; lanes: Lane[] } | null = null;
  private generation = 0;
  /** Lanes hashed in parallel: one per worker thread, or one in-thread. */
  private readonly threads: number;
  private readonly workers: HashWorkers | null;
  /** Rolled version bits (standard channels): a fresh search space on every job switch, since two
   * jobs can carry the same merkle root and would otherwise repeat the same nonces. */
  private versionRoll = 0;
  private seq = 0;
  private running = false;
  private extranonceCounter = 0n;
  readonly stats = { hashes: 0, submitted: 0, accepted: 0, rejected: 0, startedAt: Date.now() };

  constructor(readonly opts: CpuMinerOptions) {
    super();
    this.threads = Math.max(1, Math.floor(opts.threads ?? 1));
    this.workers = this.threads > 1 ? new HashWorkers(this.threads) : null;
    if (this.workers) {
      this.workers.on('hashes', (n) => (this.stats.hashes += n));
      this.workers.on('found', (lane, gen, nonce) => {
        const c = this.current;
        if (c && c.gen === gen && this.conn && !this.conn.isClosed) this.submit(c.work, c.lanes[lane]!, nonce);
      });
      this.workers.on('exhausted', (lane, gen) => {
        const c = this.current;
        if (!c || c.gen !== gen) return;
        c.lanes[lane] = this.makeLane(c.work);
        this.workers!.assign(lane, gen, c.lanes[lane]!.header, this.target);
      });
    }
  }

  /** Resolves once a channel is open on some pool; rejects if no pool answers at first. */
  async start(): Promise<void> {
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

  /** One connection's life: set up, open a channel, mine until it closes. */
  private session(conn: FrameConnection, index: number): Promise<void> {
    this.conn = conn;
    this.poolIndex = index;
    this.jobs.clear();
    this.prev = null;
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
        flags: this.opts.channel === 'standard' ? MiningFlags.RequiresStandardJobs : MiningFlags.RequiresVersionRolling,
        endpoint_host: ep.host, endpoint_port: ep.port, vendor: 'hashagent', hardware_version: 'cpu', firmware: '', device_id: '',
      }),
    );
    return ended;
  }

  /** The pool in use (index into `pools`), or −1. */
  get activePool(): number {
    return this.conn && !this.conn.isClosed ? this.poolIndex : -1;
  }

  stop(): void {
    this.running = false;
    this.failover?.stop();
    this.conn?.close();
    void this.workers?.stop();
  }

  private handle(m: Message): void {
    switch (m.key) {
      case 'SetupConnection.Success': {
        const common = { request_id: 1, user_identity: this.opts.user, nominal_hash_rate: this.opts.nominalHashrate, max_target: MAX_TARGET_LE };
        this.conn!.send(this.opts.channel === 'standard' ? messageFrame(OpenStandardMiningChannel, common) : messageFrame(OpenExtendedMiningChannel, { ...common, min_extranonce_size: 8 }));
        return;
      }
      case 'SetupConnection.Error':
        return this.conn!.close(new Error(`pool refused the connection: ${m.fields.error_code}`));
      case 'OpenStandardMiningChannel.Success':
        this.channelId = m.fields.channel_id;
        this.target = m.fields.target.slice();
        this.extranoncePrefix = m.fields.extranonce_prefix.slice();
        this.emit('ready', this.poolIndex);
        return;
      case 'OpenExtendedMiningChannel.Success':
        this.channelId = m.fields.channel_id;
        this.target = m.fields.target.slice();
        this.extranoncePrefix = m.fields.extranonce_prefix.slice();
        this.extranonceSize = m.fields.extranonce_size;
        this.emit('ready', this.poolIndex);
        return;
      case 'OpenMiningChannel.Error':
        return this.conn!.close(new Error(`pool refused the channel: ${m.fields.error_code}`));
      case 'NewMiningJob':
        return this.addJob({ jobId: m.fields.job_id, version: m.fields.version, merkleRoot: m.fields.merkle_root.slice(), ext: null, minNtime: m.fields.min_ntime });
      case 'NewExtendedMiningJob':
        return this.addJob({
          jobId: m.fields.job_id, version: m.fields.version, merkleRoot: null, minNtime: m.fields.min_ntime,
          ext: { prefix: m.fields.coinbase_tx_prefix.slice(), suffix: m.fields.coinbase_tx_suffix.slice(), path: m.fields.merkle_path.map((p) => p.slice()) },
        });
      case 'SetNewPrevHash':
        this.prev = { prevHash: m.fields.prev_hash.slice(), minNtime: m.fields.min_ntime, nbits: m.fields.nbits, jobId: m.fields.job_id };
        for (const id of [...this.jobs.keys()]) if (id !== m.fields.job_id) this.jobs.delete(id);
        return this.switchTo(m.fields.job_id);
      case 'SetTarget':
        this.target = m.fields.maximum_target.slice();
        this.workers?.setTarget(this.target);
        return;
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

  private addJob(w: Work): void {
    this.jobs.set(w.jobId, w);
    if (w.minNtime !== null && this.prev) this.switchTo(w.jobId); // active at once on the current prevhash
  }

  private switchTo(jobId: number): void {
    const work = this.jobs.get(jobId);
    if (!work || !this.prev) return;
    const gen = ++this.generation;
    this.current = { work, gen, lanes: Array.from({ length: this.threads }, () => this.makeLane(work)) };
    if (this.workers) {
      this.current.lanes.forEach((lane, i) => this.workers!.assign(i, gen, lane.header, this.target));
    } else if (!this.running) {
      this.running = true;
      setImmediate(() => this.mine());
    }
  }

  /** A fresh search space for `work`: a new extranonce (extended) or new rolled version bits. */
  private makeLane(work: Work): Lane {
    const p = this.prev!;
    let root: Uint8Array;
    let extranonce = new Uint8Array(0);
    if (work.ext) {
      extranonce = new Uint8Array(this.extranonceSize);
      let v = this.extranonceCounter++;
      for (let i = extranonce.length - 1; i >= 0 && v > 0n; i--, v >>= 8n) extranonce[i] = Number(v & 0xffn);
      root = merkleRootFromPath(sha256d(concat(work.ext.prefix, this.extranoncePrefix, extranonce, work.ext.suffix)), work.ext.path);
    } else {
      root = work.merkleRoot!;
      this.versionRoll = (this.versionRoll + 1) & 0xffff;
    }
    const version = (work.version & ~VERSION_ROLLING_MASK) | ((this.versionRoll << 13) & VERSION_ROLLING_MASK);
    const header = buildHeader({ version, prevHash: p.prevHash, merkleRoot: root, ntime: Math.max(work.minNtime ?? p.minNtime, p.minNtime), nbits: p.nbits, nonce: 0 });
    return { header, extranonce, nonce: 0 };
  }

  /** In-thread mining (threads = 1): lane 0 in slices that keep the event loop responsive. */
  private mine(): void {
    if (!this.running || !this.current || this.conn?.isClosed) {
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
      if (meetsTarget(sha256d(h), this.target)) this.submit(c.work, lane, nonce);
      if (nonce === 0xffffffff) lane = c.lanes[0] = this.makeLane(c.work); // space exhausted
      else lane.nonce = nonce + 1;
    }
    this.stats.hashes += slice;
    setImmediate(() => this.mine());
  }

  private submit(work: Work, lane: Lane, nonce: number): void {
    const h = lane.header;
    const u32 = (o: number) => (h[o]! | (h[o + 1]! << 8) | (h[o + 2]! << 16) | (h[o + 3]! << 24)) >>> 0;
    const base = { channel_id: this.channelId, sequence_number: this.seq++, job_id: work.jobId, nonce, ntime: u32(68), version: u32(0) };
    this.conn!.send(work.ext ? messageFrame(SubmitSharesExtended, { ...base, extranonce: lane.extranonce }) : messageFrame(SubmitSharesStandard, base));
    this.stats.submitted++;
    this.emit('submitted', { jobId: work.jobId, nonce });
  }

  hashrate(): number {
    return (this.stats.hashes * 1000) / Math.max(1, Date.now() - this.stats.startedAt);
  }
}
