// AT24C02: 256-byte I2C EEPROM (S9 hashboards keep frequency/bad-core tables, hash id and voltage
// in it). A read sets the address pointer then reads sequentially; writes go in 8-byte pages, each
// followed by the part's self-timed write cycle.
import type { I2cBus } from '../transport/bus.js';
import { BusError } from '../transport/bus.js';

export const AT24C02_SIZE = 256;
export const AT24C02_PAGE = 8;
/** Worst-case self-timed write cycle. */
export const AT24C02_WRITE_CYCLE_MS = 5;

/** Offsets of what S9 hashboards store there (per bmminer). */
export const S9_EEPROM_LAYOUT = { frequencyTable: 0x00, hashId: 0x80, voltage: 0x90, sensorOffset: 0x98, voltageTime: 0xa0 } as const;

export class At24c02 {
  constructor(
    private readonly bus: I2cBus,
    readonly address = 0x50,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.bounds(offset, length);
    return this.bus.transfer(this.address, Uint8Array.of(offset), length);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.bounds(offset, data.length);
    let at = 0;
    while (at < data.length) {
      const addr = offset + at;
      const n = Math.min(AT24C02_PAGE - (addr % AT24C02_PAGE), data.length - at);
      const frame = new Uint8Array(1 + n);
      frame[0] = addr;
      frame.set(data.subarray(at, at + n), 1);
      await this.bus.transfer(this.address, frame, 0);
      await new Promise((r) => setTimeout(r, AT24C02_WRITE_CYCLE_MS));
      at += n;
    }
  }

  private bounds(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > AT24C02_SIZE) {
      throw new BusError(`AT24C02 access ${offset}+${length} is outside 0..${AT24C02_SIZE}`, this.address);
    }
  }
}
