// Targets as SV2 carries them: 32-byte little-endian integers (byte 31 most significant), the
// same byte order as a block hash in the header. nbits is Bitcoin's compact form.

/** Difficulty 1 ("pdiff"): 0xFFFF · 2^208. */
export const DIFF1 = 0xffffn << 208n;
export const MAX_TARGET_LE = new Uint8Array(32).fill(0xff);

export function leToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

export function bigIntToLe(v: bigint): Uint8Array {
  if (v < 0n || v >= 1n << 256n) throw new RangeError('a target must be in [0, 2^256)');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** hash ≤ target, both little-endian 32 bytes; compares from the most significant byte, no bigint. */
export function meetsTarget(hash: Uint8Array, target: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const h = hash[i]!;
    const t = target[i]!;
    if (h !== t) return h < t;
  }
  return true;
}

/** Leading zero bits of a hash read as a little-endian 256-bit number (byte 31 most significant):
 * a hash with 32 + k of them meets difficulty 2^k (what a BM13xx ticket mask filters on). */
export function leadingZeroBits(h: Uint8Array): number {
  for (let i = 31; i >= 0; i--) if (h[i] !== 0) return (31 - i) * 8 + Math.clz32(h[i]!) - 24;
  return 256;
}

/** Compact nbits → target (Bitcoin Core's SetCompact; negative or overflowing values → null). */
export function nbitsToTarget(nbits: number): bigint | null {
  const size = nbits >>> 24;
  let word = BigInt(nbits & 0x007fffff);
  const negative = word !== 0n && (nbits & 0x00800000) !== 0;
  const overflow = word !== 0n && (size > 34 || (word > 0xffn && size > 33) || (word > 0xffffn && size > 32));
  if (negative || overflow) return null;
  word = size <= 3 ? word >> (8n * BigInt(3 - size)) : word << (8n * BigInt(size - 3));
  return word;
}

/** Target → compact nbits (Bitcoin Core's GetCompact). */
export function targetToNbits(target: bigint): number {
  let size = 0;
  for (let t = target; t > 0n; t >>= 8n) size++;
  let compact = size <= 3 ? Number(target << (8n * BigInt(3 - size))) : Number(target >> (8n * BigInt(size - 3)));
  if (compact & 0x00800000) {
    compact >>>= 8;
    size++;
  }
  return ((size << 24) | compact) >>> 0;
}

export function targetToDifficulty(target: bigint): number {
  return target === 0n ? Infinity : Number((DIFF1 * 1_000_000n) / target) / 1_000_000;
}

export function difficultyToTarget(difficulty: number): bigint {
  if (!(difficulty > 0)) throw new RangeError('difficulty must be positive');
  // Fixed point keeps fractional pool difficulties exact enough.
  const scaled = BigInt(Math.round(difficulty * 1e9));
  const t = (DIFF1 * 1_000_000_000n) / (scaled === 0n ? 1n : scaled);
  return t >= 1n << 256n ? (1n << 256n) - 1n : t;
}

/**
 * The target at which `hashrate` H/s finds `sharesPerMinute` shares (SRI hash_rate_to_target):
 * hs = hashrate · 60/spm; target = (2^256 − 1 − hs) / (hs + 1).
 */
export function hashrateToTarget(hashrate: number, sharesPerMinute: number): bigint {
  const hs = BigInt(Math.floor(hashrate * (60 / sharesPerMinute)));
  const max = (1n << 256n) - 1n;
  return hs >= max ? 0n : (max - hs) / (hs + 1n);
}

/** The hashrate (H/s) at which `target` yields `sharesPerMinute` shares: the inverse of hashrateToTarget. */
export function targetToHashrate(target: bigint, sharesPerMinute: number): number {
  return (hashesPerShare(target) * sharesPerMinute) / 60;
}

/** Expected hashes to find one hash ≤ target. */
export function hashesPerShare(target: bigint): number {
  return Number((1n << 256n) / (target + 1n));
}
