// Job frames for both job formats (digest §1.5), encoded by the driver and decoded by the emulator.
// Midstate (BM1387, BM1397): job id, midstate count, start nonce, nbits, ntime, the merkle root's
// last 4 bytes, then each midstate as its words H7..H0, each little-endian (ESP-Miner reverses
// the 32 serialised bytes). Header (BM1362+): job id, 0x01, start nonce, nbits, ntime (all LE),
// merkle root and prev hash with their eight 4-byte words in reverse order, version LE.
import { getLe32, putLe32 } from '../../agent/bitcoin/bytes.js';
import { crc16 } from './crc.js';
import { jobFrame } from './frame.js';
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
}

const putLe = putLe32;
const getLe = getLe32;

/** Copies 32 bytes with the order of their eight 4-byte words reversed (its own inverse). */
function wordsReversed(src: Uint8Array, so: number, dst: Uint8Array, d: number): void {
  for (let w = 0; w < 8; w++) for (let i = 0; i < 4; i++) dst[d + 4 * w + i] = src[so + 4 * (7 - w) + i]!;
}

export function encodeJob(p: ChipProfile, jobId: number, w: ChipWork): Uint8Array {
  if (p.jobFormat === 'header') {
    const b = new Uint8Array(82);
    b[0] = jobId;
    b[1] = 0x01;
    putLe(b, 6, w.nbits);
    putLe(b, 10, w.ntime);
    wordsReversed(w.merkleRoot, 0, b, 14);
    wordsReversed(w.prevHash, 0, b, 46);
    putLe(b, 78, w.version);
    return jobFrame(b, p.framing);
  }
  const ms = w.midstates;
  if (!ms || ms.length < 1 || ms.length > p.maxMidstates || ms.length === 3) throw new RangeError(`${p.name} takes 1, 2 or 4 midstates`);
  const b = new Uint8Array(18 + 32 * ms.length);
  b[0] = jobId;
  b[1] = ms.length;
  putLe(b, 6, w.nbits);
  putLe(b, 10, w.ntime);
  b.set(w.merkleRoot.subarray(28, 32), 14);
  for (let m = 0; m < ms.length; m++) for (let i = 0; i < 8; i++) putLe(b, 18 + 32 * m + 4 * i, ms[m]!.state[7 - i]!);
  return jobFrame(b, p.framing);
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
