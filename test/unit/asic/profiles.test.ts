// Chip profiles, register encodings and the reply/job codecs against the worked values of the
// hardware digest (asic-hardware.md §1.5–1.13): bOSminer's PLL vectors, mujina's captures, the
// ESP-Miner ticket-mask code and baud registers.
import { describe, expect, it } from 'vitest';
import { CHIP_PROFILES, chipProfile } from '../../../drivers/asic/profiles.js';
import { decodePll, decodeTicketMask, encodePll, encodeTicketMask, pllFrequencyMHz, solvePll, baudFromDivider, RESET_BAUD, versionRollingRegister } from '../../../drivers/asic/registers.js';
import { type NonceSplit, chipOfNonce, composeNonce, coreOfNonce, counterSpan, decodeNonceReply, decodeRegisterReply, encodeNonceReply, encodeRegisterReply, spreadOffsets } from '../../../drivers/asic/nonce.js';
import { decodeJob, encodeJob } from '../../../drivers/asic/job.js';
import { writeRegister } from '../../../drivers/asic/frame.js';
import { crc5 } from '../../../drivers/asic/crc.js';
import { midstate } from '../../../agent/bitcoin/midstate.js';
import { randomBytes } from 'node:crypto';

const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('PLL', () => {
  it('BM1387 raw dividers: 0x00680221 is 650 MHz (bOSminer bm1387.rs)', () => {
    const d = decodePll('bm1387', 0x00680221);
    expect(d).toEqual({ fbdiv: 0x68, refdiv: 2, postdiv1: 2, postdiv2: 1 });
    expect(pllFrequencyMHz(d)).toBe(650);
    expect(encodePll('bm1387', d)).toBe(0x00680221);
  });
  it('BM1366-generation layout: 525 MHz = 0x50D20240, 600 MHz = 0x50C00230 (mujina captures)', () => {
    expect(encodePll('bm1366', { fbdiv: 210, refdiv: 2, postdiv1: 5, postdiv2: 1 })).toBe(0x50d20240);
    expect(encodePll('bm1366', { fbdiv: 192, refdiv: 2, postdiv1: 4, postdiv2: 1 })).toBe(0x50c00230);
    expect(pllFrequencyMHz(decodePll('bm1366', 0x50d20240))).toBe(525);
    expect(hex(writeRegister('bm1397', 0x08, 0x50d20240, 'all'))).toBe('55aa5109000850d2024005');
  });
  it('the solver reaches every 6.25 MHz ramp step within 1 MHz, inside each profile\'s FBDIV range', () => {
    for (const p of Object.values(CHIP_PROFILES)) {
      for (let f = 50; f <= p.defaultFrequencyMHz; f += 6.25) {
        const d = solvePll(f, p.pll.fbRange);
        expect(Math.abs(pllFrequencyMHz(d) - f)).toBeLessThan(1);
        expect(d.fbdiv).toBeGreaterThanOrEqual(p.pll.fbRange[0]);
        expect(pllFrequencyMHz(decodePll(p.pll.layout, encodePll(p.pll.layout, d)))).toBeCloseTo(pllFrequencyMHz(d), 9);
      }
    }
  });
});

describe('ticket mask (ESP-Miner get_difficulty_mask, mujina table)', () => {
  it('encodes 2^N − 1 with each byte bit-reversed', () => {
    expect(encodeTicketMask(64)).toBe(0x000000fc);
    expect(encodeTicketMask(256)).toBe(0x000000ff);
    expect(encodeTicketMask(512)).toBe(0x000080ff);
    expect(encodeTicketMask(1024)).toBe(0x0000c0ff);
    expect(hex(writeRegister('bm1397', 0x14, encodeTicketMask(256), 'all'))).toBe('55aa51090014000000ff08');
    for (let n = 0; n <= 31; n++) expect(decodeTicketMask(encodeTicketMask(2 ** n))).toBe(2 ** n);
  });
  it('refuses what a chip cannot filter at', () => {
    for (const d of [0, 3, 100, 2 ** 32, 1.5]) expect(() => encodeTicketMask(d)).toThrow(RangeError);
  });
});

