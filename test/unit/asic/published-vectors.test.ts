// Published BM1366, BM1368 and BM1397 job frames and nonce replies (audit 2.2), each read by the
// driver (drivers/asic) and by the emulated chips' own wire code (board/emulated/chip-wire.ts),
// which is written apart from the driver: both must agree with the bytes another firmware wrote.
// Sources (bitaxeorg/ESP-Miner's characterisation tests of its own drivers):
// - Job frames: bitaxeorg/ESP-Miner components/asic/test/test_bitmain_job_packets.c (commit
//   9cd526d), "BM13xx work packets preserve complete header fields byte exact" (BM1366 job 0x08,
//   CRC D6 21; BM1368 job 0x18, CRC 05 D4) and "BM1397 work packet and returned midstate preserve
//   version mapping" (4 midstates, CRC 15 4D; replies AA 55 <nonce> 00 <4|midstate> 80).
// - Header-chip replies: eandersson/ESP-Miner components/asic/test/test_version_rolling.c (commit
//   d110494), "BM13xx response version bits reconstruct rolled block versions": AA 55 9B 04 4C 0A
//   00 <0x13 BM1366 | 0x23 BM1368> <version bits> 80 ⇒ job 0x10, nonce 0x0A4C049B, chip 1 of 2,
//   core 77, small core 3, version 0x20000004 | bits << 13.
// ESP-Miner's fakes carry no valid CRC5 in the last byte (its harness checks CRCs elsewhere), so
// replies are compared on every byte but that one.
import { describe, expect, it } from 'vitest';
import { CHIP_PROFILES } from '../../../drivers/asic/profiles.js';
import { decodeJob, encodeJob, type ChipWork } from '../../../drivers/asic/job.js';
import { chipOfNonce, coreOfNonce, decodeNonceReply, decodeRegisterReply } from '../../../drivers/asic/nonce.js';
import { HostFrameReader, crc5Of, nonceReplyBody, type WireJob } from '../../../board/emulated/chip-wire.js';

const range = (n: number, from: number) => Uint8Array.from({ length: n }, (_, i) => from + i);
/** 32 bytes with their 4-byte words in reverse order: ESP-Miner keeps hashes in the chips' order. */
const wordsReversed = (b: Uint8Array) => Uint8Array.from({ length: 32 }, (_, i) => b[4 * (7 - (i >> 2)) + (i & 3)]!);

// test_bitmain_job_packets.c make_job(): the header chips' packet before job id and CRC.
const headerPacket = (jobId: number, crc: [number, number]) =>
  Uint8Array.from([
    0x55, 0xaa, 0x21, 0x56, jobId, 0x01, 0x78, 0x56, 0x34, 0x12, 0x01, 0xdd, 0x05, 0x17, 0xd8, 0x8b, 0x65, 0x64,
    ...range(32, 0x00), ...range(32, 0x20), 0x04, 0x00, 0x00, 0x20, ...crc,
  ]);
// The same job: merkle root bytes 00..1F and prev hash 20..3F in the chips' (word-reversed) order.
const headerWork: ChipWork = {
  version: 0x20000004, versionMask: 0x1fffe000, nbits: 0x1705dd01, ntime: 0x64658bd8, startNonce: 0x12345678,
  merkleRoot: wordsReversed(range(32, 0x00)), prevHash: wordsReversed(range(32, 0x20)),
};

/** What the emulated chips read from a whole frame (their own reader, CRC checked). */
function chipsRead(family: 'BM1366' | 'BM1368' | 'BM1397', frame: Uint8Array): WireJob {
  const r = new HostFrameReader(family);
  const cmds = r.push(frame);
  expect(r.crcErrors).toBe(0);
  expect(cmds).toHaveLength(1);
  const c = cmds[0]!;
  if (c.kind !== 'job') throw new Error(`read a ${c.kind}, not a job`);
  return c.job;
}

