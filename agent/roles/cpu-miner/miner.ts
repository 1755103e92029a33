// The CPU mining device: it really hashes, in slices that keep the event loop responsive, and
// submits what meets the target. Its work comes through a JobSource as MiningJobs, exactly as the
// agent gets them: an SV2 channel (extended, or standard with the pool's merkle root) on an
// Sv2JobSource, or an SV1 pool through an Sv1JobSource.
import { EventEmitter } from 'node:events';
import type { Endpoint } from '../../net/failover.js';
import { buildHeader, concat, merkleRootFromPath, meetsTarget, sha256d } from '../../bitcoin/index.js';
import { HashWorkers } from './hash-workers.js';
import { ClientChannel, type ActiveWork, type ClientJob } from '../../channels/client-channel.js';
import type { JobSource, MiningJob } from '../../channels/mining-job.js';
import { Sv2JobSource } from '../../upstream/sv2-job-source.js';

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
  /** Time a pool has for each set-up step before the next one is tried (default 10 s). */
  stepDeadlineMs?: number;
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
  /** The current job's channel state (target, extranonce size). */
  private channel: ClientChannel | null = null;
  private current: { work: ActiveWork; gen: number; lanes: Lane[] } | null = null;
  private generation = 0;
  /** Lanes hashed in parallel: one per worker thread, or one in-thread. */
  private readonly threads: number;
  private readonly workers: HashWorkers | null;
  /** Header-only jobs: rolled version bits (or, with none allowed, ntime seconds) give every lane
   * a fresh search space, since two jobs can carry the same merkle root. */
  private versionRoll = 0;
  private ntimeRoll = 0;
  private running = false;
  private extranonceCounter = 0n;
  /** The MiningJob each mined job came from (shares go back to the source with it). */
  private readonly sourceJobs = new WeakMap<ClientJob, MiningJob>();
  private sourceUp = false;
  /** Where MiningJobs come from: the given source, or an SV2 channel on `pools`. */
  private readonly source: JobSource;
  readonly stats = { hashes: 0, submitted: 0, accepted: 0, rejected: 0, startedAt: Date.now() };

  constructor(readonly opts: CpuMinerOptions) {
    super();
    this.threads = Math.max(1, Math.floor(opts.threads ?? 1));
    this.workers = this.threads > 1 ? new HashWorkers(this.threads) : null;
    this.source =
      opts.source ??
      new Sv2JobSource({
        pools: opts.pools, user: opts.user, nominalHashrate: opts.nominalHashrate, minExtranonceSize: 8, probeIntervalMs: opts.probeIntervalMs ?? 30_000,
        channel: opts.channel, hardwareVersion: 'cpu',
        // Rolling is welcome, not needed: a pool that requires a fixed version still gets work.
        versionRolling: false,
        ...(opts.stepDeadlineMs !== undefined ? { stepDeadlineMs: opts.stepDeadlineMs } : {}),
        ...(opts.log ? { log: opts.log } : {}),
      });
    if (this.workers) {
      this.workers.on('hashes', (n) => (this.stats.hashes += n));
      this.workers.on('found', (lane, gen, nonce) => {
        const c = this.current;
        if (c && c.gen === gen && this.sourceUp) this.submit(c.work, c.lanes[lane]!, nonce);
      });
      this.workers.on('exhausted', (lane, gen) => {
        const c = this.current;
        if (!c || c.gen !== gen) return;
        c.lanes[lane] = this.makeLane(c.work);
        this.workers!.assign(lane, gen, c.lanes[lane]!.header, this.channel!.target);
      });
    }
  }

  /** Resolves once the source has work; rejects if no pool of the list could be set up at first. */
  async start(): Promise<void> {
    const src = this.source;
    src.on('job', (j) => {
      this.channel = new ClientChannel(0, j.merkleRoot ? 'standard' : 'extended', 0, j.target.slice(), new Uint8Array(0), j.extranonceSize);
      // An extended job's coinbasePrefix already carries the upstream's fixed extranonce part;
      // a header-only job brings the pool's merkle root.
      const job: ClientJob = j.merkleRoot
        ? { jobId: j.jobId, version: j.version, merkleRoot: j.merkleRoot, minNtime: j.ntime, extended: null }
        : {
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
      if (state === 'up') return void this.emit('ready', Math.max(0, this.activePool));
      this.running = false;
      this.current = null;
      this.workers?.idle();
      this.emit('closed', null);
    });
    await src.start();
  }

  /** The pool in use (index into `pools`), or −1. */
  get activePool(): number {
    if (this.source instanceof Sv2JobSource) return this.source.upstream.activePool;
    return this.sourceUp ? 0 : -1;
  }

  stop(): void {
    this.running = false;
    this.source.stop();
    void this.workers?.stop();
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

  /** A fresh search space for `work`: a new extranonce (extended), or new rolled version bits
   * within what the job allows (header-only; ntime seconds when it allows none). */
  private makeLane(work: ActiveWork): Lane {
    const ch = this.channel!;
    const { job, prev: p } = work;
    let root: Uint8Array;
    let extranonce = new Uint8Array(0);
    let version = job.version;
    let ntime = work.ntime;
    if (job.extended) {
      extranonce = new Uint8Array(ch.extranonceSize);
      let v = this.extranonceCounter++;
      for (let i = extranonce.length - 1; i >= 0 && v > 0n; i--, v >>= 8n) extranonce[i] = Number(v & 0xffn);
      root = merkleRootFromPath(sha256d(concat(job.extended.coinbasePrefix, ch.extranoncePrefix, extranonce, job.extended.coinbaseSuffix)), job.extended.merklePath);
    } else {
      root = job.merkleRoot!;
      const mask = this.sourceJobs.get(job)?.versionMask ?? 0;
      if (mask === 0) ntime += this.ntimeRoll++;
      else {
        this.versionRoll = (this.versionRoll + 1) & 0xffff;
        version = ((job.version & ~mask) | ((this.versionRoll << 13) & mask)) >>> 0;
      }
    }
    const header = buildHeader({ version, prevHash: p.prevHash, merkleRoot: root, ntime, nbits: p.nbits, nonce: 0 });
    return { header, extranonce, nonce: 0 };
  }

  /** In-thread mining (threads = 1): lane 0 in slices that keep the event loop responsive. */
  private mine(): void {
    if (!this.running || !this.current || !this.sourceUp) {
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
    if (!fromSource) return;
    this.source.submit({ job: fromSource, extranonce: lane.extranonce.slice(), ntime: u32(68), version: u32(0), nonce });
    this.stats.submitted++;
    this.emit('submitted', { jobId: work.job.jobId, nonce });
  }

  hashrate(): number {
    return (this.stats.hashes * 1000) / Math.max(1, Date.now() - this.stats.startedAt);
  }
}
