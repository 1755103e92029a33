// Job frames for both job formats (digest §1.5), encoded by the driver and decoded by the emulator.
// Midstate (BM1387, BM1397): job id, midstate count, start nonce, nbits, ntime, the merkle root's
// last 4 bytes, then each midstate as its words H7..H0, each little-endian (ESP-Miner reverses
// the 32 serialised bytes). Header (BM1362+): job id, 0x01, start nonce, nbits, ntime (all LE),
// merkle root and prev hash with their eight 4-byte words in reverse order, version LE.
import { getLe32, putLe32 } from '../../agent/bitcoin/bytes.js';
import { crc16 } from './crc.js';
import { preamble } from './frame.js';
import type { ChipProfile } from './profiles.js';

/** What a chain hashes: a header, plus host-computed midstates for the midstate chips. */
export interface ChipWork {
  version: number;
  /** Bits a header chip may roll (0xA4); midstate chips get their versions as midstates. */
  versionMask: number;
  prevHash: Uint8Array;
  merkleRoot: Uint8Array;
  ntime: number;
  nbits: number;
  /** Midstate chips: 1, 2 or 4 consecutive rolled versions and their SHA-256 midstates. */
  midstates?: readonly { version: number; state: Uint32Array }[];
  /** Where the chips' nonce counters start (0 unless a host splits the range itself). */
  startNonce?: number;
}

const putLe = putLe32;
const getLe = getLe32;

/** Copies 32 bytes with the order of their eight 4-byte words reversed (its own inverse). */
function wordsReversed(src: Uint8Array, so: number, dst: Uint8Array, d: number): void {
  for (let w = 0; w < 8; w++) for (let i = 0; i < 4; i++) dst[d + 4 * w + i] = src[so + 4 * (7 - w) + i]!;
}

/** Payload bytes of a job (between LEN and the CRC16): 82 for a header, 18 + 32 per midstate. */
function payloadLength(p: ChipProfile, w: ChipWork): number {
  if (p.jobFormat === 'header') return 82;
  const n = w.midstates?.length ?? 0;
  if (n < 1 || n > p.maxMidstates || n === 3) throw new RangeError(`${p.name} takes 1, 2 or 4 midstates`);
  return 18 + 32 * n;
}

/** Bytes of the whole job frame for `w`: preamble, 21, LEN, payload, CRC16. */
export const jobFrameLength = (p: ChipProfile, w: ChipWork): number => preamble(p.framing, 'command').length + 4 + payloadLength(p, w);

/**
 * Writes the job frame into `out` at `at` and returns its length: the new-block path encodes into
 * buffers it reuses, with no allocation (asic.newblock_latency).
 */
export function encodeJobInto(p: ChipProfile, jobId: number, w: ChipWork, out: Uint8Array, at = 0): number {
  const n = payloadLength(p, w);
  const pm = preamble(p.framing, 'command');
  for (let i = 0; i < pm.length; i++) out[at + i] = pm[i]!;
  const h = at + pm.length;
  out[h] = 0x21;
  out[h + 1] = n + 4;
  const b = h + 2;
  out.fill(0, b, b + n);
  out[b] = jobId;
  if (w.startNonce) putLe(out, b + 2, w.startNonce);
  putLe(out, b + 6, w.nbits);
  putLe(out, b + 10, w.ntime);
  if (p.jobFormat === 'header') {
    out[b + 1] = 0x01;
    wordsReversed(w.merkleRoot, 0, out, b + 14);
    wordsReversed(w.prevHash, 0, out, b + 46);
    putLe(out, b + 78, w.version);
  } else {
    const ms = w.midstates!;
    out[b + 1] = ms.length;
    for (let i = 0; i < 4; i++) out[b + 14 + i] = w.merkleRoot[28 + i]!;
    for (let m = 0; m < ms.length; m++) for (let i = 0; i < 8; i++) putLe(out, b + 18 + 32 * m + 4 * i, ms[m]!.state[7 - i]!);
  }
  const c = crc16(out, h, b + n);
  out[b + n] = c >> 8;
  out[b + n + 1] = c & 0xff;
  return b + n + 2 - at;
}

export function encodeJob(p: ChipProfile, jobId: number, w: ChipWork): Uint8Array {
  const out = new Uint8Array(jobFrameLength(p, w));
  encodeJobInto(p, jobId, w, out, 0);
  return out;
}

/** A job as a chip reads it (from the body after the preamble: 21 LEN … CRC16). */
export interface DecodedJob {
  jobId: number;
  nbits: number;
  ntime: number;
  startNonce: number;
  /** Header chips: the whole header but the nonce; version as sent. */
  version: number;
  prevHash: Uint8Array | null;
  merkleRoot: Uint8Array | null;
  /** Midstate chips: the last 4 merkle-root bytes and the midstates (H0..H7). */
  merkleTail: Uint8Array | null;
  midstates: Uint32Array[];
}

/** The body length of a job frame for `p` given its LEN byte (header chips ignore LEN: stock sends 0x36). */
export const jobBodyLength = (p: ChipProfile, len: number): number => (p.jobFormat === 'header' ? 86 : len);

export function decodeJob(p: ChipProfile, body: Uint8Array): DecodedJob | null {
  const n = body.length;
  const crc = crc16(body, 0, n - 2);
  if (n < 22 || crc !== ((body[n - 2]! << 8) | body[n - 1]!)) return null;
  const b = body.subarray(2, n - 2);
  const base = { jobId: b[0]!, startNonce: getLe(b, 2), nbits: getLe(b, 6), ntime: getLe(b, 10) };
  if (p.jobFormat === 'header') {
    if (b.length !== 82) return null;
    const merkleRoot = new Uint8Array(32);
    const prevHash = new Uint8Array(32);
    wordsReversed(b, 14, merkleRoot, 0);
    wordsReversed(b, 46, prevHash, 0);
    return { ...base, version: getLe(b, 78), prevHash, merkleRoot, merkleTail: null, midstates: [] };
  }
  const count = b[1]!;
  if (![1, 2, 4].includes(count) || count > p.maxMidstates || b.length !== 18 + 32 * count) return null;
  const midstates: Uint32Array[] = [];
  for (let m = 0; m < count; m++) {
    const s = new Uint32Array(8);
    for (let i = 0; i < 8; i++) s[7 - i] = getLe(b, 18 + 32 * m + 4 * i);
    midstates.push(s);
  }
  return { ...base, version: 0, prevHash: null, merkleRoot: null, merkleTail: b.slice(14, 18), midstates };
}