describe('job frames another firmware wrote (ESP-Miner)', () => {
  it.each([
    ['BM1366', 0x08, [0xd6, 0x21]],
    ['BM1368', 0x18, [0x05, 0xd4]],
  ] as const)('%s header job %s: the driver writes it byte for byte; driver and emulated chips read it back', (name, id, crc) => {
    const p = CHIP_PROFILES[name];
    const frame = headerPacket(id, [...crc]);
    expect(Buffer.from(encodeJob(p, id, headerWork)).toString('hex')).toBe(Buffer.from(frame).toString('hex'));
    const driver = decodeJob(p, frame.subarray(2))!;
    const chips = chipsRead(name, frame);
    for (const j of [driver, chips]) {
      expect(j).toMatchObject({ jobId: id, startNonce: 0x12345678, nbits: 0x1705dd01, ntime: 0x64658bd8, version: 0x20000004 });
      expect(j.merkleRoot).toEqual(headerWork.merkleRoot);
      expect(j.prevHash).toEqual(headerWork.prevHash);
    }
    // A flipped bit anywhere: the chips drop the frame.
    const bad = frame.slice();
    bad[40]! ^= 0x10;
    const r = new HostFrameReader(name);
    expect(r.push(bad)).toEqual([]);
    expect(r.crcErrors).toBe(1);
  });

  it('BM1397 four-midstate job 0x04: driver and emulated chips read the same job, and the driver writes it back byte for byte', () => {
    const frame = Uint8Array.from([
      0x55, 0xaa, 0x21, 0x96, 0x04, 0x04, 0x78, 0x56, 0x34, 0x12, 0x01, 0xdd, 0x05, 0x17, 0xd8, 0x8b, 0x65, 0x64,
      0x00, 0x01, 0x02, 0x03, ...range(128, 0x40), 0x15, 0x4d,
    ]);
    const p = CHIP_PROFILES.BM1397;
    const driver = decodeJob(p, frame.subarray(2))!;
    const chips = chipsRead('BM1397', frame);
    for (const j of [driver, chips]) {
      expect(j).toMatchObject({ jobId: 4, startNonce: 0x12345678, nbits: 0x1705dd01, ntime: 0x64658bd8 });
      expect(j.merkleTail).toEqual(Uint8Array.of(0, 1, 2, 3));
      expect(j.midstates).toHaveLength(4);
    }
    expect(chips.midstates).toEqual(driver.midstates);
    // Midstate 0 is bytes 40..5F, sent as words H7..H0 little-endian: H7 = 0x43424140.
    expect(driver.midstates[0]![7]).toBe(0x43424140);
    expect(driver.midstates[0]![0]).toBe(0x5f5e5d5c);
    // Versions as ESP-Miner rolls them for the four midstates (0x20000004 + k·0x2000).
    const versions = [0x20000004, 0x20002004, 0x20004004, 0x20006004];
    const merkleRoot = new Uint8Array(32);
    merkleRoot.set([0, 1, 2, 3], 28);
    const work: ChipWork = {
      version: versions[0]!, versionMask: 0x1fffe000, prevHash: new Uint8Array(32), merkleRoot, ntime: 0x64658bd8, nbits: 0x1705dd01, startNonce: 0x12345678,
      midstates: driver.midstates.map((state, k) => ({ version: versions[k]!, state })),
    };
    expect(Buffer.from(encodeJob(p, 4, work)).toString('hex')).toBe(Buffer.from(frame).toString('hex'));
  });
});

describe('nonce replies another firmware decodes (ESP-Miner)', () => {
  it.each([
    ['BM1366', 0x13],
    ['BM1368', 0x23],
  ] as const)('%s reply AA 55 9B 04 4C 0A 00 %s …: job 0x10, small core 3, chip 1, core 77, rolled version', (name, idByte) => {
    const p = CHIP_PROFILES[name];
    const cases: [number, number, number][] = [
      [0x00, 0x00, 0x20000004],
      [0x00, 0x01, 0x20002004],
      [0x00, 0x03, 0x20006004],
      [0x01, 0x00, 0x20200004],
      [0x80, 0x00, 0x30000004],
      [0xff, 0xff, 0x3fffe004],
    ];
    for (const [hi, lo, version] of cases) {
      const reply = Uint8Array.of(0x9b, 0x04, 0x4c, 0x0a, 0x00, idByte, hi, lo, 0x80);
      const r = decodeNonceReply(p, reply);
      expect(r).toEqual({ nonce: 0x0a4c049b, jobId: 0x10, slot: 3, versionField: (hi << 8) | lo });
      expect((0x20000004 | ((r.versionField << 13) & 0x1fffe000)) >>> 0).toBe(version);
      // ESP-Miner's harness brings up two chips: address interval 128.
      expect(chipOfNonce(p, { addressStep: 128 }, r.nonce)).toBe(1);
      expect(coreOfNonce(p, r.nonce)).toBe(77);
      // The emulated chips write the same bytes for that find, with a CRC5 that checks.
      const own = nonceReplyBody(name, 9, { nonce: 0x0a4c049b, jobId: 0x10, slot: 3, versionField: (hi << 8) | lo });
      expect(Buffer.from(own.subarray(0, 8)).toString('hex')).toBe(Buffer.from(reply.subarray(0, 8)).toString('hex'));
      expect(own[8]! & 0xe0).toBe(0x80);
      expect(crc5Of(own)).toBe(0);
    }
  });

  it('BM1397 replies AA 55 <nonce> 00 <4 | midstate> 80: job 4, the midstate that found it', () => {
    const p = CHIP_PROFILES.BM1397;
    for (let k = 0; k < 4; k++) {
      const nonce = 0x0a4c049b + k;
      const reply = Uint8Array.of(nonce & 0xff, (nonce >>> 8) & 0xff, (nonce >>> 16) & 0xff, nonce >>> 24, 0x00, 0x04 | k, 0x80);
      expect(decodeNonceReply(p, reply)).toMatchObject({ nonce, jobId: 4, slot: k });
      const own = nonceReplyBody('BM1397', 7, { nonce, jobId: 4, slot: k, versionField: 0 });
      // Byte 4 (the midstate number) is 0 in ESP-Miner's fake; the chips' job byte carries it.
      expect([...own.subarray(0, 4), own[5]]).toEqual([...reply.subarray(0, 4), reply[5]]);
      expect(crc5Of(own)).toBe(0);
    }
  });

  it('BM1397 register reply AA 55 12 34 56 78 80 4C …: value, chip address and register', () => {
    expect(decodeRegisterReply(CHIP_PROFILES.BM1397, Uint8Array.of(0x12, 0x34, 0x56, 0x78, 0x80, 0x4c, 0x00))).toEqual({ value: 0x12345678, address: 0x80, register: 0x4c });
  });
});
