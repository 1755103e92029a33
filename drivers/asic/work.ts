// What goes to a chain and what comes back: work with its targets and an opaque tag, the shares
// found on it, and the per-chip counters (shared by the chain driver, its job ring and its intake).
import type { ChipWork } from './job.js';

/** Work for a chain, with what the driver needs to classify what comes back. */
export interface DispatchWork<T = unknown> extends ChipWork {
  /** Share target, 32 bytes LE. */
  shareTarget: Uint8Array;
  /** Network target, 32 bytes LE: a hash under it is a block candidate. */
  networkTarget: Uint8Array;
  tag: T;
}

export interface FoundShare<T = unknown> {
  work: DispatchWork<T>;
  nonce: number;
  version: number;
  hash: Uint8Array;
  chip: number;
  core: number;
  block: boolean;
}

export interface ChipCounters {
  nonces: number;
  hwErrors: number;
  duplicates: number;
  /** Valid nonces per core. */
  cores: Uint32Array;
}
