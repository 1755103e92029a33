// Ordered failover across JobSources of any protocol: the agent's pool list, where a
// stratum2+tcp entry may carry a `fallback_sv1` right after it. The first source that sets up
// is used; while on a later one, the better ones are retried now and then and taken as soon as
// one sets up (SV2 fails ⇒ SV1 ⇒ SV2 again). Losing the active source starts over from the top.
import { EventEmitter } from 'node:events';
import type { JobSource, JobSourceEvents, MiningShare } from '../channels/mining-job.js';
import { Backoff } from '../net/failover.js';
import { parsePoolUrl } from '../sv2/keys.js';
import { Sv2Error } from '../sv2/errors.js';
import { Sv1JobSource } from './sv1-job-source.js';
import { Sv2JobSource } from './sv2-job-source.js';

/** Makes a fresh, unstarted source; sources are never restarted, a new one is made instead. */
export type JobSourceFactory = () => JobSource;

export interface JobSourceFailoverOptions {
  /** In order of preference; `entry`: the configured pool entry a source serves (an entry's
   * fallback_sv1 is a source of its own under the same entry). */
  sources: { name: string; make: JobSourceFactory; entry?: number }[];
  /** How often a fallback checks whether a better source sets up again (default 30 s). */
  retryIntervalMs?: number;
  backoff?: Backoff;
  log?: (line: string) => void;
}

const FORWARDED = ['job', 'target', 'result', 'state'] as const;
type Forwarded = (typeof FORWARDED)[number];
interface Started {
  source: JobSource;
  early: [Forwarded, unknown[]][];
}

export class JobSourceFailover extends EventEmitter<JobSourceEvents> implements JobSource {
  private running = false;
  private active: { index: number; source: JobSource } | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private probing = false;
  private readonly backoff: Backoff;
  /** The last failure logged per entry, and rounds without a pool (for quiet logs in an outage). */
  private readonly lastFailure = new Map<number, string>();
  private rounds = 0;
  /** Index of the source in use (−1 while none). */
  get activeIndex(): number {
    return this.active?.index ?? -1;
  }

  /** The configured pool entry of the source in use (−1 while none): what share counts are kept by. */
  get activeEntry(): number {
    return this.active ? (this.opts.sources[this.active.index]!.entry ?? this.active.index) : -1;
  }

  constructor(readonly opts: JobSourceFailoverOptions) {
    super();
    if (opts.sources.length === 0) throw new RangeError('at least one pool is needed');
    this.backoff = opts.backoff ?? new Backoff();
  }

  /** Resolves once some source is up; keeps trying (with backoff) until one is. */
  async start(): Promise<void> {
    this.running = true;
    await this.connectFromTop();
  }

  stop(): void {
    this.running = false;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
    this.active?.source.stop();
    this.active = null;
  }

  submit(share: MiningShare): number | null {
    return this.active?.source.submit(share) ?? null;
  }

