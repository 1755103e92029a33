// SHA-256 midstates: the compression state after the first 64 bytes of a block header. The
// S9/S17-generation chips (BM1387, BM1397) take midstates and hash only the last 16 bytes.
// The state words are returned as numbers (H0..H7); how a chip wants them serialised (word
// order, endianness) is the driver's business.

const K = Uint32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
export const SHA256_IV = Uint32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const W = new Uint32Array(64);
const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** One SHA-256 compression of the 64-byte block at `b[off]` into `state` (in place). */
export function compress(state: Uint32Array, b: Uint8Array, off = 0): void {
  for (let i = 0; i < 16; i++) {
    const o = off + 4 * i;
    W[i] = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = state[0]!, bb = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = bb;
    bb = a;
    a = (t1 + t2) | 0;
  }
  state[0] = state[0]! + a;
  state[1] = state[1]! + bb;
  state[2] = state[2]! + c;
  state[3] = state[3]! + d;
  state[4] = state[4]! + e;
  state[5] = state[5]! + f;
  state[6] = state[6]! + g;
  state[7] = state[7]! + h;
}

/** The state after the first 64 bytes of `header` (H0..H7). */
export function midstate(header: Uint8Array): Uint32Array {
  if (header.length < 64) throw new RangeError('a midstate needs the first 64 header bytes');
  const s = SHA256_IV.slice();
  compress(s, header, 0);
  return s;
}

const tailBlock = new Uint8Array(64);

/** SHA-256 of an 80-byte header from its midstate and last 16 bytes (what a BM1387 computes). */
export function finishFromMidstate(state: Uint32Array, tail16: Uint8Array): Uint8Array {
  if (tail16.length !== 16) throw new RangeError('the header tail is 16 bytes');
  const s = state.slice();
  tailBlock.fill(0);
  tailBlock.set(tail16);
  tailBlock[16] = 0x80;
  tailBlock[62] = 0x02; // message length: 640 bits = 0x280
  tailBlock[63] = 0x80;
  compress(s, tailBlock, 0);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    out[4 * i] = s[i]! >>> 24;
    out[4 * i + 1] = (s[i]! >>> 16) & 0xff;
    out[4 * i + 2] = (s[i]! >>> 8) & 0xff;
    out[4 * i + 3] = s[i]! & 0xff;
  }
  return out;
}
