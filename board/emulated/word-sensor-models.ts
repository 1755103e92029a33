// The 16-bit-register sensors: TMP1075/LM75 (board temperature) and INA260 (input power).
import { TMP1075_REG, TMP1075_DEVICE_ID } from '../../drivers/sensors/tmp1075.js';
import { INA260_REG, INA260_MANUFACTURER_ID } from '../../drivers/sensors/ina260.js';
import { WordRegisterModel } from './i2c-bus.js';

export class Tmp1075Model extends WordRegisterModel {
  nonsense = false;
  constructor(private readonly temperature: () => number) {
    super();
  }
  protected readRegister(r: number): number {
    if (r === TMP1075_REG.temperature) {
      if (this.nonsense) return 0x8000; // −128 °C
      return Math.round(Math.max(-128, Math.min(127.9, this.temperature())) * 16) * 16 & 0xffff;
    }
    if (r === TMP1075_REG.deviceId) return TMP1075_DEVICE_ID;
    return 0;
  }
  protected writeRegister(): void {}
}

export class Ina260Model extends WordRegisterModel {
  nonsense = false;
  constructor(
    private readonly volts: () => number,
    private readonly watts: () => number,
  ) {
    super();
  }
  protected readRegister(r: number): number {
    const v = this.volts();
    const w = this.watts();
    switch (r) {
      case INA260_REG.current:
        return this.nonsense ? 0x7fff : Math.round((v > 0 ? w / v : 0) / 0.00125) & 0xffff;
      case INA260_REG.busVoltage:
        return this.nonsense ? 0xffff : Math.round(v / 0.00125) & 0xffff;
      case INA260_REG.power:
        return this.nonsense ? 0xffff : Math.round(w / 0.01) & 0xffff;
      case INA260_REG.manufacturerId:
        return INA260_MANUFACTURER_ID;
      case INA260_REG.dieId:
        return 0x2270;
      default:
        return 0;
    }
  }
  protected writeRegister(): void {}
}
