// The emulated chips' side of the BM13xx wire, written from the published protocol descriptions
// and captures, not from the driver it checks (audit 2.2): a driver bug in framing, CRC, field
// order or reply layout then shows up as a chain that does not answer, instead of agreeing with
// itself. Sources:
// - Frames, command codes, CRC5/CRC16: skot/BM1397 bm1366_protocol.md ("Command", "Response",
//   "CRC5: polynomial 0x05, initial value 0x1F, no reflection, no final XOR"); bOSminer
//   braiins-os bm1387 command.rs for the BM1387's preamble-less frames and codes (digest
//   asic-hardware.md §1.2–1.4).
// - Job payloads: ESP-Miner components/asic/bm1397.c / bm1366.c send_work (midstate and header
//   layouts), byte-exact in ESP-Miner components/asic/test/test_bitmain_job_packets.c.
// - Nonce replies: mujina REFERENCE.md captures (BM1362, BM1370), bOSminer bm1387 (BM1387), the
//   ESP-Miner characterisation tests (BM1366/BM1368/BM1397 job id and version bits).

export type ChipFamily = 'BM1387' | 'BM1397' | 'BM1362' | 'BM1366' | 'BM1368' | 'BM1370';

/** A job as the chip reads it. Header chips: prev hash and merkle root in header byte order. */
export interface WireJob {
  jobId: number;
  startNonce: number;
  nbits: number;
  ntime: number;
  /** Header chips: the version as sent. */
  version: number;
  prevHash: Uint8Array | null;
  merkleRoot: Uint8Array | null;
  /** Midstate chips: the merkle root's last 4 bytes and the SHA-256 states (H0..H7). */
  merkleTail: Uint8Array | null;
  midstates: Uint32Array[];
}

export type ChipCommand =
  | { kind: 'setAddress'; address: number }
  | { kind: 'write'; broadcast: boolean; address: number; register: number; value: number }
  | { kind: 'read'; broadcast: boolean; address: number; register: number }
  | { kind: 'chainInactive' }
  | { kind: 'job'; job: WireJob };

interface Wire {
  /** 55 AA in front of host frames (none on the BM1387). */
  preamble: boolean;
  /** Header byte → command: BM1397 generation TYPE 2 = 0x40 | ALL 0x10 | CMD; BM1387 its own codes. */
  codes: Record<number, 'setAddress' | 'write' | 'read' | 'chainInactive'>;
  /** Header byte of a job frame. */
  jobHeader: number;
  format: 'midstate' | 'header';
  /** The reply's job byte (and midstate byte) for a job id and slot. */
  replyId(jobId: number, slot: number): { idByte: number; midstateByte: number };
}

const NEW_CODES = { 0x40: 'setAddress', 0x41: 'write', 0x51: 'write', 0x42: 'read', 0x52: 'read', 0x53: 'chainInactive' } as const;
const header = (replyId: Wire['replyId']): Wire => ({ preamble: true, codes: NEW_CODES, jobHeader: 0x21, format: 'header', replyId });
/** BM1362/BM1366: job id in bits 7–3, the sub-core (version slot) in bits 2–0 (ESP-Miner bm1366.c
 * `job_id & 0xf8`, mujina BM1362 capture job 0 slot 4 = byte 0x04). */
const idsIn7to3 = (jobId: number, slot: number) => ({ idByte: (jobId & 0xf8) | (slot & 0x07), midstateByte: 0 });
/** BM1368/BM1370: (job id << 1) in bits 7–4, sub-core in 3–0 (ESP-Miner bm1368.c `(job_id & 0xf0) >> 1`). */
const idsIn7to4 = (jobId: number, slot: number) => ({ idByte: ((jobId << 1) & 0xf0) | (slot & 0x0f), midstateByte: 0 });

const WIRES: Record<ChipFamily, Wire> = {
  BM1387: {
    preamble: false,
    codes: { 0x41: 'setAddress', 0x48: 'write', 0x58: 'write', 0x44: 'read', 0x54: 'read', 0x55: 'chainInactive' },
    jobHeader: 0x21,
    format: 'midstate',
    replyId: (jobId, slot) => ({ idByte: jobId & 0x7f, midstateByte: slot }),
  },
  BM1397: {
    preamble: true,
    codes: NEW_CODES,
    jobHeader: 0x21,
    format: 'midstate',
    // ESP-Miner bm1397.c: `job_id & 0xfc` with the midstate index in bits 1–0.
    replyId: (jobId, slot) => ({ idByte: (jobId & 0xfc) | (slot & 0x03), midstateByte: slot }),
  },
  BM1362: header(idsIn7to3),
  BM1366: header(idsIn7to3),
  BM1368: header(idsIn7to4),
  BM1370: header(idsIn7to4),
};

