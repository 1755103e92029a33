// Temperatures the chain driver reads from the chips themselves (BM13xx temperature registers,
// or whatever the chain knows) and hands to safety. A value older than `maxAgeMs` is unknown.
import { SensorError, checkTemperature, type TemperatureSensor } from '../drivers/sensors/reading.js';

export class ChainTemperatureFeed {
  private readonly last = new Map<number, { celsius: number; at: number }>();
  constructor(readonly maxAgeMs = 5000) {}

  /** The chain driver's call: chain `chain`'s hottest chip reads `celsius` now. */
  report(chain: number, celsius: number): void {
    this.last.set(chain, { celsius, at: performance.now() });
  }

  sensor(name: string, chain: number, location: TemperatureSensor['location']): TemperatureSensor {
    return {
      name,
      location,
      read: async () => {
        const r = this.last.get(chain);
        if (!r) throw new SensorError(name, 'no-reply', `chain ${chain} has reported no temperature`);
        const age = performance.now() - r.at;
        if (age > this.maxAgeMs) throw new SensorError(name, 'no-reply', `chain ${chain}'s last temperature is ${Math.round(age / 1000)} s old`);
        return checkTemperature(name, r.celsius);
      },
    };
  }
}
