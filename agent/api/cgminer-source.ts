// What the cgminer API reads from the miner (MinerAgent has all of it), and the rolling figures
// cgminer keeps that the agent does not: hash rate over 5 s / 1 m / 5 m / 15 m, and accepted and
// rejected shares per pool (the agent counts them in total; each second's change is given to the
// pool that was active in it, so a failover can misplace at most a second's shares).

export interface ApiChain {
  readonly index: number;
  /** Chips found at the last init. */
  readonly found: number;
  readonly driver: {
    readonly stats: { readonly nonces: number; readonly hwErrors: number; readonly duplicates: number; readonly stale: number; readonly jobs: number };
    /** Difficulty of each valid nonce (diff-1 shares of work it stands for). */
    readonly ticket: number;
    readonly frequencyMHz: number;
    readonly silentForMs: number;
    readonly isClosed: boolean;
    readonly profile: { readonly name: string; readonly cores: number };
    hashrate(): number;
  };
}

export interface ApiSafetyStatus {
  duty: number;
  shutdown: unknown;
  readings: readonly ({ sensor: string; location: string; celsius: number } | { sensor: string; location: string; error: string })[];
  fans: readonly { fan: string; rpm: number | null }[];
  chains: readonly { index: number; disabled: string | null }[];
}

export interface ApiPoolEntry {
  readonly url: string;
  readonly user: string;
  readonly fallbackSv1?: string;
}

export interface CgminerSource {
  readonly cfg: {
    readonly board: { readonly name: string; readonly description: string; readonly sensors: readonly { name: string; location: string; chain?: number }[] };
    readonly pools: readonly ApiPoolEntry[];
    readonly chains: readonly { index: number; voltage: number | null }[];
    readonly safety: { mode: string; targetTemp: number; hotTemp: number; dangerousTemp: number };
  };
  readonly chains: ReadonlyMap<number, ApiChain>;
  readonly shares: { readonly accepted: number; readonly rejected: number; readonly blocks: number };
  readonly poolState: { url: string; protocol: 'sv2' | 'sv1' } | null;
  readonly safety: { status(): ApiSafetyStatus } | null;
  readonly scheduler: { readonly currentJob: { readonly nbits: number; readonly prevHash: Uint8Array; readonly target: Uint8Array } | null };
  readonly uptimeS: number;
  /** H/s since each chain's init, and at the chips' programmed clocks. */
  measuredHashrate(): number;
  nominalHashrate(): number;
}

/** Hashes a chain has done: each valid nonce stands for `ticket` × 2^32 (the driver's own measure). */
export const chainHashes = (c: ApiChain) => c.driver.stats.nonces * c.driver.ticket * 2 ** 32;

/** Scheme, host and port of a pool URL (SV2 URLs carry the authority key as a path). */
export function poolEndpoint(url: string): string {
  const m = /^([a-z0-9+.-]+:\/\/[^/]+)/i.exec(url);
  return (m ? m[1]! : url).toLowerCase();
}

/** Index in the pool list of the pool the agent mines on, or -1. */
export function activePoolIndex(src: CgminerSource): number {
  const st = src.poolState;
  if (!st) return -1;
  const at = poolEndpoint(st.url);
  return src.cfg.pools.findIndex((p) => poolEndpoint(p.url) === at || (p.fallbackSv1 !== undefined && poolEndpoint(p.fallbackSv1) === at));
}

interface Sample {
  t: number;
  /** Hashes per chain index, and the sum. */
  perChain: Map<number, number>;
  total: number;
}

export interface PoolTally {
  accepted: number;
  rejected: number;
  /** Seconds since the epoch of the last accepted share, 0 for none. */
  lastShareTime: number;
}

/** Samples the source every `periodMs` (bounded history: 15 minutes). */
export class RollingStats {
  private readonly samples: Sample[] = [];
  private readonly maxSamples: number;
  private timer: NodeJS.Timeout | null = null;
  readonly pools: PoolTally[];
  private seen = { accepted: 0, rejected: 0 };

  constructor(
    private readonly src: CgminerSource,
    private readonly periodMs = 1000,
  ) {
    this.maxSamples = Math.ceil(900_000 / periodMs) + 1;
    this.pools = src.cfg.pools.map(() => ({ accepted: 0, rejected: 0, lastShareTime: 0 }));
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes a sample now (also called before each reply, so counts are current). */
  sample(): void {
    const now = performance.now();
    const perChain = new Map<number, number>();
    let total = 0;
    for (const c of this.src.chains.values()) {
      const h = chainHashes(c);
      perChain.set(c.index, h);
      total += h;
    }
    const last = this.samples.at(-1);
    if (last && now - last.t < this.periodMs / 2) this.samples[this.samples.length - 1] = { t: now, perChain, total };
    else this.samples.push({ t: now, perChain, total });
    if (this.samples.length > this.maxSamples) this.samples.shift();
    this.tallyPools();
  }

  private tallyPools(): void {
    const { accepted, rejected } = this.src.shares;
    const da = Math.max(0, accepted - this.seen.accepted);
    const dr = Math.max(0, rejected - this.seen.rejected);
    this.seen = { accepted, rejected };
    const i = activePoolIndex(this.src);
    const p = this.pools[i];
    if (!p || (da === 0 && dr === 0)) return;
    p.accepted += da;
    p.rejected += dr;
    if (da) p.lastShareTime = Math.floor(Date.now() / 1000);
  }

  /** H/s over the last `windowS` seconds (over what there is while younger), of a chain or all. */
  rate(windowS: number, chain?: number): number {
    const newest = this.samples.at(-1);
    if (!newest) return 0;
    const from = newest.t - windowS * 1000;
    const oldest = this.samples.find((s) => s.t >= from - this.periodMs / 2) ?? this.samples[0]!;
    const dt = (newest.t - oldest.t) / 1000;
    if (dt <= 0) return 0;
    const pick = (s: Sample) => (chain === undefined ? s.total : (s.perChain.get(chain) ?? 0));
    // A re-initialised chain may start its counters again: never a negative rate.
    return Math.max(0, pick(newest) - pick(oldest)) / dt;
  }
}
