// Minimal transaction serialisation for coinbases and blocks: CompactSize, script pushes,
// BIP34 height, outputs.

export function compactSize(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >>> 8);
  if (n <= 0xffffffff) return Uint8Array.of(0xfe, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  throw new RangeError('CompactSize above 2^32 is not used here');
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function u32le(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
}

export function u64le(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** A minimal data push (≤ 75 bytes: the length byte is the opcode). */
export function pushData(data: Uint8Array): Uint8Array {
  if (data.length > 75) throw new RangeError('pushData here handles at most 75 bytes');
  return concat(Uint8Array.of(data.length), data);
}

/** Script-number encoding of n ≥ 0 (minimal little-endian with a sign bit). */
export function scriptNum(n: number): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  const out: number[] = [];
  let v = n;
  while (v > 0) {
    out.push(v & 0xff);
    v = Math.floor(v / 256);
  }
  if (out[out.length - 1]! & 0x80) out.push(0);
  return Uint8Array.from(out);
}

/** BIP34: the coinbase scriptSig starts with a push of the block height. */
export function bip34HeightPush(height: number): Uint8Array {
  // Heights 1–16 would be OP_1..OP_16 in minimal script, but BIP34 as Bitcoin Core checks it
  // compares against CScript() << height, which encodes small heights as OP_n.
  if (height >= 1 && height <= 16) return Uint8Array.of(0x50 + height);
  if (height === 0) return Uint8Array.of(0x00);
  return pushData(scriptNum(height));
}

export interface TxOut {
  value: bigint;
  script: Uint8Array;
}

export function serializeOutputs(outs: readonly TxOut[]): Uint8Array {
  return concat(...outs.flatMap((o) => [u64le(o.value), compactSize(o.script.length), o.script]));
}
