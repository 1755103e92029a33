// What the cgminer API reads from the miner (MinerAgent has all of it): chains, the rolling rate
// windows (5 s / 1 m / 5 m / 15 m, the same the status line and /metrics read) and the share
// ledger per pool and per chain.

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
  };
  readonly state: 'running' | 'reinitialising' | 'disabled';
}

export interface ApiTally {
  readonly accepted: number;
  readonly rejected: number;
  readonly unconfirmed: number;
  readonly rejectedBy: ReadonlyMap<string, number>;
  /** Epoch seconds, 0 for none. */
  readonly lastAcceptedAt: number;
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
  readonly ledger: { readonly total: ApiTally; readonly pools: readonly ApiTally[]; chain(index: number): ApiTally };
  readonly poolState: { url: string; protocol: 'sv2' | 'sv1' } | null;
  readonly safety: { status(): ApiSafetyStatus } | null;
  readonly scheduler: { readonly currentJob: { readonly nbits: number; readonly prevHash: Uint8Array; readonly target: Uint8Array } | null };
  readonly uptimeS: number;
  /** H/s of a chain or the board over a window (Infinity: since each chain's last init). */
  rate(windowS: number, chain?: number): number;
  nominalHashrate(): number;
  /** Chips chip health found silent on a chain. */
  stoppedChips?(chain: number): number[];
  /** Lifetime diff-1 work and counts of a chain, across re-initialisations. */
  chainWork(chain: number): number;
  chainCounts(chain: number): { nonces: number; hwErrors: number; crcErrors: number };
}

/** Hashes a chain has done: each diff-1 share of work stands for 2^32. */
export const chainHashes = (src: CgminerSource, c: ApiChain) => src.chainWork(c.index) * 2 ** 32;

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
