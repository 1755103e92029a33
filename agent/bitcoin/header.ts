// The 80-byte block header: version | prev_hash | merkle_root | ntime | nbits | nonce (LE fields,
// hashes in internal byte order).
import { getLe32, putLe32 } from './bytes.js';
import { sha256d } from './hash.js';

export const HEADER_SIZE = 80;

export interface HeaderFields {
  version: number;
  prevHash: Uint8Array;
  merkleRoot: Uint8Array;
  ntime: number;
  nbits: number;
  nonce: number;
}

const u32 = putLe32;

export function buildHeader(h: HeaderFields, out: Uint8Array = new Uint8Array(HEADER_SIZE)): Uint8Array {
  u32(out, 0, h.version);
  out.set(h.prevHash, 4);
  out.set(h.merkleRoot, 36);
  u32(out, 68, h.ntime);
  u32(out, 72, h.nbits);
  u32(out, 76, h.nonce);
  return out;
}

export function setNonce(header: Uint8Array, nonce: number): void {
  u32(header, 76, nonce);
}

export function parseHeader(b: Uint8Array): HeaderFields {
  if (b.length !== HEADER_SIZE) throw new RangeError(`a header is 80 bytes, got ${b.length}`);
  const r = (o: number) => getLe32(b, o);
  return { version: r(0), prevHash: b.slice(4, 36), merkleRoot: b.slice(36, 68), ntime: r(68), nbits: r(72), nonce: r(76) };
}

export const headerHash = (header: Uint8Array): Uint8Array => sha256d(header);

/** Display order (RPC/explorer hex) of an internal-order hash. */
export function hashToHex(h: Uint8Array): string {
  return Buffer.from(h).reverse().toString('hex');
}
