// The SV1 → SV2 translator proxy: an SV1 server for downstream machines and an SV2 client on
// extended channels upstream (ordered failover). Aggregated mode shares one upstream channel,
// giving each miner its own extranonce partition (upstream prefix ‖ padding ‖ 2-byte index);
// per-miner mode opens one channel per miner on the same connection. Shares are checked
// against the miner's own (vardiff) target; those that meet the channel target go upstream.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Endpoint } from '../../net/failover.js';
import { Sv2Upstream, type Sv2Channel } from '../../upstream/sv2-upstream.js';
import { limitPerAddress } from '../../net/peer-limits.js';
import type { MiningJob } from '../../channels/mining-job.js';
import { ExtranonceAllocator } from '../../channels/extranonce.js';
import { Vardiff } from '../../channels/vardiff.js';
import { VERSION_ROLLING_MASK } from '../../channels/server-channel.js';
import { bigIntToLe, concat, difficultyToTarget, hashrateToTarget, leToBigInt, meetsTarget, nbitsToTarget, sha256d, targetToHashrate, MAX_TARGET_LE } from '../../bitcoin/index.js';
import { WORKER_HASHRATE_TRACKING } from '../../sv2/messages/index.js';
import { Metrics } from '../../api/metrics.js';
import { advertisedDifficulty, difficultyShareTarget, hex8, notifyParams, type Submit } from '../../sv1/index.js';
import { Sv1Code, Sv1Downstream, type DownstreamHost, type ShareVerdict } from './sv1-downstream.js';
import { rolledVersion, shareHeader } from './sv1-share.js';

export interface TranslatorOptions {
  host: string;
  /** SV1 listener port (0: any free port). */
  port: number;
  upstreams: Endpoint[];
  /** user_identity of the upstream channel(s); per-miner channels add ".miner<N>". */
  userIdentity: string;
  /** One upstream channel for all miners (true) or one per miner. */
  aggregate: boolean;
  /** extranonce2 bytes given to miners (2..8: cgminer handles at most 8). */
  extranonce2Size: number;
  /** Version bits the upstream pool accepts rolled (default BIP323 0x1FFFFFE0; BIP320 pools: 0x1FFFE000). */
  versionRollingMask?: number;
  /** Hashrate assumed for a new miner until vardiff measures it (H/s). */
  minMinerHashrate: number;
  /** The least hashrate vardiff and suggested difficulties may go down to (H/s; default 1,000). */
  vardiffMinHashrate?: number;
  sharesPerMinute: number;
  vardiff: boolean;
  /** How often vardiff is evaluated (the algorithm waits ≥ 15 s between changes by itself). */
  vardiffTickMs?: number;
  /** Least time between two changes of one miner's difficulty (default 15 s, as SRI). */
  vardiffMinIntervalMs?: number;
  maxConnections: number;
  maxLineBytes: number;
  /** Lines per second one miner may send before it is closed (default: no limit). */
  maxLinesPerSecond?: number;
  /** Distinct worker label values in /metrics; later workers share the label "other". */
  maxWorkerLabels: number;
  /** A new miner must subscribe and authorize within this (default 10 s): quiet sockets are closed. */
  minerSetupTimeoutMs?: number;
  /** Open SV1 connections from one address (default 1024: a farm behind one NAT address). */
  maxConnectionsPerAddress?: number;
  /** A subscribe waits this long for the upstream channel. */
  subscribeTimeoutMs?: number;
  probeIntervalMs?: number;
  connectTimeoutMs?: number;
  /** Time an upstream has for each set-up step before the next one is tried (default 10 s). */
  stepDeadlineMs?: number;
  log?: (line: string) => void;
}

/** What a configuration reload may change while miners stay connected. */
export type TranslatorLiveOptions = Pick<TranslatorOptions, 'upstreams' | 'sharesPerMinute' | 'minMinerHashrate' | 'vardiffMinHashrate' | 'maxConnections' | 'maxLineBytes' | 'maxLinesPerSecond' | 'maxWorkerLabels'>;

