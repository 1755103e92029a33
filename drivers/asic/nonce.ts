// Reply bodies (the bytes after the preamble) and where a nonce carries its chip and core, for
// the driver (decode) and the emulator (encode). Digest §1.6:
// - BM1387, 7 B: nonce(4) midstate(1) job(1) flag+CRC; register: value(4) 00 00 CRC.
// - BM1397, 7 B: nonce(4) midstate(1) job|midstate(1) type+CRC; register: value(4) addr reg CRC.
// - BM1362+, 9 B: nonce(4) excess-difficulty(1) job|slot(1) version(2, MSB first) type+CRC;
//   register: value(4) addr reg 00 00 CRC.
// Nonce bytes are the header's nonce bytes as sent; chips number their fields in the
// big-endian reading of those bytes (BM1397+) or the little-endian one (BM1387, bOSminer).
import { getLe32 } from '../../agent/bitcoin/bytes.js';
import { crc5 } from './crc.js';
import type { ChipProfile } from './profiles.js';

export interface NonceReply {
  /** The header nonce (little-endian value of the four reply bytes). */
  nonce: number;
  jobId: number;
  /** Midstate index (midstate chips) or version slot / sub-core (header chips). */
  slot: number;
  /** Rolled version field (header chips): header bits 28–13 = field << 13. */
  versionField: number;
}

export interface RegisterReply {
  value: number;
  /** Chip address (BM1387 register replies carry it in the value's low byte for CHIP_ID only). */
  address: number;
  register: number;
}

const be32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
export const bswap32 = (v: number) => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

export function decodeNonceReply(p: ChipProfile, body: Uint8Array): NonceReply {
  const { jobId, slot } = p.jobOfReply(body[5]!, body[4]!);
  return { nonce: getLe32(body, 0), jobId, slot, versionField: body.length >= 9 ? (body[6]! << 8) | body[7]! : 0 };
}

export function decodeRegisterReply(p: ChipProfile, body: Uint8Array): RegisterReply {
  const value = be32(body, 0);
  if (p.framing === 'bm1387') return { value, address: value & 0xff, register: 0 };
  return { value, address: body[4]!, register: body[5]! };
}

/** Sets the CRC5 in the low 5 bits of the last byte so that the CRC over the whole body is 0. */
function seal(body: Uint8Array): Uint8Array {
  const last = body.length - 1;
  const type = body[last]! & 0xe0;
  for (let c = 0; c < 32; c++) {
    body[last] = type | c;
    if (crc5(body) === 0) return body;
  }
  throw new Error('unreachable: some CRC5 value always seals a reply');
}

export function encodeNonceReply(p: ChipProfile, r: NonceReply & { excess?: number }): Uint8Array {
  const body = new Uint8Array(p.replyLength);
  body[0] = r.nonce & 0xff;
  body[1] = (r.nonce >>> 8) & 0xff;
  body[2] = (r.nonce >>> 16) & 0xff;
  body[3] = r.nonce >>> 24;
  const { idByte, midstateByte } = p.replyIdBytes(r.jobId, r.slot);
  body[4] = p.jobFormat === 'header' ? (r.excess ?? 0) : midstateByte;
  body[5] = idByte;
  if (p.replyLength >= 9) {
    body[6] = (r.versionField >>> 8) & 0xff;
    body[7] = r.versionField & 0xff;
  }
  body[body.length - 1] = 0x80;
  return seal(body);
}

export function encodeRegisterReply(p: ChipProfile, length: number, r: RegisterReply): Uint8Array {
  const body = new Uint8Array(length);
  body.set([r.value >>> 24, (r.value >>> 16) & 0xff, (r.value >>> 8) & 0xff, r.value & 0xff]);
  if (p.framing !== 'bm1387') {
    body[4] = r.address;
    body[5] = r.register;
  }
  return seal(body);
}

// ---- Where chips put their fields in the nonce ----------------------------------------------

