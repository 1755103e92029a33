// ChaCha20-Poly1305 (RFC 8439) for small messages, allocation-free apart from its output.
// node:crypto's AEAD costs several microseconds per call whatever the size, and every SV2
// frame starts with a 6-byte encrypted header; this version costs well under that for the
// header and short messages. Large payloads still go to node:crypto (see aead.ts).
// Poly1305 uses ten 13-bit limbs in doubles so every product and sum stays exact.

const le32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const block = new Uint32Array(16);
const blockBytes = new Uint8Array(block.buffer);
const polyKey = new Uint8Array(32);

/** One 64-byte ChaCha20 block for (key, counter, nonce) into `block`/`blockBytes` (locals, no arrays). */
function chachaBlock(key: Uint8Array, counter: number, nonce: Uint8Array): void {
  const k0 = le32(key, 0), k1 = le32(key, 4), k2 = le32(key, 8), k3 = le32(key, 12);
  const k4 = le32(key, 16), k5 = le32(key, 20), k6 = le32(key, 24), k7 = le32(key, 28);
  const n0 = le32(nonce, 0), n1 = le32(nonce, 4), n2 = le32(nonce, 8);
  let x0 = 0x61707865, x1 = 0x3320646e, x2 = 0x79622d32, x3 = 0x6b206574;
  let x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
  let x12 = counter | 0, x13 = n0, x14 = n1, x15 = n2;
  for (let i = 0; i < 10; i++) {
    // column round
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
    // diagonal round
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  block[0] = x0 + 0x61707865; block[1] = x1 + 0x3320646e; block[2] = x2 + 0x79622d32; block[3] = x3 + 0x6b206574;
  block[4] = x4 + k0; block[5] = x5 + k1; block[6] = x6 + k2; block[7] = x7 + k3;
  block[8] = x8 + k4; block[9] = x9 + k5; block[10] = x10 + k6; block[11] = x11 + k7;
  block[12] = x12 + (counter | 0); block[13] = x13 + n0; block[14] = x14 + n1; block[15] = x15 + n2;
}

/** XORs `src` with the keystream from counter 1 into `dst` (may alias). */
function chachaXor(key: Uint8Array, nonce: Uint8Array, src: Uint8Array, dst: Uint8Array, dstOff: number): void {
  for (let off = 0, counter = 1; off < src.length; off += 64, counter++) {
    chachaBlock(key, counter, nonce);
    const n = Math.min(64, src.length - off);
    for (let i = 0; i < n; i++) dst[dstOff + off + i] = src[off + i]! ^ blockBytes[i]!;
  }
}

// Poly1305 state: h (accumulator), r (clamped key), pad (s), as 13-bit limbs / 16-bit words.
const h = new Float64Array(10);
const r = new Float64Array(10);
const pad = new Uint16Array(8);
const d = new Float64Array(10);
const tail = new Uint8Array(16);

function polyInit(key: Uint8Array): void {
  const t0 = key[0]! | (key[1]! << 8);
  const t1 = key[2]! | (key[3]! << 8);
  const t2 = key[4]! | (key[5]! << 8);
  const t3 = key[6]! | (key[7]! << 8);
  const t4 = key[8]! | (key[9]! << 8);
  const t5 = key[10]! | (key[11]! << 8);
  const t6 = key[12]! | (key[13]! << 8);
  const t7 = key[14]! | (key[15]! << 8);
  // Limbs of r with RFC 8439's clamping folded into the masks.
  r[0] = t0 & 0x1fff;
  r[1] = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
  r[2] = ((t1 >>> 10) | (t2 << 6)) & 0x1f03;
  r[3] = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
  r[4] = ((t3 >>> 4) | (t4 << 12)) & 0x00ff;
  r[5] = (t4 >>> 1) & 0x1ffe;
  r[6] = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
  r[7] = ((t5 >>> 11) | (t6 << 5)) & 0x1f81;
  r[8] = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
  r[9] = (t7 >>> 5) & 0x007f;
  for (let i = 0; i < 8; i++) pad[i] = key[16 + 2 * i]! | (key[17 + 2 * i]! << 8);
  h.fill(0);
}

/** Absorbs one 16-byte block at m[o] (hibit: 2^128 marker, 1 for full blocks of the message). */
function polyBlock(m: Uint8Array, o: number): void {
  const t0 = m[o]! | (m[o + 1]! << 8);
  const t1 = m[o + 2]! | (m[o + 3]! << 8);
  const t2 = m[o + 4]! | (m[o + 5]! << 8);
  const t3 = m[o + 6]! | (m[o + 7]! << 8);
  const t4 = m[o + 8]! | (m[o + 9]! << 8);
  const t5 = m[o + 10]! | (m[o + 11]! << 8);
  const t6 = m[o + 12]! | (m[o + 13]! << 8);
  const t7 = m[o + 14]! | (m[o + 15]! << 8);
  h[0]! += t0 & 0x1fff;
  h[1]! += ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
  h[2]! += ((t1 >>> 10) | (t2 << 6)) & 0x1fff;
  h[3]! += ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
  h[4]! += ((t3 >>> 4) | (t4 << 12)) & 0x1fff;
  h[5]! += (t4 >>> 1) & 0x1fff;
  h[6]! += ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
  h[7]! += ((t5 >>> 11) | (t6 << 5)) & 0x1fff;
  h[8]! += ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
  h[9]! += (t7 >>> 5) | (1 << 11); // every block here is a full 16 bytes (padding is explicit)
  // h *= r mod 2^130 − 5: limb products wrap around with ×5 (2^130 ≡ 5).
  let c = 0;
  for (let i = 0; i < 10; i++) {
    let s = c;
    for (let j = 0; j < 10; j++) s += h[j]! * (j <= i ? r[i - j]! : 5 * r[i + 10 - j]!);
    c = Math.floor(s / 8192);
    d[i] = s - c * 8192;
  }
  c = c * 5 + d[0]!;
  d[0] = c % 8192;
  c = Math.floor(c / 8192);
  d[1]! += c;
  h.set(d);
}

function polyPadded(m: Uint8Array): void {
  const full = m.length & ~15;
  for (let o = 0; o < full; o += 16) polyBlock(m, o);
  if (full < m.length) {
    tail.fill(0);
    tail.set(m.subarray(full));
    polyBlock(tail, 0);
  }
}

function polyLengths(adLen: number, ctLen: number): void {
  tail.fill(0);
  tail[0] = adLen & 0xff;
  tail[1] = (adLen >>> 8) & 0xff;
  tail[2] = (adLen >>> 16) & 0xff;
  tail[3] = adLen >>> 24;
  tail[8] = ctLen & 0xff;
  tail[9] = (ctLen >>> 8) & 0xff;
  tail[10] = (ctLen >>> 16) & 0xff;
  tail[11] = ctLen >>> 24;
  polyBlock(tail, 0);
}

/** Final reduction mod 2^130 − 5, plus s, into 16 bytes at out[o]. */
function polyFinish(out: Uint8Array, o: number): void {
  const g = d;
  let c = 0;
  for (let i = 0; i < 10; i++) {
    h[i]! += c;
    c = Math.floor(h[i]! / 8192);
    h[i]! -= c * 8192;
  }
  // Carry out of limb 9 wraps ×5 into limb 0 (twice is enough to settle).
  for (let k = 0; k < 2; k++) {
    h[0]! += c * 5;
    c = 0;
    for (let i = 0; i < 10; i++) {
      h[i]! += c;
      c = Math.floor(h[i]! / 8192);
      h[i]! -= c * 8192;
    }
  }
  // g = h + 5 − 2^130; use g when it is not negative (h ≥ p).
  c = 5;
  for (let i = 0; i < 10; i++) {
    g[i] = h[i]! + c;
    c = Math.floor(g[i]! / 8192);
    g[i]! -= c * 8192;
  }
  if (c >= 1) h.set(g); // h + 5 overflowed 2^130: h ≥ p, so h − p = g (mod 2^130)
  // Pack 130 bits into 8 16-bit words (the top 2 bits drop: result is mod 2^128), add s.
  const w0 = (h[0]! | (h[1]! << 13)) & 0xffff;
  const w1 = ((h[1]! >>> 3) | (h[2]! << 10)) & 0xffff;
  const w2 = ((h[2]! >>> 6) | (h[3]! << 7)) & 0xffff;
  const w3 = ((h[3]! >>> 9) | (h[4]! << 4)) & 0xffff;
  const w4 = ((h[4]! >>> 12) | (h[5]! << 1) | (h[6]! << 14)) & 0xffff;
  const w5 = ((h[6]! >>> 2) | (h[7]! << 11)) & 0xffff;
  const w6 = ((h[7]! >>> 5) | (h[8]! << 8)) & 0xffff;
  const w7 = ((h[8]! >>> 8) | (h[9]! << 5)) & 0xffff;
  const words = [w0, w1, w2, w3, w4, w5, w6, w7];
  let f = 0;
  for (let i = 0; i < 8; i++) {
    f = words[i]! + pad[i]! + (f >>> 16);
    out[o + 2 * i] = f & 0xff;
    out[o + 2 * i + 1] = (f >>> 8) & 0xff;
  }
}

function tagInto(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ct: Uint8Array, out: Uint8Array, o: number): void {
  chachaBlock(key, 0, nonce);
  polyKey.set(blockBytes.subarray(0, 32));
  polyInit(polyKey);
  polyPadded(ad);
  polyPadded(ct);
  polyLengths(ad.length, ct.length);
  polyFinish(out, o);
}

/** ciphertext ‖ 16-byte tag into out at `off` */
export function sealSmallInto(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, pt: Uint8Array, out: Uint8Array, off: number): void {
  chachaXor(key, nonce, pt, out, off);
  tagInto(key, nonce, ad, out.subarray(off, off + pt.length), out, off + pt.length);
}

/** ciphertext ‖ 16-byte tag */
export function sealSmall(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, pt: Uint8Array): Uint8Array {
  const out = new Uint8Array(pt.length + 16);
  sealSmallInto(key, nonce, ad, pt, out, 0);
  return out;
}

const expected = new Uint8Array(16);

/** plaintext, or null when the tag does not verify */
export function openSmall(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < 16) return null;
  const n = sealed.length - 16;
  const ct = sealed.subarray(0, n);
  tagInto(key, nonce, ad, ct, expected, 0);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= expected[i]! ^ sealed[n + i]!;
  if (diff !== 0) return null;
  const pt = new Uint8Array(n);
  chachaXor(key, nonce, ct, pt, 0);
  return pt;
}
