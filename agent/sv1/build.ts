// Messages a Stratum V1 server sends, built from the agent's job model (the translator's side):
// the inverse of the parsers in messages.ts, with the byte orders of the ecosystem digest §3.3.
import { DIFF1, difficultyToTarget } from '../bitcoin/index.js';
import { headerBytesToPrevhash } from './messages.js';

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
/** A u32 as SV1 sends it: 8 big-endian hex digits. */
export const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

export interface NotifyJob {
  /** Header-order previous block hash. */
  prevHash: Uint8Array;
  /** Coinbase bytes before extranonce1. */
  coinbase1: Uint8Array;
  coinbase2: Uint8Array;
  merklePath: readonly Uint8Array[];
  version: number;
  nbits: number;
  ntime: number;
}

/** mining.notify params: [job_id, prevhash (word-swapped), coinb1, coinb2, branches, version, nbits, ntime, clean]. */
export function notifyParams(jobId: string, j: NotifyJob, clean: boolean): unknown[] {
  return [jobId, hex(headerBytesToPrevhash(j.prevHash)), hex(j.coinbase1), hex(j.coinbase2), j.merklePath.map(hex), hex8(j.version), hex8(j.nbits), hex8(j.ntime), clean];
}

/**
 * The difficulty advertised to SV1 miners for a share target: rounded down to a power of two
 * from 1 up (as the reference translator does, so integer-only miners agree with us), the exact
 * float below 1.
 */
export function advertisedDifficulty(target: bigint): number {
  // diff1 / target with 64 fractional bits: CPU-miner difficulties are far below 10^-6.
  const d = target === 0n ? Number.MAX_VALUE : Number((DIFF1 << 64n) / target) / 2 ** 64;
  if (d >= 1) return 2 ** Math.floor(Math.log2(d));
  return Number(d.toPrecision(6));
}

const MAX_TARGET = (1n << 256n) - 1n;

/** The share target a miner derives from a difficulty (diff1 / d). */
export function difficultyShareTarget(d: number): bigint {
  const log = Math.log2(d);
  if (d >= 1) return Number.isInteger(log) ? DIFF1 >> BigInt(log) : difficultyToTarget(d);
  // Below 1 (CPU miners, tests) with 18 digits of fixed point: 1e-10 must not become 0.
  const scaled = BigInt(Math.max(1, Math.round(d * 1e18)));
  const t = (DIFF1 * 10n ** 18n) / scaled;
  return t > MAX_TARGET ? MAX_TARGET : t;
}