describe('baud registers (digest §1.9)', () => {
  it('reset rate and the documented register values', () => {
    expect(RESET_BAUD).toBe(115741);
    expect(CHIP_PROFILES.BM1397.baudValue(0)).toBe(0x00006031); // 3.125 Mbaud
    expect(CHIP_PROFILES.BM1397.baudValue(26)).toBe(0x00007a31); // back to the default
    expect(CHIP_PROFILES.BM1366.baudValue(2)).toBe(0x11300200); // ≈1.042 Mbaud
    expect(CHIP_PROFILES.BM1362.baudValue(0)).toBe(0x11300000);
    expect(CHIP_PROFILES.BM1370.baudValue(0)).toBe(0x01300000);
    expect(baudFromDivider(CHIP_PROFILES.BM1387.baudDividerOf(CHIP_PROFILES.BM1387.baudValue(1)))).toBe(1_562_500);
    expect(versionRollingRegister(0x1fffe000)).toBe(0x9000ffff);
  });
});

describe('job ids (digest §2.1)', () => {
  it('BM1368/BM1370 step by 24 mod 128 and visit all 16 multiples of 8', () => {
    const ids = CHIP_PROFILES.BM1370.jobIds;
    expect(ids.slice(0, 4)).toEqual([0, 24, 48, 72]);
    expect(new Set(ids).size).toBe(16);
    expect(ids.every((i) => i % 8 === 0 && i < 128)).toBe(true);
  });
  it('every profile reads back the id and slot it put into a reply', () => {
    for (const p of Object.values(CHIP_PROFILES)) {
      const slots = p.jobFormat === 'header' ? p.subCores : p.maxMidstates;
      for (const id of p.jobIds) for (let s = 0; s < slots; s++) {
        const { idByte, midstateByte } = p.replyIdBytes(id, s);
        expect(p.jobOfReply(idByte, midstateByte)).toEqual({ jobId: id, slot: s });
      }
    }
  });
});

describe('nonce replies', () => {
  it('BM1370 capture AA 55 18 00 A6 40 02 99 22 F9 91 (mujina REFERENCE.md)', () => {
    const r = decodeNonceReply(CHIP_PROFILES.BM1370, bytes('18 00 A6 40 02 99 22 F9 91'));
    expect(r.nonce).toBe(0x40a60018); // header order
    expect(r.jobId).toBe(9 * 8); // job 9 in mujina's 4-bit numbering
    expect(r.slot).toBe(9);
    expect((r.versionField << 13) >>> 0).toBe(0x045f2000);
    expect(coreOfNonce(CHIP_PROFILES.BM1370, r.nonce)).toBe(0x0c);
  });
  it('BM1362 capture AA 55 6D B8 8E E1 01 04 03 54 94 (mujina)', () => {
    const r = decodeNonceReply(CHIP_PROFILES.BM1362, bytes('6D B8 8E E1 01 04 03 54 94'));
    expect(r.nonce).toBe(0xe18eb86d);
    expect(r).toMatchObject({ jobId: 0, slot: 4, versionField: 0x0354 });
  });
  it('BM1387 FPGA README nonce 72 03 EA 83 00 03 98: chip and core as bOSminer reads them', () => {
    const p = CHIP_PROFILES.BM1387;
    const r = decodeNonceReply(p, bytes('72 03 EA 83 00 03 98'));
    expect(r).toMatchObject({ nonce: 0x83ea0372, jobId: 3, slot: 0 });
    expect(chipOfNonce(p, { addressStep: 4 }, r.nonce)).toBe((0x83ea0372 >>> 2) & 0x3f);
    expect(coreOfNonce(p, r.nonce)).toBe((0x83ea0372 >>> 24) & 0x7f);
  });
  it('encoded replies carry a CRC5 that checks to 0 and decode to what was encoded', () => {
    for (const p of Object.values(CHIP_PROFILES)) {
      for (let i = 0; i < 200; i++) {
        const nonce = (Math.random() * 2 ** 32) >>> 0;
        const id = p.jobIds[i % p.jobIds.length]!;
        const slot = i % (p.jobFormat === 'header' ? p.subCores : p.maxMidstates);
        const versionField = p.jobFormat === 'header' ? (i * 977) & 0xffff : 0;
        const body = encodeNonceReply(p, { nonce, jobId: id, slot, versionField });
        expect(body.length).toBe(p.replyLength);
        expect(crc5(body)).toBe(0);
        expect(body[body.length - 1]! & 0x80).toBe(0x80);
        expect(decodeNonceReply(p, body)).toEqual({ nonce, jobId: id, slot, versionField });
      }
      const reg = encodeRegisterReply(p, p.replyLength, { value: 0x13700000, address: 0x42, register: 0x14 });
      expect(crc5(reg)).toBe(0);
      expect(decodeRegisterReply(p, reg).value).toBe(0x13700000);
    }
    // The digest's BM1387 CHIP_ID reply: 13 87 90 F4 00 00 1C.
    expect(hex(encodeRegisterReply(CHIP_PROFILES.BM1387, 7, { value: 0x138790f4, address: 0xf4, register: 0 }))).toBe('138790f400001c');
  });
  it('composed nonces name their chip and core back, for every split', () => {
    for (const p of Object.values(CHIP_PROFILES)) {
      const splits: NonceSplit[] = p.nonceSplit === 'offset' ? [{ addressStep: 2, offsets: spreadOffsets(65) }, { addressStep: 256, offsets: [0] }] : [{ addressStep: 4 }, { addressStep: 2 }, { addressStep: 256 }];
      for (const split of splits) {
        const chips = split.offsets ? split.offsets.length : 256 / split.addressStep;
        for (let i = 0; i < 300; i++) {
          const chip = i % chips;
          const core = i % p.cores;
          const counter = Math.floor(Math.random() * counterSpan(p, split, chip));
          const n = composeNonce(p, split, chip, core, counter);
          expect(chipOfNonce(p, split, n)).toBe(chip);
          expect(coreOfNonce(p, n)).toBe(core);
        }
      }
    }
    expect(spreadOffsets(65).slice(0, 2)).toEqual([0, 0x3f1]);
    expect(spreadOffsets(65).at(-1)).toBe(0xfc10);
  });
});

