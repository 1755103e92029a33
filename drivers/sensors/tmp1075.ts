// TMP1075 and LM75-compatible board sensors: one 16-bit two's-complement temperature register,
// MSB first, 1/256 °C per bit (the TMP1075 fills 12 bits, an LM75 9).
import type { I2cBus } from '../transport/bus.js';
import { SensorError, checkTemperature, onBus, swap16 } from './reading.js';

export const TMP1075_REG = { temperature: 0x00, config: 0x01, low: 0x02, high: 0x03, deviceId: 0x0f } as const;
export const TMP1075_DEVICE_ID = 0x7500;

export class Tmp1075 {
  constructor(
    private readonly bus: I2cBus,
    readonly address: number,
    readonly name = `tmp1075@0x${address.toString(16)}`,
  ) {}

  /** TMP1075 only (an LM75 has no id register). */
  async identify(): Promise<void> {
    const id = swap16(await onBus(this.name, () => this.bus.readWord(this.address, TMP1075_REG.deviceId)));
    if (id !== TMP1075_DEVICE_ID) throw new SensorError(this.name, 'unknown-device', `device id 0x${id.toString(16)} is not a TMP1075`);
  }

  async temperature(): Promise<number> {
    const raw = swap16(await onBus(this.name, () => this.bus.readWord(this.address, TMP1075_REG.temperature)));
    return checkTemperature(this.name, (raw & 0x8000 ? raw - 0x10000 : raw) / 256);
  }
}
