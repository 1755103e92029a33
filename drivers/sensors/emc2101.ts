// EMC2101: fan controller with an internal sensor and one remote diode (the ASIC's on Bitaxe
// boards). This module reads temperatures; drivers/fans/emc2101-fan.ts drives its fan.
import type { I2cBus } from '../transport/bus.js';
import { SensorError, checkTemperature, onBus } from './reading.js';

export const EMC2101_ADDRESS = 0x4c;
export const EMC2101_REG = {
  internalTemp: 0x00,
  externalHigh: 0x01,
  config: 0x03,
  externalLow: 0x10,
  ideality: 0x17,
  beta: 0x18,
  tachLow: 0x46,
  tachHigh: 0x47,
  fanConfig: 0x4a,
  fanSetting: 0x4c,
  pwmFrequency: 0x4d,
  productId: 0xfd,
} as const;
/** Product ids of the EMC2101 and EMC2101-R. */
export const EMC2101_PRODUCT_IDS = [0x16, 0x28] as const;
/** 11-bit external readings the chip uses to flag a diode fault. */
export const EXTERNAL_OPEN = 0x3f8;
export const EXTERNAL_SHORT = 0x3ff;

export class Emc2101 {
  constructor(
    readonly bus: I2cBus,
    readonly address = EMC2101_ADDRESS,
    readonly name = `emc2101@0x${address.toString(16)}`,
  ) {}

  async identify(): Promise<number> {
    const id = await onBus(this.name, () => this.bus.readByte(this.address, EMC2101_REG.productId));
    if (!(EMC2101_PRODUCT_IDS as readonly number[]).includes(id)) throw new SensorError(this.name, 'unknown-device', `product id 0x${id.toString(16)} is not an EMC2101`);
    return id;
  }

  /** Sets the diode ideality factor (board specific: the Gamma's BM1370 diode wants 0x24). */
  async setIdeality(value: number): Promise<void> {
    await onBus(this.name, () => this.bus.writeByte(this.address, EMC2101_REG.ideality, value));
  }

  async internal(): Promise<number> {
    const raw = await onBus(this.name, () => this.bus.readByte(this.address, EMC2101_REG.internalTemp));
    return checkTemperature(`${this.name} internal`, raw >= 0x80 ? raw - 0x100 : raw);
  }

  /** External diode: 11 bits, MSB register then the top three bits of the LSB register (1/8 °C). */
  async external(): Promise<number> {
    const hi = await onBus(this.name, () => this.bus.readByte(this.address, EMC2101_REG.externalHigh));
    const lo = await onBus(this.name, () => this.bus.readByte(this.address, EMC2101_REG.externalLow));
    const raw = (hi << 3) | (lo >> 5);
    if (raw === EXTERNAL_OPEN) throw new SensorError(`${this.name} external`, 'open-circuit', 'diode open');
    if (raw === EXTERNAL_SHORT) throw new SensorError(`${this.name} external`, 'open-circuit', 'diode shorted');
    const signed = raw & 0x400 ? raw - 0x800 : raw;
    return checkTemperature(`${this.name} external`, signed / 8);
  }
}