export function crc5Of(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0x1f;
  for (let i = start; i < end; i++) {
    for (let bit = 7; bit >= 0; bit--) {
      const feedback = ((bytes[i]! >> bit) & 1) ^ ((crc >> 4) & 1);
      crc = ((crc << 1) & 0x1f) ^ (feedback ? 0x05 : 0);
    }
  }
  return crc;
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), bit by bit. */
export function crc16Of(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

const le32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** 32 bytes with their eight 4-byte words in reverse order (how header chips take hashes). */
function reverseWords(b: Uint8Array, o: number): Uint8Array {
  const out = new Uint8Array(32);
  for (let w = 0; w < 8; w++) out.set(b.subarray(o + 4 * (7 - w), o + 4 * (8 - w)), 4 * w);
  return out;
}

/**
 * A job payload (after 21 LEN, before the CRC): job id, midstate count or 0x01, start nonce,
 * nbits, ntime (LE); midstate chips then the merkle root's last 4 bytes and each state as words
 * H7..H0 little-endian; header chips the merkle root and prev hash word-reversed, then the version.
 */
export function readJob(family: ChipFamily, payload: Uint8Array): WireJob | null {
  const base = { jobId: payload[0]!, startNonce: le32(payload, 2), nbits: le32(payload, 6), ntime: le32(payload, 10) };
  if (WIRES[family].format === 'header') {
    if (payload.length !== 82) return null;
    return { ...base, version: le32(payload, 78), merkleRoot: reverseWords(payload, 14), prevHash: reverseWords(payload, 46), merkleTail: null, midstates: [] };
  }
  const count = payload[1]!;
  if ((count !== 1 && count !== 2 && count !== 4) || payload.length !== 18 + 32 * count) return null;
  const midstates: Uint32Array[] = [];
  for (let m = 0; m < count; m++) {
    const s = new Uint32Array(8);
    for (let i = 0; i < 8; i++) s[7 - i] = le32(payload, 18 + 32 * m + 4 * i);
    midstates.push(s);
  }
  return { ...base, version: 0, prevHash: null, merkleRoot: null, merkleTail: payload.slice(14, 18), midstates };
}

/**
 * Host → chip frames as a chip reads them, from any chunking: a frame whose CRC fails is dropped
 * and the reader moves on a byte. Never holds more than one frame's worth of input.
 */
export class HostFrameReader {
  private buf = new Uint8Array(0);
  crcErrors = 0;
  skipped = 0;
  /** For each command of the last push: how many bytes of that chunk it took to complete it. */
  readonly ends: number[] = [];
  private readonly wire: Wire;

  constructor(readonly family: ChipFamily) {
    this.wire = WIRES[family];
  }

  push(chunk: Uint8Array): ChipCommand[] {
    const data = new Uint8Array(this.buf.length + chunk.length);
    data.set(this.buf);
    data.set(chunk, this.buf.length);
    const carried = this.buf.length;
    const w = this.wire;
    const pre = w.preamble ? 2 : 0;
    const out: ChipCommand[] = [];
    this.ends.length = 0;
    let i = 0;
    const skip = () => {
      i++;
      this.skipped++;
    };
    while (data.length - i >= pre + 2) {
      if (pre && !(data[i] === 0x55 && data[i + 1] === 0xaa)) {
        skip();
        continue;
      }
      const hdr = data[i + pre]!;
      const isJob = hdr === w.jobHeader;
      // Header chips take 86 bytes whatever LEN says (stock firmware sends 0x36; ESP-Miner 0x56).
      const len = isJob && w.format === 'header' ? 86 : data[i + pre + 1]!;
      const kind = isJob ? 'job' : w.codes[hdr];
      if (!kind || (kind !== 'job' && len !== 5 && len !== 9) || (kind === 'job' && (len < 22 || len > 150))) {
        skip();
        continue;
      }
      if (data.length - i < pre + len) break;
      const frame = data.subarray(i + pre, i + pre + len);
      const cmd = kind === 'job' ? this.job(frame) : this.command(kind, hdr, frame);
      if (!cmd) {
        this.crcErrors++;
        skip();
        continue;
      }
      out.push(cmd);
      i += pre + len;
      this.ends.push(i - carried);
    }
    this.buf = data.slice(i);
    return out;
  }

  private job(frame: Uint8Array): ChipCommand | null {
    const n = frame.length;
    if (crc16Of(frame, 0, n - 2) !== ((frame[n - 2]! << 8) | frame[n - 1]!)) return null;
    const job = readJob(this.family, frame.subarray(2, n - 2));
    return job ? { kind: 'job', job } : null;
  }

  private command(kind: 'setAddress' | 'write' | 'read' | 'chainInactive', hdr: number, frame: Uint8Array): ChipCommand | null {
    const n = frame.length;
    if (crc5Of(frame, 0, n - 1) !== frame[n - 1]) return null;
    // Both generations: bit 4 of the header is "to all chips".
    const broadcast = (hdr & 0x10) !== 0;
    switch (kind) {
      case 'setAddress':
        return { kind, address: frame[2]! };
      case 'chainInactive':
        return { kind };
      case 'read':
        return n === 5 ? { kind, broadcast, address: frame[2]!, register: frame[3]! } : null;
      case 'write':
        return n === 9 ? { kind, broadcast, address: frame[2]!, register: frame[3]!, value: ((frame[4]! << 24) | (frame[5]! << 16) | (frame[6]! << 8) | frame[7]!) >>> 0 } : null;
    }
  }
}

/** The last byte: type bits (0x80: a nonce) and the CRC5 that makes the whole reply check to 0. */
function sealReply(body: Uint8Array, nonce: boolean): Uint8Array {
  const last = body.length - 1;
  body[last] = nonce ? 0x80 : 0x00;
  // CRC5 is linear: the five CRC bits that zero the remainder are found by trying them.
  for (let c = 0; c < 32; c++) {
    body[last] = (body[last]! & 0xe0) | c;
    if (crc5Of(body) === 0) return body;
  }
  throw new Error('unreachable: a CRC5 value always seals a reply');
}

/**
 * A nonce reply body (after AA 55): the header's nonce bytes as hashed, then the midstate byte
 * (midstate chips) or the excess difficulty (header chips), the job byte, on 9-byte replies the
 * rolled version bits (header bits 28–13, MSB first), and type + CRC5.
 */
export function nonceReplyBody(family: ChipFamily, length: number, r: { nonce: number; jobId: number; slot: number; versionField: number; excess?: number }): Uint8Array {
  const w = WIRES[family];
  const body = new Uint8Array(length);
  body[0] = r.nonce & 0xff;
  body[1] = (r.nonce >>> 8) & 0xff;
  body[2] = (r.nonce >>> 16) & 0xff;
  body[3] = r.nonce >>> 24;
  const { idByte, midstateByte } = w.replyId(r.jobId, r.slot);
  body[4] = w.format === 'header' ? (r.excess ?? 0) & 0xff : midstateByte;
  body[5] = idByte;
  if (length >= 9) {
    body[6] = (r.versionField >>> 8) & 0xff;
    body[7] = r.versionField & 0xff;
  }
  return sealReply(body, true);
}

/** A register reply body: the value MSB first, then (BM1397 on) the chip address and register. */
export function registerReplyBody(family: ChipFamily, length: number, r: { value: number; address: number; register: number }): Uint8Array {
  const body = new Uint8Array(length);
  body[0] = r.value >>> 24;
  body[1] = (r.value >>> 16) & 0xff;
  body[2] = (r.value >>> 8) & 0xff;
  body[3] = r.value & 0xff;
  if (WIRES[family].preamble) {
    body[4] = r.address;
    body[5] = r.register;
  }
  return sealReply(body, false);
}

/** AA 55 in front of replies (none on the BM1387). */
export const replyPreamble = (family: ChipFamily): Uint8Array => (WIRES[family].preamble ? Uint8Array.of(0xaa, 0x55) : new Uint8Array(0));
