// The GPIO signals a miner board has, each with its polarity written down once: hashboard reset
// (low = held in reset), plug detect (high = present), power enable (Bitaxe: low = on), LEDs and
// buttons (idle high on S9).
import type { GpioPin } from './bus.js';

export interface Polarity {
  /** The asserted state is a low level. */
  activeLow?: boolean;
}

const level = (asserted: boolean, p: Polarity): 0 | 1 => ((asserted !== !!p.activeLow) ? 1 : 0);

/** Asserting holds the chain in reset. Active low on every board we know. */
export class ResetLine {
  constructor(
    private readonly pin: GpioPin,
    private readonly polarity: Polarity = { activeLow: true },
  ) {}
  hold(): Promise<void> {
    return this.pin.write(level(true, this.polarity));
  }
  release(): Promise<void> {
    return this.pin.write(level(false, this.polarity));
  }
}

export class PowerEnableLine {
  constructor(
    private readonly pin: GpioPin,
    private readonly polarity: Polarity = {},
  ) {}
  set(on: boolean): Promise<void> {
    return this.pin.write(level(on, this.polarity));
  }
}

export class PlugDetect {
  constructor(
    private readonly pin: GpioPin,
    private readonly polarity: Polarity = {},
  ) {}
  async present(): Promise<boolean> {
    return (await this.pin.read()) === level(true, this.polarity);
  }
}

export class Led {
  constructor(
    private readonly pin: GpioPin,
    private readonly polarity: Polarity = {},
  ) {}
  set(on: boolean): Promise<void> {
    return this.pin.write(level(on, this.polarity));
  }
}

/** A push button; S9 buttons idle high, so pressed is active low. */
export class Button {
  constructor(
    private readonly pin: GpioPin,
    private readonly polarity: Polarity = { activeLow: true },
  ) {}
  async pressed(): Promise<boolean> {
    return (await this.pin.read()) === level(true, this.polarity);
  }
  onPress(handler: () => void): () => void {
    return this.pin.watch('both', (v) => {
      if (v === level(true, this.polarity)) handler();
    });
  }
}