describe('job frames (digest §1.5)', () => {
  const work = { version: 0x20000000, versionMask: 0x1fffe000, prevHash: randomBytes(32), merkleRoot: randomBytes(32), ntime: 0x66aabbcc, nbits: 0x1703a30c };
  it('header jobs are 88 bytes: LEN 0x56, fields LE, hashes with their words reversed; decode inverts', () => {
    const p = chipProfile('bm1370');
    const f = encodeJob(p, 0x18, work);
    expect(f.length).toBe(88);
    expect(hex(f.subarray(0, 6))).toBe('55aa21561801');
    expect(hex(f.subarray(10, 14))).toBe('0ca30317'); // nbits LE
    expect(hex(f.subarray(18, 22))).toBe(hex(work.merkleRoot.subarray(28, 32))); // last word first
    const j = decodeJob(p, f.subarray(2))!;
    expect(j).toMatchObject({ jobId: 0x18, version: work.version, ntime: work.ntime, nbits: work.nbits });
    expect(hex(j.prevHash!)).toBe(hex(work.prevHash));
    expect(hex(j.merkleRoot!)).toBe(hex(work.merkleRoot));
    f[40]! ^= 1;
    expect(decodeJob(p, f.subarray(2))).toBeNull(); // CRC16
  });
  it('midstate jobs: LEN 54 / 150, merkle tail, midstates word-reversed LE; BM1387 without preamble', () => {
    const h = new Uint8Array(80);
    h.set(work.prevHash, 4);
    h.set(work.merkleRoot, 36);
    const ms = [0, 1, 2, 3].map((i) => ({ version: 0x20000000 + (i << 13), state: midstate(h) }));
    const f1 = encodeJob(CHIP_PROFILES.BM1397, 4, { ...work, midstates: ms.slice(0, 1) });
    expect(f1.length).toBe(56);
    expect(f1[3]).toBe(54);
    const f4 = encodeJob(CHIP_PROFILES.BM1387, 5, { ...work, midstates: ms });
    expect(f4.length).toBe(150);
    expect(f4[0]).toBe(0x21);
    expect(f4[1]).toBe(150);
    const j = decodeJob(CHIP_PROFILES.BM1387, f4)!;
    expect(j.midstates.map((s) => [...s])).toEqual(ms.map((m) => [...m.state]));
    expect(hex(j.merkleTail!)).toBe(hex(work.merkleRoot.subarray(28, 32)));
    // ESP-Miner reverses the 32 serialised midstate bytes: the frame starts with H7's low byte.
    expect(f4[20]).toBe(ms[0]!.state[7]! & 0xff);
    expect(() => encodeJob(CHIP_PROFILES.BM1387, 1, { ...work, midstates: ms.slice(0, 3) })).toThrow(RangeError);
  });
});
