// BM13xx command and job frames, host → chip, for both framing generations (digest §1.2–1.3):
// BM1387 has no preamble; BM1397 and later start with 55 AA. LEN counts every byte after the
// preamble including the CRC. Commands end in CRC5, jobs in CRC16 (MSB first).
import { crc16, crc5 } from './crc.js';

export type Framing = 'bm1387' | 'bm1397';

const PREAMBLES = { command: [0x55, 0xaa], reply: [0xaa, 0x55], none: [] } as const;
/** The bytes in front of every frame: 55 AA host → chip, AA 55 chip → host; none on the BM1387. */
export const preamble = (f: Framing, dir: 'command' | 'reply'): readonly number[] => (f === 'bm1387' ? PREAMBLES.none : PREAMBLES[dir]);

/** A command frame: header, LEN, payload, CRC5 (with 55 AA in front for the BM1397 generation). */
export function commandFrame(framing: Framing, header: number, payload: readonly number[]): Uint8Array {
  const p = preamble(framing, 'command');
  const pre = p.length;
  const out = new Uint8Array(pre + 3 + payload.length);
  out.set(p);
  out[pre] = header;
  out[pre + 1] = payload.length + 3;
  out.set(payload, pre + 2);
  out[out.length - 1] = crc5(out, pre, out.length - 1);
  return out;
}

/** A job frame: [55 AA] 21 LEN payload CRC16 (the preamble from the BM1397 generation on). */
export function jobFrame(payload: Uint8Array, framing: Framing = 'bm1397'): Uint8Array {
  const p = preamble(framing, 'command');
  const pre = p.length;
  const out = new Uint8Array(pre + 2 + payload.length + 2);
  out.set(p);
  out.set([0x21, payload.length + 4], pre);
  out.set(payload, pre + 2);
  const c = crc16(out, pre, out.length - 2);
  out[out.length - 2] = c >> 8;
  out[out.length - 1] = c & 0xff;
  return out;
}

const u32be = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** Command headers per generation (type 2 = 0x40, ALL = 0x10, then the command code). */
export const Commands = {
  bm1397: { setAddress: 0x40, write: 0x41, writeAll: 0x51, read: 0x42, readAll: 0x52, chainInactive: 0x53 },
  bm1387: { setAddress: 0x41, write: 0x48, writeAll: 0x58, read: 0x44, readAll: 0x54, chainInactive: 0x55 },
} as const;

export const setAddress = (f: Framing, addr: number) => commandFrame(f, Commands[f].setAddress, [addr, 0]);
export const chainInactive = (f: Framing) => commandFrame(f, Commands[f].chainInactive, [0, 0]);
export const readRegister = (f: Framing, reg: number, chip: number | 'all') =>
  commandFrame(f, chip === 'all' ? Commands[f].readAll : Commands[f].read, [chip === 'all' ? 0 : chip, reg]);
export const writeRegister = (f: Framing, reg: number, value: number, chip: number | 'all') =>
  commandFrame(f, chip === 'all' ? Commands[f].writeAll : Commands[f].write, [chip === 'all' ? 0 : chip, reg, ...u32be(value)]);
