// Bitmain APW12 power supply of the S19 family, on the control board's PSU I2C bus. Frames are
// `55 AA LEN CMD data… SUM16`: LEN counts LEN, CMD, the data and the two checksum bytes; the
// checksum is the 16-bit sum of LEN, CMD and the data, low byte first. Each byte is its own I2C
// byte write to the PSU's register 0x11 (protocol v2) or 0x00 (legacy), the reply read back the
// same way; v2 is detected by writing 0xF5 to 0x11 and reading it back. Commands: 0x02 get type
// (reply byte 4: the PSU version), 0x83 set voltage (version 0x71: code = (1190935338 −
// mV·78743) / 10⁶, clamped 9..246). Source: phletchv/hashsource_antminer_x19
// hashsource_x19/src/psu_test.c:34-60,189-284 (commit 8fdf381b, run on an S19 with a Zynq board).
// The output is switched by a GPIO on the control board ("PSU enable").
import type { I2cBus } from '../transport/bus.js';
import { PowerError, checkVoltage } from './voltage-controller.js';

export const APW12_COMMAND = { getType: 0x02, setVoltage: 0x83 } as const;
export const APW12_REGISTER = { v2: 0x11, legacy: 0x00 } as const;
export const APW12_DETECT = 0xf5;
/** The PSU versions whose voltage code is known (psu_test.c:266-270). */
export const APW12_KNOWN_VERSIONS = [0x71] as const;
/** APW12's output range, volts (DCENT_OS dcentrald-hal/src/psu.rs voltage_range_for_version, [re]). */
export const APW12_RANGE = { min: 11.96, max: 15.2 } as const;

export function apw12Frame(command: number, data: readonly number[] = []): Uint8Array {
  const len = 2 + data.length + 2;
  const out = new Uint8Array(2 + len);
  out.set([0x55, 0xaa, len, command, ...data]);
  let sum = 0;
  for (let i = 2; i < out.length - 2; i++) sum += out[i]!;
  out[out.length - 2] = sum & 0xff;
  out[out.length - 1] = (sum >> 8) & 0xff;
  return out;
}

/** A reply frame's command and data; a PowerError when preamble, length or checksum are wrong. */
export function parseApw12Frame(bytes: Uint8Array, name = 'APW12'): { command: number; data: Uint8Array } {
  if (bytes.length < 6 || bytes[0] !== 0x55 || bytes[1] !== 0xaa) throw new PowerError(name, `reply without 55 AA: ${hex(bytes)}`);
  const len = bytes[2]!;
  if (len < 4 || 2 + len > bytes.length) throw new PowerError(name, `reply length ${len} does not fit ${bytes.length} bytes`);
  let sum = 0;
  for (let i = 2; i < len; i++) sum += bytes[i]!;
  const got = bytes[len]! | (bytes[len + 1]! << 8);
  if ((sum & 0xffff) !== got) throw new PowerError(name, `reply checksum 0x${got.toString(16)} is not 0x${(sum & 0xffff).toString(16)}`);
  return { command: bytes[3]!, data: bytes.slice(4, len) };
}

/** Voltage code of PSU version 0x71 for `volts`. */
export function apw12VoltageCode(volts: number): number {
  const n = Math.trunc((1190935338 - Math.round(volts * 1000) * 78743) / 1e6);
  return Math.max(9, Math.min(246, n));
}

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Apw12Timing {
  /** After sending a frame, before reading the reply (psu_test.c: 400 ms). */
  sendDelayMs: number;
  /** After reading a reply (100 ms). */
  readDelayMs: number;
  retries: number;
}
export const APW12_TIMING: Apw12Timing = { sendDelayMs: 400, readDelayMs: 100, retries: 3 };

export class Apw12 {
  private register: number = APW12_REGISTER.v2;
  version: number | null = null;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly bus: I2cBus,
    readonly address: number,
    /** Switches the PSU output (the control board's PSU-enable GPIO). */
    private readonly enableLine: (on: boolean) => Promise<void>,
    private readonly timing: Apw12Timing = APW12_TIMING,
    readonly name = `APW12@0x${address.toString(16)}`,
  ) {}

  private exclusive<T>(op: () => Promise<T>): Promise<T> {
    const run = this.busy.then(op, op);
    this.busy = run.catch(() => undefined);
    return run;
  }

  /** Which register the PSU's protocol uses, then its version (get type). */
  detect(): Promise<number> {
    return this.exclusive(async () => {
      await this.bus.writeByte(this.address, APW12_REGISTER.v2, APW12_DETECT);
      this.register = (await this.bus.readByte(this.address, APW12_REGISTER.v2)) === APW12_DETECT ? APW12_REGISTER.v2 : APW12_REGISTER.legacy;
      const r = await this.transact(APW12_COMMAND.getType, [], 8);
      this.version = r.data[0] ?? null;
      if (this.version === null) throw new PowerError(this.name, 'get type returned no version');
      return this.version;
    });
  }

  private async transact(command: number, data: number[], replyLength: number): Promise<{ command: number; data: Uint8Array }> {
    const frame = apw12Frame(command, data);
    let last: unknown;
    for (let attempt = 0; attempt < this.timing.retries; attempt++) {
      try {
        for (const b of frame) await this.bus.writeByte(this.address, this.register, b);
        await sleep(this.timing.sendDelayMs);
        const reply = new Uint8Array(replyLength);
        for (let i = 0; i < replyLength; i++) reply[i] = await this.bus.readByte(this.address, this.register);
        await sleep(this.timing.readDelayMs);
        const r = parseApw12Frame(reply, this.name);
        if (r.command !== command) throw new PowerError(this.name, `reply to 0x${r.command.toString(16)}, expected 0x${command.toString(16)}`);
        return r;
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof PowerError ? last : new PowerError(this.name, (last as Error).message);
  }

  async setVoltage(volts: number): Promise<void> {
    checkVoltage({ name: this.name, range: APW12_RANGE }, volts);
    if (this.version === null) await this.detect();
    if (!APW12_KNOWN_VERSIONS.includes(this.version as 0x71)) throw new PowerError(this.name, `PSU version 0x${this.version!.toString(16)} has no known voltage code (known: 0x71)`);
    const n = apw12VoltageCode(volts);
    await this.exclusive(() => this.transact(APW12_COMMAND.setVoltage, [n & 0xff, n >> 8], 8));
  }

  enable(on: boolean): Promise<void> {
    return this.enableLine(on);
  }
}