/** Per-miner state the translator keeps on each Sv1Downstream. */
interface Miner {
  channel: Sv2Channel;
  /** Bytes between the channel's extranonce prefix and the miner's extranonce2. */
  local: Uint8Array;
  /** The channel's extranonce prefix the miner's extranonce1 was made from. */
  prefix: Uint8Array;
  allocIndex: number | null;
  /** SV1 job id → the job and the miner's target when it was sent. */
  jobs: Map<string, { job: MiningJob; target: Uint8Array }>;
  /** Job ids dropped by the last clean job: shares for them are stale, not unknown. */
  stale: Set<string>;
  seen: Set<string>;
  target: bigint;
  vardiff: Vardiff | null;
  lastJob: MiningJob | null;
  resends: number;
  label: string;
}

/** Per upstream channel: its miners, current target and latest job. */
interface ChannelCtx {
  miners: Set<Sv1Downstream>;
  target: Uint8Array;
  lastJob: MiningJob | null;
  allocator: ExtranonceAllocator | null;
  sentHashrate: number;
  /** Subscribes waiting for the channel to open. */
  waiting: Set<() => void>;
  /** No job sent yet on this connection: the first one replaces all work (clean_jobs). */
  fresh: boolean;
}

/** SV1 job ids, unique for the process's life: SV2 ids restart with every upstream connection,
 * and miners such as cpuminer rebuild their work only when the id changes. */
let nextSv1JobId = 1;
const sv1JobIds = new WeakMap<MiningJob, string>();
function sv1JobId(job: MiningJob): string {
  let id = sv1JobIds.get(job);
  if (id === undefined) sv1JobIds.set(job, (id = (nextSv1JobId++).toString(16)));
  return id;
}

const CLOSE_REASONS = new Set(['setup timeout', 'disconnected', 'socket error', 'line-too-long', 'invalid-json', 'not-a-message', 'not reading', 'no upstream', 'upstream lost', 'stopped', 'internal error', 'extranonce changed', 'flooding']);
const MAX_JOBS_PER_MINER = 32;
/** The answer to a share for a job a new block made void. */
export const STALE = 'Stale share';
const MAX_SEEN = 20_000;

export interface TranslatorEvents {
  share: [{ miner: number; worker: string; ok: boolean; forwarded: boolean; error?: string }];
}

export class Translator extends EventEmitter<TranslatorEvents> implements DownstreamHost {
  readonly upstream: Sv2Upstream;
  readonly metrics = new Metrics();
  /**
   * Version bits miners may roll: what the upstream allows (BIP323's bits, none when the pool
   * requires a fixed version), within the configured mask; each miner gets the intersection
   * with what it asks for.
   */
  get versionMask(): number {
    if (this.upstream.activePool >= 0 && this.upstream.fixedVersion) return 0;
    return (this.opts.versionRollingMask ?? VERSION_ROLLING_MASK) >>> 0;
  }
  private server: net.Server | null = null;
  private readonly miners = new Set<Sv1Downstream>();
  private readonly ctx = new Map<Sv2Channel, ChannelCtx>();
  private readonly aggregated: Sv2Channel | null;
  private nextId = 1;
  private vardiffTimer: NodeJS.Timeout | null = null;
  private readonly workerLabels = new Set<string>();
  private readonly sharesForwarded = this.metrics.counter('hashagent_translator_shares_forwarded_total', 'Shares sent upstream as SubmitSharesExtended');
  private readonly upstreamResults = {
    accepted: this.metrics.counter('hashagent_translator_upstream_shares_total', 'Upstream share results', { result: 'accepted' }),
    rejected: this.metrics.counter('hashagent_translator_upstream_shares_total', 'Upstream share results', { result: 'rejected' }),
  };
  readonly totals = { accepted: 0, rejected: 0, forwarded: 0 };

