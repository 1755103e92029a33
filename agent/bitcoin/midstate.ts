// SHA-256 midstates: the compression state after the first 64 bytes of a block header. The
// S9/S17-generation chips (BM1387, BM1397) take midstates and hash only the last 16 bytes.
// The state words are returned as numbers (H0..H7); how a chip wants them serialised (word
// order, endianness) is the driver's business.

import { SHA256_IV, compressWords, stateBytes } from './sha256-compress.js';

export { SHA256_IV, compressWords };

const W = new Int32Array(16);

/** One SHA-256 compression of the 64-byte block at `b[off]` into `state` (in place). */
export function compress(state: Uint32Array, b: Uint8Array, off = 0): void {
  for (let i = 0; i < 16; i++) {
    const o = off + 4 * i;
    W[i] = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }
  compressWords(state, W);
}

/** The state after the first 64 bytes of `header` (H0..H7). */
export function midstate(header: Uint8Array): Uint32Array {
  if (header.length < 64) throw new RangeError('a midstate needs the first 64 header bytes');
  const s = SHA256_IV.slice();
  compress(s, header, 0);
  return s;
}

/** SHA-256 of an 80-byte header from its midstate and last 16 bytes (what a BM1387 computes). */
export function finishFromMidstate(state: Uint32Array, tail16: Uint8Array): Uint8Array {
  if (tail16.length !== 16) throw new RangeError('the header tail is 16 bytes');
  return sha256FromState(state, 64, tail16);
}

const padBlock = new Uint8Array(128);
/** The running state of sha256FromState (the caller's is left as it was). */
const scratch = new Uint32Array(8);

/**
 * SHA-256 of a message whose first `done` bytes (a multiple of 64) are already compressed into
 * `state`, given the rest: lets a miner hash a coinbase once up to its extranonce and then only
 * the blocks that change. `state` is not modified; the digest goes to `out` when given (no allocation).
 */
export function sha256FromState(state: Uint32Array, done: number, rest: Uint8Array, out?: Uint8Array): Uint8Array {
  const s = scratch;
  s.set(state);
  const full = rest.length & ~63;
  for (let o = 0; o < full; o += 64) compress(s, rest, o);
  const left = rest.length - full;
  const blocks = left + 9 > 64 ? 2 : 1;
  padBlock.fill(0, 0, 64 * blocks);
  for (let i = 0; i < left; i++) padBlock[i] = rest[full + i]!;
  padBlock[left] = 0x80;
  const bits = (done + rest.length) * 8;
  const end = 64 * blocks;
  padBlock[end - 1] = bits & 0xff;
  padBlock[end - 2] = (bits >>> 8) & 0xff;
  padBlock[end - 3] = (bits >>> 16) & 0xff;
  padBlock[end - 4] = (bits >>> 24) & 0xff;
  padBlock[end - 5] = Math.floor(bits / 2 ** 32) & 0xff;
  for (let o = 0; o < end; o += 64) compress(s, padBlock, o);
  return stateBytes(s, out);
}
