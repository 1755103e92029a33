// AT24C02 EEPROM (256 bytes, 8-byte pages that wrap, NACKs during its ~5 ms write cycle) and the
// DS4432U current DAC (two code registers).
import { AT24C02_PAGE, AT24C02_SIZE } from '../../drivers/eeprom/at24c02.js';
import { DS4432U_OUT } from '../../drivers/power/ds4432u.js';
import type { EmulatedClock } from './clock.js';
import { Nack, PointerRegisterModel, type I2cDeviceModel } from './i2c-bus.js';

export class At24c02Model implements I2cDeviceModel {
  readonly memory = new Uint8Array(AT24C02_SIZE).fill(0xff);
  private pointer = 0;
  private busyUntil = 0;
  constructor(
    private readonly clock: EmulatedClock,
    private readonly writeCycleMs = 3,
  ) {}

  private ready(): void {
    if (this.clock.now() < this.busyUntil) throw new Nack('write cycle in progress');
  }

  write(bytes: Uint8Array): void {
    this.ready();
    if (bytes.length === 0) return;
    this.pointer = bytes[0]!;
    if (bytes.length === 1) return;
    const page = this.pointer - (this.pointer % AT24C02_PAGE);
    for (let i = 1; i < bytes.length; i++) {
      this.memory[page + ((this.pointer - page) % AT24C02_PAGE)] = bytes[i]!;
      this.pointer = page + ((this.pointer - page + 1) % AT24C02_PAGE);
    }
    this.busyUntil = this.clock.now() + this.writeCycleMs;
  }

  read(length: number): Uint8Array {
    this.ready();
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      out[i] = this.memory[this.pointer]!;
      this.pointer = (this.pointer + 1) % AT24C02_SIZE;
    }
    return out;
  }
}

export class Ds4432uModel extends PointerRegisterModel {
  readonly codes = [0, 0];
  protected readRegister(r: number): number {
    const i = DS4432U_OUT.indexOf(r as (typeof DS4432U_OUT)[number]);
    return i >= 0 ? this.codes[i]! : 0;
  }
  protected writeRegister(r: number, v: number): void {
    const i = DS4432U_OUT.indexOf(r as (typeof DS4432U_OUT)[number]);
    if (i >= 0) this.codes[i] = v;
  }
}