  constructor(readonly opts: TranslatorOptions) {
    super();
    if (!(opts.extranonce2Size >= 2 && opts.extranonce2Size <= 8)) throw new RangeError('extranonce2Size must be 2..8');
    this.upstream = new Sv2Upstream({
      pools: opts.upstreams,
      extensions: [WORKER_HASHRATE_TRACKING],
      hardwareVersion: 'translator',
      // Rolling is welcome, not required: a pool that forbids it still serves SV1 miners.
      versionRolling: false,
      ...(opts.probeIntervalMs !== undefined ? { probeIntervalMs: opts.probeIntervalMs } : {}),
      ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
      ...(opts.stepDeadlineMs !== undefined ? { stepDeadlineMs: opts.stepDeadlineMs } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    });
    this.aggregated = opts.aggregate
      ? this.openChannel({ user: opts.userIdentity, nominalHashrate: opts.minMinerHashrate, minExtranonceSize: opts.extranonce2Size + 2 })
      : null;
    this.metrics.gauge('hashagent_translator_miners', 'Connected SV1 miners', () => this.miners.size);
    this.metrics.gauge('hashagent_translator_upstream_up', '1 while an upstream SV2 pool is set up', () => (this.upstream.activePool >= 0 ? 1 : 0));
    this.metrics.gauge('hashagent_translator_upstream_channels', 'Open upstream channels', () => [...this.ctx.keys()].filter((c) => c.isOpen).length);
    this.metrics.gauge('hashagent_translator_upstream_bytes_out', 'Bytes sent to the upstream pool on the current connection', () => this.upstream.connection?.bytesOut ?? 0);
    this.metrics.gauge('hashagent_translator_upstream_bytes_in', 'Bytes received from the upstream pool on the current connection', () => this.upstream.connection?.bytesIn ?? 0);
  }

  log(line: string): void {
    this.opts.log?.(line);
  }

  /** Listens for SV1 miners and connects upstream (in the background); resolves with the port. */
  async start(): Promise<number> {
    this.upstream.start(false).catch((e: unknown) => this.log(`upstream: ${e instanceof Error ? e.message : String(e)}`));
    const server = (this.server = net.createServer((socket) => this.accept(socket)));
    server.maxConnections = this.opts.maxConnections;
    limitPerAddress(server, this.opts.maxConnectionsPerAddress ?? 1024);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    if (this.opts.vardiff) {
      this.vardiffTimer = setInterval(() => this.retarget(Date.now()), this.opts.vardiffTickMs ?? 5000);
      this.vardiffTimer.unref();
    }
    return (server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (this.vardiffTimer) clearInterval(this.vardiffTimer);
    for (const d of [...this.miners]) d.close('stopped');
    this.upstream.stop();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  get minerCount(): number {
    return this.miners.size;
  }

  private accept(socket: net.Socket): void {
    const d = new Sv1Downstream(this.nextId++, socket, this, this.opts.maxLineBytes, this.opts.maxLinesPerSecond ?? Infinity, undefined, this.opts.minerSetupTimeoutMs);
    this.miners.add(d);
  }

  private openChannel(request: Parameters<Sv2Upstream['channel']>[0]): Sv2Channel {
    const channel = this.upstream.channel(request);
    const c: ChannelCtx = { miners: new Set(), target: MAX_TARGET_LE, lastJob: null, allocator: null, sentHashrate: request.nominalHashrate, waiting: new Set(), fresh: true };
    this.ctx.set(channel, c);
    channel.on('state', (state) => {
      c.lastJob = null;
      c.fresh = true;
      if (state === 'up') {
        c.target = channel.state!.target;
        if (this.opts.aggregate) {
          const pad = channel.extranonceSize - this.opts.extranonce2Size - 2;
          if (pad < 0) this.log(`upstream granted ${channel.extranonceSize} extranonce bytes; ${this.opts.extranonce2Size + 2} are needed`);
          else c.allocator = new ExtranonceAllocator(new Uint8Array(pad), 2, pad + 2 + this.opts.extranonce2Size);
        }
        // Miners that configured before the pool said what it allows get the narrower mask (BIP310).
        const allowed = this.versionMask;
        for (const d of this.miners) {
          if ((d.versionMask & ~allowed) === 0) continue;
          d.versionMask = (d.versionMask & allowed) >>> 0;
          d.notify('mining.set_version_mask', [hex8(d.versionMask)]);
        }
        for (const w of c.waiting) w();
        c.waiting.clear();
        return;
      }
      // A new channel means a new extranonce prefix: miners reconnect and subscribe again.
      c.allocator = null;
      for (const d of [...c.miners]) d.close('upstream lost');
    });
    channel.on('target', (t) => {
      c.target = t;
      if (!this.opts.vardiff) for (const d of c.miners) this.setTarget(d, this.followUpstream(t));
    });
    channel.on('job', (job) => {
      c.lastJob = job;
      const clean = job.clean || c.fresh;
      c.fresh = false;
      for (const d of [...c.miners]) if (d.subscribed && d.authorized && this.extranonceCurrent(d)) this.sendJob(d, job, clean);
    });
    channel.on('result', (r) => {
      this.upstreamResults.accepted.inc(r.accepted);
      this.upstreamResults.rejected.inc(r.rejected);
    });
    return channel;
  }

  /**
   * After SetExtranoncePrefix: a miner that takes mining.set_extranonce gets its new
   * extranonce1; any other must reconnect (false), since its coinbase would be wrong.
   */
  private extranonceCurrent(d: Sv1Downstream): boolean {
    const m = d.data as Miner;
    const now = m.channel.extranoncePrefix;
    if (Buffer.from(now).equals(m.prefix)) return true;
    if (!d.extranonceSubscribed) {
      d.close('extranonce changed');
      return false;
    }
    m.prefix = now.slice();
    d.extranonce1 = concat(now, m.local);
    d.notify('mining.set_extranonce', [Buffer.from(d.extranonce1).toString('hex'), d.extranonce2Size]);
    return true;
  }

  private followUpstream(t: Uint8Array): bigint {
    return difficultyShareTarget(advertisedDifficulty(leToBigInt(t)));
  }

  private waitOpen(channel: Sv2Channel): Promise<void> {
    if (channel.isOpen) return Promise.resolve();
    const c = this.ctx.get(channel)!;
    const ms = this.opts.subscribeTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        c.waiting.delete(done);
        reject(new Error(`no upstream channel within ${ms} ms`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      c.waiting.add(done);
    });
  }

  // ---- DownstreamHost ----

  async subscribe(d: Sv1Downstream): Promise<{ extranonce1: Uint8Array; extranonce2Size: number }> {
    const e2 = this.opts.extranonce2Size;
    const channel = this.aggregated ?? this.openChannel({ user: `${this.opts.userIdentity}.miner${d.id}`, nominalHashrate: this.opts.minMinerHashrate, minExtranonceSize: e2 });
    try {
      await this.waitOpen(channel);
    } catch (e) {
      if (!this.aggregated) this.dropChannel(channel);
      throw e;
    }
    if (d.isClosed) {
      if (!this.aggregated) this.dropChannel(channel);
      throw new Error('closed');
    }
    const c = this.ctx.get(channel)!;
    let local: Uint8Array;
    let allocIndex: number | null = null;
    if (c.allocator) {
      const a = c.allocator.allocate();
      local = a.prefix;
      allocIndex = a.index;
    } else if (this.aggregated) {
      throw new Error('the upstream channel has too little extranonce space');
    } else {
      if (channel.extranonceSize < e2) throw new Error('the upstream channel has too little extranonce space');
      local = new Uint8Array(channel.extranonceSize - e2);
    }
    const suggested = d.suggestedDifficulty;
    const initial = suggested !== null ? this.clampSuggested(suggested) : hashrateToTarget(this.opts.minMinerHashrate, this.opts.sharesPerMinute);
    const target = this.opts.vardiff ? capAtNetwork(difficultyShareTarget(advertisedDifficulty(initial)), c.lastJob) : this.followUpstream(c.target);
    const m: Miner = {
      channel, local, prefix: channel.extranoncePrefix.slice(), allocIndex, jobs: new Map(), stale: new Set(), seen: new Set(), target, lastJob: null, resends: 0, label: 'other',
      vardiff: this.opts.vardiff ? this.newVardiff(targetToHashrate(target, this.opts.sharesPerMinute)) : null,
    };
    d.data = m;
    c.miners.add(d);
    return { extranonce1: concat(channel.extranoncePrefix, local), extranonce2Size: e2 };
  }

  private newVardiff(hashrate: number): Vardiff {
    return new Vardiff({ sharesPerMinute: this.opts.sharesPerMinute, minHashrate: this.floorHashrate, ...(this.opts.vardiffMinIntervalMs !== undefined ? { minIntervalMs: this.opts.vardiffMinIntervalMs } : {}) }, hashrate, Date.now());
  }

  /**
   * A configuration reload: the upstream list (kept on the pool in use when it heads the new
   * list), the share rate and hashrate bounds (connected miners' vardiff restarts from its
   * current estimate under them), and the limits new connections get.
   */
  reconfigure(live: TranslatorLiveOptions): void {
    const vardiffChanged = live.sharesPerMinute !== this.opts.sharesPerMinute || live.minMinerHashrate !== this.opts.minMinerHashrate || live.vardiffMinHashrate !== this.opts.vardiffMinHashrate;
    if (live.upstreams !== this.opts.upstreams) this.upstream.setPools(live.upstreams);
    Object.assign(this.opts, live);
    if (this.server) this.server.maxConnections = this.opts.maxConnections;
    if (!vardiffChanged) return;
    for (const d of this.miners) {
      const m = d.data as Miner | null;
      if (m?.vardiff) m.vardiff = this.newVardiff(m.vardiff.hashrate);
    }
  }

  /** Vardiff's floor: an initial estimate too high for a small miner must not also bound it. */
  private get floorHashrate(): number {
    return Math.min(this.opts.vardiffMinHashrate ?? 1000, this.opts.minMinerHashrate);
  }

  /** A suggested difficulty, never easier than the floor hashrate allows. */
  private clampSuggested(difficulty: number): bigint {
    const floor = hashrateToTarget(this.floorHashrate, this.opts.sharesPerMinute);
    const t = difficultyToTarget(difficulty);
    return t > floor ? floor : t;
  }

  suggestDifficulty(d: Sv1Downstream, difficulty: number): void {
    const m = d.data as Miner | null;
    if (!m || !this.opts.vardiff) return; // applied at subscribe, or the upstream decides
    this.setTarget(d, difficultyShareTarget(advertisedDifficulty(this.clampSuggested(difficulty))));
  }

  ready(d: Sv1Downstream): void {
    const m = d.data as Miner;
    m.label = this.labelFor(d.user ?? '');
    const last = this.ctx.get(m.channel)!.lastJob;
    if (this.opts.vardiff) m.target = capAtNetwork(m.target, last);
    d.notify('mining.set_difficulty', [advertisedDifficulty(m.target)]);
    if (last) this.sendJob(d, last, true);
  }

  private labelFor(user: string): string {
    if (this.workerLabels.has(user)) return user;
    const label = this.workerLabels.size >= this.opts.maxWorkerLabels ? 'other' : user;
    if (!this.workerLabels.has(label)) {
      this.workerLabels.add(label);
      this.metrics.gauge('hashagent_translator_worker_hashrate', 'Estimated hashrate of connected miners (vardiff), H/s, by worker', () => this.hashrateOf(label), { worker: label });
    }
    return label;
  }

  private hashrateOf(label: string): number {
    let sum = 0;
    for (const d of this.miners) {
      const m = d.data as Miner | null;
      if (m?.label === label) sum += m.vardiff?.hashrate ?? 0;
    }
    return Math.round(sum);
  }

  private sendJob(d: Sv1Downstream, job: MiningJob, clean: boolean, sv1Id = sv1JobId(job)): void {
    const m = d.data as Miner;
    if (clean) {
      m.stale = new Set(m.jobs.keys());
      m.jobs.clear();
      m.seen.clear();
    }
    m.lastJob = job;
    m.jobs.set(sv1Id, { job, target: bigIntToLe(m.target) });
    if (m.jobs.size > MAX_JOBS_PER_MINER) m.jobs.delete(m.jobs.keys().next().value!);
    // coinb1 stops before the channel's extranonce prefix, which the miner gets as extranonce1.
    const coinbase1 = job.coinbasePrefix.subarray(0, job.coinbasePrefix.length - m.channel.extranoncePrefix.length);
    d.notify('mining.notify', notifyParams(sv1Id, { ...job, coinbase1, coinbase2: job.coinbaseSuffix }, clean));
  }

  /** A new difficulty for one miner: set_difficulty, then the current job again under a new id. */
  private setTarget(d: Sv1Downstream, wanted: bigint): void {
    const m = d.data as Miner | null;
    if (!m) return;
    const target = capAtNetwork(wanted, m.lastJob);
    if (m.target === target) return;
    m.target = target;
    if (!d.subscribed || !d.authorized) return;
    d.notify('mining.set_difficulty', [advertisedDifficulty(target)]);
    if (m.lastJob) this.sendJob(d, m.lastJob, false, `${sv1JobId(m.lastJob)}#${++m.resends}`);
  }

  submit(d: Sv1Downstream, s: Submit): ShareVerdict {
    const m = d.data as Miner;
    const entry = m.jobs.get(s.jobId);
    const verdict = entry
      ? this.check(d, m, entry, s)
      : { ok: false, code: Sv1Code.JobNotFound, message: m.stale.has(s.jobId) ? STALE : 'Job not found' };
    if (verdict.ok) this.totals.accepted++;
    else {
      this.totals.rejected++;
      this.emit('share', { miner: d.id, worker: d.worker, ok: false, forwarded: false, error: verdict.message ?? 'rejected' });
    }
    this.metrics.counter('hashagent_translator_shares_total', 'SV1 shares from miners, by worker and result', { worker: m.label, result: verdict.ok ? 'accepted' : 'rejected' }).inc();
    return verdict;
  }

  private check(d: Sv1Downstream, m: Miner, entry: { job: MiningJob; target: Uint8Array }, s: Submit): ShareVerdict {
    const { job } = entry;
    if (s.extranonce2.length !== d.extranonce2Size) return { ok: false, code: Sv1Code.Other, message: `extranonce2 of ${s.extranonce2.length} bytes, expected ${d.extranonce2Size}` };
    // The pool may forbid rolling for a job (version_rolling_allowed = false: mask 0).
    const version = rolledVersion(job.version, s.versionBits, d.versionMask & job.versionMask);
    if (version === null) return { ok: false, code: Sv1Code.Other, message: 'version bits outside the negotiated mask' };
    if (s.ntime < job.ntime || s.ntime > job.ntime + 7000) return { ok: false, code: Sv1Code.Other, message: 'ntime out of range' };
    const key = `${job.jobId}:${Buffer.from(s.extranonce2).toString('hex')}:${s.ntime}:${s.nonce}:${version}`;
    if (m.seen.has(key)) return { ok: false, code: Sv1Code.Duplicate, message: 'Duplicate share' };
    const extranonce = concat(m.local, s.extranonce2);
    const hash = sha256d(shareHeader(job, { extranonce, ntime: s.ntime, nonce: s.nonce, version }));
    // A share that solves the block is always taken and always forwarded, whatever the targets.
    const block = meetsTarget(hash, bigIntToLe(nbitsToTarget(job.nbits) ?? 0n));
    // Miners apply set_difficulty at once or from the next job: either target counts (as ckpool does).
    if (!block && !meetsTarget(hash, entry.target) && !meetsTarget(hash, bigIntToLe(m.target))) return { ok: false, code: Sv1Code.LowDifficulty, message: 'Low difficulty share' };
    if (m.seen.size >= MAX_SEEN) m.seen.clear();
    m.seen.add(key);
    m.vardiff?.onShare();
    let forwarded = false;
    if (block || meetsTarget(hash, this.ctx.get(m.channel)!.target)) {
      forwarded = m.channel.submit({ job, extranonce, ntime: s.ntime, version, nonce: s.nonce }, d.worker || undefined) !== null;
      if (forwarded) {
        this.sharesForwarded.inc();
        this.totals.forwarded++;
      }
    }
    this.emit('share', { miner: d.id, worker: d.worker, ok: true, forwarded });
    return { ok: true };
  }

  closed(d: Sv1Downstream, reason: string): void {
    this.miners.delete(d);
    this.metrics.counter('hashagent_translator_connections_closed_total', 'SV1 connections closed, by reason', { reason: CLOSE_REASONS.has(reason) ? reason : 'other' }).inc();
    const m = d.data as Miner | null;
    if (!m) return;
    const c = this.ctx.get(m.channel);
    c?.miners.delete(d);
    if (m.allocIndex !== null) c?.allocator?.release(m.allocIndex);
    if (!this.aggregated) this.dropChannel(m.channel);
  }

  private dropChannel(channel: Sv2Channel): void {
    this.ctx.delete(channel);
    channel.removeAllListeners();
    channel.close();
  }

  /** Per-miner vardiff; in aggregated mode the channel's declared hashrate follows the sum. */
  private retarget(now: number): void {
    for (const d of this.miners) {
      const m = d.data as Miner | null;
      if (!m?.vardiff || !d.authorized) continue;
      const t = m.vardiff.update(m.target, now);
      if (t !== null) this.setTarget(d, difficultyShareTarget(advertisedDifficulty(t)));
    }
    for (const [channel, c] of this.ctx) {
      if (!channel.isOpen) continue;
      let sum = 0;
      for (const d of c.miners) sum += (d.data as Miner).vardiff?.hashrate ?? 0;
      if (sum > 0 && Math.abs(sum - c.sentHashrate) > 0.2 * c.sentHashrate) {
        c.sentHashrate = sum;
        channel.updateHashrate(sum);
      }
    }
  }
}

/** A miner's share target, never harder than the network's: a block must count as a share. */
function capAtNetwork(target: bigint, job: MiningJob | null): bigint {
  const network = job ? nbitsToTarget(job.nbits) : null;
  return network !== null && target < network ? network : target;
}
