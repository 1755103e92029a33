// BM13xx CRCs and frames against the worked frames of the hardware digest (asic-hardware.md
// §1.2–1.6: mujina REFERENCE.md, ESP-Miner, braiins-os FPGA README, CRCs recomputed there).
import { describe, expect, it } from 'vitest';
import { crc16, crc5 } from '../../../drivers/asic/crc.js';
import { chainInactive, jobFrame, readRegister, setAddress, writeRegister } from '../../../drivers/asic/frame.js';
import { ReplyParser } from '../../../drivers/asic/reply.js';
import { HostFrameReader } from '../../../board/emulated/chip-wire.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

describe('CRCs', () => {
  it('CRC-16/CCITT-FALSE check value of "123456789" is 0x29B1', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x29b1);
  });
  it('CRC5 over a whole reply is 0 (BM1387 FPGA README replies; mujina BM1370/BM1362 nonces)', () => {
    for (const r of ['13 87 90 F4 00 00 1C', '72 03 EA 83 00 03 98']) expect(crc5(bytes(r))).toBe(0);
    for (const r of ['18 00 A6 40 02 99 22 F9 91', '6D B8 8E E1 01 04 03 54 94']) expect(crc5(bytes(r))).toBe(0);
  });
});

describe('BM1397-generation command frames (§1.2)', () => {
  it('builds the documented frames byte for byte', () => {
    expect(hex(readRegister('bm1397', 0x00, 'all'))).toBe('55aa520500000a');
    expect(hex(chainInactive('bm1397'))).toBe('55aa530500000' + '3');
    expect(hex(setAddress('bm1397', 0x00))).toBe('55aa400500001c');
    expect(hex(setAddress('bm1397', 0x04))).toBe('55aa4005040003'); // mujina prints 15: a typo, see the digest
    expect(hex(writeRegister('bm1397', 0xa4, 0x9000ffff, 'all'))).toBe('55aa510900a49000ffff1c');
    expect(hex(writeRegister('bm1397', 0x28, 0x11300200, 'all'))).toBe('55aa5109002811300200' + '03');
    expect(hex(writeRegister('bm1397', 0xa8, 0x00070000, 'all'))).toBe('55aa510900a80007000003');
  });
  it('job frames carry CRC16 MSB first over header..payload', () => {
    const f = jobFrame(new Uint8Array(82).fill(7));
    expect(f.length).toBe(88);
    expect(f[3]).toBe(86);
    const c = crc16(f, 2, 86);
    expect([f[86], f[87]]).toEqual([c >> 8, c & 0xff]);
  });
});

describe('BM1387 command frames (§1.3)', () => {
  it('builds the documented frames byte for byte', () => {
    expect(hex(setAddress('bm1387', 0xfc))).toBe('4105fc000b');
    expect(hex(writeRegister('bm1387', 0x0c, 0x00680221, 0))).toBe('4809000c0068022102');
    expect(hex(readRegister('bm1387', 0x00, 'all'))).toBe('5405000019');
    expect(hex(chainInactive('bm1387'))).toBe('5505000010');
    expect(hex(writeRegister('bm1387', 0x18, 0x000000fc, 'all'))).toBe('58090018000000fc06');
  });
});

describe('reply parser', () => {
  const nonce = bytes('AA 55 18 00 A6 40 02 99 22 F9 91'); // BM1370 nonce (mujina)
  it('finds replies in any chunking and between garbage, counting what it skipped', () => {
    const stream = Buffer.concat([bytes('00 ff aa'), nonce, bytes('13 37'), nonce]);
    for (let split = 0; split <= stream.length; split++) {
      const p = new ReplyParser('bm1397', 9);
      const got = [...p.push(stream.subarray(0, split)), ...p.push(stream.subarray(split))];
      expect(got.length).toBe(2);
      expect(got.every((r) => r.isNonce)).toBe(true);
      expect(hex(got[0]!.body)).toBe('1800a640029922f991');
    }
  });
  it('a corrupted frame is counted and skipped; the next good one is still found', () => {
    const bad = new Uint8Array(nonce);
    bad[5]! ^= 0x10;
    const p = new ReplyParser('bm1397', 9);
    const got = p.push(Buffer.concat([bad, nonce]));
    expect(got.length).toBe(1);
    expect(p.crcErrors).toBeGreaterThanOrEqual(1);
  });
  it('random garbage never throws and keeps the buffer bounded', () => {
    const p = new ReplyParser('bm1397', 11);
    for (let i = 0; i < 2000; i++) {
      p.push(Uint8Array.from({ length: (i * 7) % 97 }, (_, j) => (i * 31 + j * 17) & 0xff));
      expect((p as unknown as { buf: Uint8Array }).buf.length).toBeLessThanOrEqual(13);
    }
  });
  it('BM1387 replies have no preamble: frames are found by CRC alone', () => {
    const p = new ReplyParser('bm1387', 7);
    const got = p.push(bytes('13 87 90 F4 00 00 1C 72 03 EA 83 00 03 98'));
    expect(got.map((r) => r.isNonce)).toEqual([false, true]);
  });
});

describe('the emulated chips\' frame reader', () => {
  it('tells where in each chunk every command finished arriving, frames split across chunks too', () => {
    const p = new HostFrameReader('BM1366');
    const a = setAddress('bm1397', 0x02); // 7 bytes each
    const b = readRegister('bm1397', 0x00, 'all');
    const chunk = new Uint8Array([...a, ...b.subarray(0, 3)]);
    expect(p.push(chunk).map((c) => c.kind)).toEqual(['setAddress']);
    expect(p.ends).toEqual([7]);
    // The rest of the read, then garbage, then a whole frame.
    const next = new Uint8Array([...b.subarray(3), 0x13, ...chainInactive('bm1397')]);
    expect(p.push(next).map((c) => c.kind)).toEqual(['read', 'chainInactive']);
    expect(p.ends).toEqual([4, 12]);
  });
});
