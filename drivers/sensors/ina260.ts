// INA260 power monitor (Bitaxe input rail): current, bus voltage and power registers, sent MSB first.
import type { I2cBus } from '../transport/bus.js';
import { SensorError, checkRange, onBus, swap16 } from './reading.js';

export const INA260_ADDRESS = 0x40;
export const INA260_REG = { config: 0x00, current: 0x01, busVoltage: 0x02, power: 0x03, manufacturerId: 0xfe, dieId: 0xff } as const;
export const INA260_MANUFACTURER_ID = 0x5449; // "TI"

export class Ina260 {
  constructor(
    private readonly bus: I2cBus,
    readonly address = INA260_ADDRESS,
    readonly name = `ina260@0x${address.toString(16)}`,
  ) {}

  private async reg(register: number): Promise<number> {
    return swap16(await onBus(this.name, () => this.bus.readWord(this.address, register)));
  }

  async identify(): Promise<void> {
    const id = await this.reg(INA260_REG.manufacturerId);
    if (id !== INA260_MANUFACTURER_ID) throw new SensorError(this.name, 'unknown-device', `manufacturer id 0x${id.toString(16)} is not TI's`);
  }

  /** Amperes (signed, 1.25 mA per bit); the part measures ±15 A. */
  async current(): Promise<number> {
    const raw = await this.reg(INA260_REG.current);
    return checkRange(this.name, 'current', ((raw & 0x8000 ? raw - 0x10000 : raw) * 1.25) / 1000, -15, 15, 'A');
  }

  /** Volts (1.25 mV per bit); the bus input is rated to 36 V. */
  async busVoltage(): Promise<number> {
    return checkRange(this.name, 'bus voltage', ((await this.reg(INA260_REG.busVoltage)) * 1.25) / 1000, 0, 36, 'V');
  }

  /** Watts (10 mW per bit). */
  async power(): Promise<number> {
    return checkRange(this.name, 'power', ((await this.reg(INA260_REG.power)) * 10) / 1000, 0, 36 * 15, 'W');
  }
}
