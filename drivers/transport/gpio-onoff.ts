// GpioPin on Linux sysfs GPIO through `onoff`. Pins are numbered the kernel's way (S9 under the
// Braiins bitstream: 888+ resets, 897+ plug detects, 943/944 LEDs).
import { createRequire } from 'node:module';
import type { Gpio as OnoffGpio } from 'onoff';
import { BusError, type Edge, type GpioPin } from './bus.js';

type GpioClass = typeof OnoffGpio;
const loadGpio = (): GpioClass => (createRequire(import.meta.url)('onoff') as { Gpio: GpioClass }).Gpio;

/** True when this machine has a usable sysfs GPIO interface. */
export function gpioAccessible(): boolean {
  return loadGpio().accessible;
}

export class OnoffGpioPin implements GpioPin {
  private closed = false;
  private constructor(
    private readonly gpio: OnoffGpio,
    readonly number: number,
    readonly direction: 'in' | 'out',
  ) {}

  /**
   * Exports the pin. `initial` sets an output's level atomically with the direction change, so a
   * reset line never glitches to "released" on the way.
   */
  static open(number: number, direction: 'in' | 'out', opts: { initial?: 0 | 1; edge?: Edge } = {}): OnoffGpioPin {
    const Gpio = loadGpio();
    if (!Gpio.accessible) throw new BusError(`GPIO ${number}: this system has no sysfs GPIO interface (/sys/class/gpio)`);
    const dir = direction === 'out' ? (opts.initial === 1 ? 'high' : opts.initial === 0 ? 'low' : 'out') : 'in';
    try {
      return new OnoffGpioPin(new Gpio(number, dir, direction === 'in' ? (opts.edge ?? 'both') : 'none'), number, direction);
    } catch (e) {
      throw new BusError(`GPIO ${number}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  private guard(): void {
    if (this.closed) throw new BusError(`GPIO ${this.number} is closed`);
  }

  async read(): Promise<0 | 1> {
    this.guard();
    try {
      return await this.gpio.read();
    } catch (e) {
      throw new BusError(`GPIO ${this.number} read: ${(e as Error).message}`);
    }
  }

  async write(value: 0 | 1): Promise<void> {
    this.guard();
    if (this.direction !== 'out') throw new BusError(`GPIO ${this.number} is an input`);
    try {
      await this.gpio.write(value);
    } catch (e) {
      throw new BusError(`GPIO ${this.number} write: ${(e as Error).message}`);
    }
  }

  watch(edge: Edge, onChange: (value: 0 | 1) => void): () => void {
    this.guard();
    // sysfs has one edge setting per pin; filter here so several watchers can differ.
    const cb = (err: Error | null | undefined, value: 0 | 1) => {
      if (err) return;
      if (edge === 'both' || (edge === 'rising') === (value === 1)) onChange(value);
    };
    this.gpio.watch(cb);
    return () => this.gpio.unwatch(cb);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.gpio.unexport();
  }
}
