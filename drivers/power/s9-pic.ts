// The S9 hashboard's PIC voltage controller (hash_s8_app firmware, version 0x03) on the control
// board's hashboard I2C bus at 0x50 + connector − 1. Every command is `55 AA cmd data…`, each
// byte its own I2C transaction (the PIC's slave code handles one byte at a time and NACKs while
// busy, so each byte is retried); replies are read one byte per transaction too. Without a
// heartbeat for ~10 s the PIC switches the board's DC-DC off by itself.
import type { I2cBus } from '../transport/bus.js';
import { BusError } from '../transport/bus.js';
import { PowerError, checkVoltage, type VoltageController } from './voltage-controller.js';

export const PIC_COMMAND = {
  setFlashPointer: 0x01,
  sendData: 0x02,
  readData: 0x03,
  eraseFlash: 0x04,
  writeFlash: 0x05,
  jumpToApp: 0x06,
  reset: 0x07,
  getFlashPointer: 0x08,
  eraseApp: 0x09,
  setVoltage: 0x10,
  setVoltageTime: 0x11,
  setHashboardId: 0x12,
  getHashboardId: 0x13,
  setHostMac: 0x14,
  enableVoltage: 0x15,
  heartbeat: 0x16,
  getVersion: 0x17,
  getVoltage: 0x18,
} as const;
export const PIC_PREAMBLE = [0x55, 0xaa] as const;
export const PIC_APP_VERSION = 0x03;
export const PIC_BASE_ADDRESS = 0x50;
/** The PIC's dead-man timeout and the period bOSminer keeps it alive at. */
export const PIC_HEARTBEAT_TIMEOUT_MS = 10_000;
export const PIC_HEARTBEAT_MS = 1000;
/** bOSminer's usable range (default 8.8 V, opencore 9.4 V). */
export const S9_VOLTAGE_RANGE = { min: 7.95, max: 9.4 } as const;

/** PIC code for a voltage (bmminer's conversion; a higher code is a lower voltage). */
export function voltageToPic(volts: number): number {
  const v = Math.round(1608.420446 - 170.423497 * volts);
  if (v < 0 || v > 255) throw new RangeError(`${volts} V has no PIC code`);
  return v;
}
export function picToVoltage(code: number): number {
  return (1608.420446 - code) / 170.423497;
}

export function picAddress(connector: number): number {
  return PIC_BASE_ADDRESS + connector - 1;
}

export interface PicTiming {
  /** Attempts per byte (bOSminer: 15). */
  retries: number;
  /** Pause between attempts, and after commands the PIC needs time for (bmminer: 100 ms). */
  retryDelayMs: number;
  /** Wait after a PIC reset while it boots and NACKs everything (~500 ms). */
  resetDelayMs: number;
  /** Keep-alive period (bOSminer: 1 s, well inside the PIC's ~10 s). */
  heartbeatMs: number;
}
export const PIC_TIMING: PicTiming = { retries: 15, retryDelayMs: 100, resetDelayMs: 500, heartbeatMs: PIC_HEARTBEAT_MS };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class S9Pic implements VoltageController {
  readonly range = S9_VOLTAGE_RANGE;
  readonly heartbeatMs: number;
  readonly name: string;
  // One transaction at a time per PIC: the heartbeat must not interleave with a command's bytes.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly bus: I2cBus,
    readonly address: number,
    private readonly timing: PicTiming = PIC_TIMING,
  ) {
    this.name = `pic@0x${address.toString(16)}`;
    this.heartbeatMs = timing.heartbeatMs;
  }

  private exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async attempt<T>(what: string, op: () => Promise<T>): Promise<T> {
    let last: unknown;
    for (let i = 0; i < this.timing.retries; i++) {
      try {
        return await op();
      } catch (e) {
        if (!(e instanceof BusError)) throw e;
        last = e;
        if (i + 1 < this.timing.retries) await sleep(this.timing.retryDelayMs);
      }
    }
    throw new PowerError(this.name, `${what}: no answer after ${this.timing.retries} attempts (${(last as Error).message})`);
  }

  private async send(command: number, data: readonly number[]): Promise<void> {
    for (const byte of [...PIC_PREAMBLE, command, ...data]) {
      await this.attempt(`command 0x${command.toString(16)}`, () => this.bus.transfer(this.address, Uint8Array.of(byte), 0));
    }
  }

  private command(command: number, data: readonly number[] = []): Promise<void> {
    return this.exclusive(() => this.send(command, data));
  }

  private query(command: number, length: number): Promise<number[]> {
    return this.exclusive(async () => {
      await this.send(command, []);
      const out: number[] = [];
      for (let i = 0; i < length; i++) {
        const b = await this.attempt(`reply to 0x${command.toString(16)}`, () => this.bus.transfer(this.address, new Uint8Array(0), 1));
        out.push(b[0]!);
      }
      return out;
    });
  }

  /** Reboots the PIC into its loader; it answers nothing for ~500 ms. */
  async reset(): Promise<void> {
    await this.command(PIC_COMMAND.reset);
    await sleep(this.timing.resetDelayMs);
  }

  async jumpToApp(): Promise<void> {
    await this.command(PIC_COMMAND.jumpToApp);
    await sleep(this.timing.retryDelayMs);
  }

  async version(): Promise<number> {
    return (await this.query(PIC_COMMAND.getVersion, 1))[0]!;
  }

  /** Loader → app → version check, the order bOSminer uses before touching the voltage. */
  async start(): Promise<void> {
    await this.reset();
    await this.jumpToApp();
    const v = await this.version();
    if (v !== PIC_APP_VERSION) throw new PowerError(this.name, `PIC firmware version 0x${v.toString(16)}, expected 0x0${PIC_APP_VERSION}`);
  }

  async setVoltage(volts: number): Promise<void> {
    await this.command(PIC_COMMAND.setVoltage, [voltageToPic(checkVoltage(this, volts))]);
    await sleep(this.timing.retryDelayMs);
  }

  async voltage(): Promise<number> {
    return picToVoltage((await this.query(PIC_COMMAND.getVoltage, 1))[0]!);
  }

  enable(on: boolean): Promise<void> {
    return this.command(PIC_COMMAND.enableVoltage, [on ? 1 : 0]);
  }

  heartbeat(): Promise<void> {
    return this.command(PIC_COMMAND.heartbeat);
  }
}