/** The chip-side reading of a nonce: BM1387 counts in the LE value, later chips in the BE one. */
const chipWord = (p: ChipProfile, nonce: number) => (p.nonceLayout === 'bm1387' ? nonce >>> 0 : bswap32(nonce));
const fromChipWord = (p: ChipProfile, w: number) => (p.nonceLayout === 'bm1387' ? w >>> 0 : bswap32(w));

export const coreOfNonce = (p: ChipProfile, nonce: number): number => {
  const w = chipWord(p, nonce);
  return p.nonceLayout === 'bm1387' ? (w >>> 24) & 0x7f : w >>> 25;
};

/** How a chain's chips share the nonce space (the driver sets it up; both sides agree on it). */
export interface NonceSplit {
  /** Address step (power of two): the address field is the address's bits above log2(step). */
  addressStep: number;
  /** CHIP_NONCE_OFFSET per chip (offset split, BM1370); their ranges on nonce bits 24–9 ascend. */
  offsets?: readonly number[];
}

export const log2 = (n: number) => 31 - Math.clz32(n);

/** The chain position of the chip that found `nonce`. */
export function chipOfNonce(p: ChipProfile, split: NonceSplit, nonce: number): number {
  const w = chipWord(p, nonce);
  if (p.nonceSplit === 'offset' && split.offsets) {
    const field = (w >>> 9) & 0xffff;
    const o = split.offsets;
    let lo = 0;
    let hi = o.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (o[mid]! <= field) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  const s = log2(split.addressStep);
  const addressByte = p.nonceLayout === 'bm1387' ? w & 0xff : (w >>> 17) & 0xff;
  return addressByte >>> s;
}

/** Counter bits a core sweeps per version slot for chip `index` (the emulator's sweep length). */
export function counterSpan(p: ChipProfile, split: NonceSplit, index: number): number {
  if (p.nonceSplit === 'offset' && split.offsets) {
    const o = split.offsets;
    return ((index + 1 < o.length ? o[index + 1]! : 0x10000) - o[index]!) * 512;
  }
  return 2 ** (17 + log2(split.addressStep));
}

/** The nonce core `core` of chip `index` reaches at sweep position `counter` (< counterSpan). */
export function composeNonce(p: ChipProfile, split: NonceSplit, index: number, core: number, counter: number): number {
  const s = log2(split.addressStep);
  if (p.nonceLayout === 'bm1387') {
    // Free bits: 0..s-1, 8..23 and 31; the address field sits in bits 7..s, the core in 30..24.
    const low = counter & ((1 << s) - 1);
    const mid = (counter >>> s) & 0xffff;
    const top = (counter >>> (s + 16)) & 1;
    return fromChipWord(p, (top << 31) | ((core & 0x7f) << 24) | (mid << 8) | (((index << s) & 0xff) & ~((1 << s) - 1)) | low);
  }
  if (p.nonceSplit === 'offset' && split.offsets) {
    const field = (split.offsets[index]! + Math.floor(counter / 512)) & 0xffff;
    return fromChipWord(p, ((core & 0x7f) << 25) | (field << 9) | (counter & 0x1ff));
  }
  const counterBits = 17 + s;
  return fromChipWord(p, ((core & 0x7f) << 25) | (((index << s) & 0xff) >>> s << counterBits) | (counter & (2 ** counterBits - 1)));
}

/** Evenly spread CHIP_NONCE_OFFSETs (65 chips: 0x0000, 0x03F1, … 0xFC10, as the stock S21 Pro writes). */
export const spreadOffsets = (chips: number): number[] => Array.from({ length: chips }, (_, i) => Math.ceil((i * 0x10000) / chips) & 0xffff);

/**
 * Seconds a chip needs to cover a job's whole search space: `slots` versions (midstates or rolled
 * versions) × every core × `span` counter values, at frequency × hashes per clock. Work has to be
 * refreshed sooner than this or the chip re-hashes what it already searched.
 */
export const sweepSeconds = (p: ChipProfile, frequencyMHz: number, span: number, slots: number): number =>
  (slots * p.cores * span) / (frequencyMHz * 1e6 * p.hashesPerClock);