  private async connectFromTop(): Promise<void> {
    while (this.running) {
      for (let i = 0; i < this.opts.sources.length && this.running; i++) {
        const started = await this.tryStart(i);
        if (started) return this.adopt(i, started);
      }
      if (!this.running) return;
      const wait = this.backoff.next();
      if (this.rounds++ % 20 === 0) this.opts.log?.(`no pool could be set up; retrying (every ${this.backoff.maxMs >= 2000 ? `≤ ${Math.round(this.backoff.maxMs / 1000)} s` : `≤ ${this.backoff.maxMs} ms`})`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** A started source for entry i with the events it emitted meanwhile, or null (logged). */
  private async tryStart(i: number): Promise<Started | null> {
    const { name, make } = this.opts.sources[i]!;
    const source = make();
    // Events before adoption (the first job comes right after set-up) are kept and replayed.
    const early: Started['early'] = [];
    const keep = FORWARDED.map((ev) => {
      const fn = (...a: unknown[]) => early.push([ev, a]);
      source.on(ev, fn as never);
      return [ev, fn] as const;
    });
    try {
      await source.start();
    } catch (e) {
      // During an outage every round fails the same way: say it once, not once a round.
      const why = `pool ${i + 1} (${name}) unavailable: ${e instanceof Error ? e.message : String(e)}`;
      if (this.lastFailure.get(i) !== why) this.opts.log?.(why);
      this.lastFailure.set(i, why);
      source.stop();
      return null;
    } finally {
      for (const [ev, fn] of keep) source.off(ev, fn as never);
    }
    return { source, early };
  }

  private adopt(index: number, { source, early }: Started): void {
    if (!this.running) return source.stop();
    const old = this.active;
    this.active = { index, source };
    if (old) {
      old.source.removeAllListeners();
      old.source.stop();
      const name = this.opts.sources[old.index]!.name;
      this.emit('state', 'down', { url: name, protocol: name.startsWith('stratum+tcp') ? 'sv1' : 'sv2' });
    }
    this.backoff.reset();
    this.lastFailure.clear();
    this.rounds = 0;
    this.opts.log?.(`mining on pool ${index + 1} (${this.opts.sources[index]!.name})`);
    for (const ev of FORWARDED) source.on(ev, ((...a: unknown[]) => this.forward(source, ev, a)) as never);
    for (const [ev, a] of early) this.forward(source, ev, a);
    this.scheduleProbe();
  }

  private forward(source: JobSource, ev: Forwarded, a: unknown[]): void {
    if (this.active?.source !== source) return;
    (this.emit as (e: string, ...x: unknown[]) => boolean)(ev, ...a);
    if (ev === 'state' && a[0] === 'down') {
      // Start over from the best pool rather than wait for this one.
      this.active = null;
      if (this.probeTimer) clearInterval(this.probeTimer);
      this.probeTimer = null;
      source.removeAllListeners();
      source.stop();
      if (this.running) void this.connectFromTop();
    }
  }

  /** While on a fallback, retry the better entries; switch as soon as one sets up. */
  private scheduleProbe(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
    if (!this.active || this.active.index === 0) return;
    this.probeTimer = setInterval(async () => {
      if (this.probing || !this.active) return;
      this.probing = true;
      const current = this.active.index;
      for (let i = 0; i < current && this.running; i++) {
        const s = await this.tryStart(i);
        if (!s) continue;
        if (this.active?.index !== current) {
          s.source.stop();
          break;
        }
        this.opts.log?.(`pool ${i + 1} (${this.opts.sources[i]!.name}) is back: switching to it`);
        this.adopt(i, s);
        break;
      }
      this.probing = false;
    }, this.opts.retryIntervalMs ?? 30_000);
    this.probeTimer.unref();
  }
}

/** One entry of the agent's pool list (agent.toml [[pools]] fits as it is). */
export interface PoolEntry {
  url: string;
  /** Only for stratum2+tcp entries: the SV1 pool to mine on while SV2 cannot be set up. */
  fallbackSv1?: string;
  /** Per-entry credentials and trust; default: the list's. */
  user?: string;
  password?: string;
  insecure?: boolean;
}

export interface PoolListOptions {
  user: string;
  password?: string;
  nominalHashrate: number;
  /** Accept stratum2+tcp URLs without an authority key (unauthenticated). */
  insecure?: boolean;
  /** Ask for version rolling (AsicBoost): SV2 REQUIRES_VERSION_ROLLING, SV1 BIP310 (default true). */
  versionRolling?: boolean;
  retryIntervalMs?: number;
  connectTimeoutMs?: number;
  /** Time an SV2 pool has for each set-up step (SetupConnection answer, channel, first job). */
  stepDeadlineMs?: number;
  /** While no pool can be set up, the longest wait between rounds (jittered), ms: how soon mining
   * resumes once a pool is back. */
  retryMaxMs?: number;
  log?: (line: string) => void;
}

/** A pool list entry that cannot be used, with the reason. */
export class PoolEntryError extends Error {
  override readonly name = 'PoolEntryError';
  constructor(
    readonly entry: number,
    readonly reason: string,
  ) {
    super(`pool ${entry + 1}: ${reason}`);
  }
}

/**
 * The agent's ordered pool list as one JobSource: each stratum2+tcp entry, then its fallback_sv1
 * if it has one; each stratum+tcp entry through the built-in translator. Throws PoolEntryError.
 */
export function poolListSource(entries: PoolEntry[], o: PoolListOptions): JobSourceFailover {
  const sources: JobSourceFailoverOptions['sources'] = [];
  const log = o.log ? { log: o.log } : {};
  const timeout = o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {};
  const rolling = o.versionRolling ?? true;
  entries.forEach((e, i) => {
    const url = parseEntryUrl(e.url, i);
    const user = e.user || o.user;
    const password = e.password || o.password;
    const sv1 = (host: string, port: number) => () =>
      new Sv1JobSource({ host, port, user, ...(password ? { password } : {}), ...(rolling ? {} : { versionRollingMask: 0 }), ...timeout, ...log });
    if (url.scheme === 'stratum+tcp') {
      if (e.fallbackSv1 !== undefined) throw new PoolEntryError(i, 'fallback_sv1 belongs to stratum2+tcp entries; this one is already SV1');
      sources.push({ name: e.url, make: sv1(url.host, url.port), entry: i });
      return;
    }
    if (!url.authorityKey && !(e.insecure ?? o.insecure)) throw new PoolEntryError(i, `${e.url} has no authority key (…/<authority_pubkey>); without it the pool is not authenticated`);
    const pools = [{ host: url.host, port: url.port, authorityKey: url.authorityKey, insecure: !url.authorityKey }];
    sources.push({ name: e.url, entry: i, make: () => new Sv2JobSource({ pools, user, nominalHashrate: o.nominalHashrate, failFast: true, versionRolling: rolling, ...(o.stepDeadlineMs !== undefined ? { stepDeadlineMs: o.stepDeadlineMs } : {}), ...timeout, ...log }) });
    if (e.fallbackSv1 !== undefined) {
      const fb = parseEntryUrl(e.fallbackSv1, i);
      if (fb.scheme !== 'stratum+tcp') throw new PoolEntryError(i, `fallback_sv1 must be a stratum+tcp:// URL, got ${e.fallbackSv1}`);
      sources.push({ name: e.fallbackSv1, make: sv1(fb.host, fb.port), entry: i });
    }
  });
  return new JobSourceFailover({
    sources,
    ...(o.retryIntervalMs !== undefined ? { retryIntervalMs: o.retryIntervalMs } : {}),
    ...(o.retryMaxMs !== undefined ? { backoff: new Backoff(Math.min(500, o.retryMaxMs), o.retryMaxMs) } : {}),
    ...log,
  });
}

function parseEntryUrl(text: string, i: number) {
  try {
    return parsePoolUrl(text);
  } catch (e) {
    if (e instanceof Sv2Error) throw new PoolEntryError(i, e.message);
    throw e;
  }
}
