// EMC2101: internal sensor (its own die), one external diode (the ASIC), and a fan output with a
// tach input. The fan setting register drives a FanMotor; the tach registers report its count.
import { EMC2101_REG, EXTERNAL_OPEN } from '../../drivers/sensors/emc2101.js';
import { EMC2101_TACH_STOPPED } from '../../drivers/fans/emc2101-fan.js';
import type { FanMotor } from './fan-motor.js';
import { PointerRegisterModel } from './i2c-bus.js';

export class Emc2101Model extends PointerRegisterModel {
  private regs = new Uint8Array(256);
  private latchedTachHigh = 0xff;
  nonsense = false;
  diodeOpen = false;

  constructor(
    private readonly internal: () => number,
    private readonly external: () => number,
    readonly fan: FanMotor,
    productId = 0x16,
  ) {
    super();
    this.regs[EMC2101_REG.productId] = productId;
    this.regs[EMC2101_REG.fanConfig] = 0x20;
    this.regs[EMC2101_REG.fanSetting] = 63; // power-on default: full speed
    fan.setDuty(100);
  }

  private externalRaw(): number {
    if (this.diodeOpen) return EXTERNAL_OPEN;
    // Nonsense: a reading far above anything a chip survives (the 11-bit maximum, 127.875 °C, is
    // still plausible, so use the negative extreme instead).
    if (this.nonsense) return 0x400;
    const eighths = Math.round(Math.max(-128, Math.min(127.875, this.external())) * 8);
    return eighths & 0x7ff;
  }

  protected readRegister(r: number): number {
    switch (r) {
      case EMC2101_REG.internalTemp:
        return this.nonsense ? 0x80 : Math.round(Math.max(-128, Math.min(127, this.internal()))) & 0xff;
      case EMC2101_REG.externalHigh:
        return this.externalRaw() >> 3;
      case EMC2101_REG.externalLow:
        return (this.externalRaw() & 0x7) << 5;
      case EMC2101_REG.tachLow: {
        const rpm = this.fan.speed();
        const count = rpm < 5_400_000 / 0xfffe ? EMC2101_TACH_STOPPED : Math.round(5_400_000 / rpm);
        this.latchedTachHigh = count >> 8;
        return count & 0xff;
      }
      case EMC2101_REG.tachHigh:
        return this.latchedTachHigh;
      default:
        return this.regs[r]!;
    }
  }

  protected writeRegister(r: number, v: number): void {
    if (r === EMC2101_REG.productId) return;
    this.regs[r] = v;
    if (r === EMC2101_REG.fanSetting) this.fan.setDuty((Math.min(v, 63) / 63) * 100);
  }
}
