// Fans on Linux control boards without a fan chip: duty through the kernel's PWM class
// (/sys/class/pwm/pwmchipN/pwmM) or a hwmon pwm-fan node, speed from a hwmon fanN_input file or by
// counting tach edges on a GPIO. `root` exists so the same code runs against a copy of the tree.
import { readFile, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import type { GpioPin } from '../transport/bus.js';
import { SensorError } from '../sensors/reading.js';
import { checkDuty, checkRpm, type Fan } from './fan.js';

async function readNumber(fan: string, file: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SensorError(fan, 'no-reply', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n)) throw new SensorError(fan, 'implausible', `${file} holds "${text.trim()}", not a number`);
  return n;
}

async function writeValue(fan: string, file: string, value: number | string): Promise<void> {
  try {
    await writeFile(file, String(value));
  } catch (e) {
    throw new SensorError(fan, 'no-reply', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** One PWM channel of the kernel PWM class; exported and enabled on `open`. Shared by several fans. */
export class SysfsPwm {
  private constructor(
    readonly dir: string,
    readonly periodNs: number,
  ) {}

  static async open(chipDir: string, channel: number, frequencyHz = 25_000): Promise<SysfsPwm> {
    const dir = join(chipDir, `pwm${channel}`);
    try {
      await access(dir);
    } catch {
      await writeValue('pwm', join(chipDir, 'export'), channel);
    }
    const periodNs = Math.round(1e9 / frequencyHz);
    await writeValue('pwm', join(dir, 'period'), periodNs);
    await writeValue('pwm', join(dir, 'enable'), 1);
    return new SysfsPwm(dir, periodNs);
  }

  setDuty(percent: number): Promise<void> {
    return writeValue('pwm', join(this.dir, 'duty_cycle'), Math.round((checkDuty(percent) / 100) * this.periodNs));
  }
}

/** Counts tach edges on a GPIO over a window; 2 pulses per revolution is the PC-fan standard. */
export class GpioTach {
  private edges = 0;
  private since = performance.now();
  private readonly stop: () => void;
  constructor(
    pin: GpioPin,
    private readonly pulsesPerRevolution = 2,
  ) {
    this.stop = pin.watch('falling', () => this.edges++);
  }

  /** RPM since the previous call (or since construction). */
  rpm(): number {
    const now = performance.now();
    const minutes = (now - this.since) / 60_000;
    const rpm = minutes > 0 ? this.edges / this.pulsesPerRevolution / minutes : 0;
    this.edges = 0;
    this.since = now;
    return rpm;
  }

  close(): void {
    this.stop();
  }
}

export class SysfsPwmFan implements Fan {
  constructor(
    readonly name: string,
    private readonly pwm: SysfsPwm,
    private readonly tach: GpioTach,
  ) {}
  setDuty(percent: number): Promise<void> {
    return this.pwm.setDuty(percent);
  }
  async readRpm(): Promise<number> {
    return checkRpm(this.name, Math.round(this.tach.rpm()));
  }
}

/** A hwmon fan (pwm-fan, emc2305, nct67xx…): pwmN takes 0–255, fanN_input reports RPM. */
export class HwmonFan implements Fan {
  constructor(
    readonly name: string,
    private readonly hwmonDir: string,
    private readonly index = 1,
  ) {}
  setDuty(percent: number): Promise<void> {
    return writeValue(this.name, join(this.hwmonDir, `pwm${this.index}`), Math.round((checkDuty(percent) / 100) * 255));
  }
  async readRpm(): Promise<number> {
    return checkRpm(this.name, await readNumber(this.name, join(this.hwmonDir, `fan${this.index}_input`)));
  }
}
