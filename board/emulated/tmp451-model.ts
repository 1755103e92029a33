// A TMP451-family sensor (TMP451, TMP421, ADT7461, NCT218 differ only in their id registers):
// local = the PCB, remote = a hashing chip's diode. Faults: nonsense (a value no real board has),
// an open remote diode; silence is the bus's.
import { TMP451_REG, STATUS_REMOTE_OPEN, CONFIG_EXTENDED_RANGE } from '../../drivers/sensors/tmp451.js';
import { PointerRegisterModel } from './i2c-bus.js';

export const TMP451_IDS = {
  TMP451: { manufacturer: 0x55, device: 0x00 },
  TMP421: { manufacturer: 0x55, device: 0x21 },
  ADT7461: { manufacturer: 0x41, device: 0x51 },
  NCT218: { manufacturer: 0x1a, device: 0x00 },
} as const;

export class Tmp451Model extends PointerRegisterModel {
  private config = 0;
  private offset = 0;
  nonsense = false;
  remoteOpen = false;

  constructor(
    private readonly local: () => number,
    private readonly remote: () => number,
    private readonly id: { manufacturer: number; device: number } = TMP451_IDS.TMP451,
  ) {
    super();
  }

  // High byte whole degrees, low byte sixteenths in its top nibble.
  private encode(celsius: number): [number, number] {
    if (this.nonsense) return [this.config & CONFIG_EXTENDED_RANGE ? 0xff : 0x80, 0xf0];
    const ext = (this.config & CONFIG_EXTENDED_RANGE) !== 0;
    const c = Math.max(ext ? -64 : -128, Math.min(ext ? 191 : 127, celsius));
    const whole = Math.floor(c);
    const frac = Math.floor((c - whole) * 16) << 4;
    return [ext ? whole + 64 : whole & 0xff, frac];
  }

  protected readRegister(r: number): number {
    switch (r) {
      case TMP451_REG.localHigh:
        return this.encode(this.local())[0];
      case TMP451_REG.localLow:
        return this.encode(this.local())[1];
      case TMP451_REG.remoteHigh:
        return this.encode(this.remote() + this.offset)[0];
      case TMP451_REG.remoteLow:
        return this.encode(this.remote() + this.offset)[1];
      case TMP451_REG.status:
        return this.remoteOpen ? STATUS_REMOTE_OPEN : 0;
      case TMP451_REG.configRead:
        return this.config;
      case TMP451_REG.remoteOffset:
        return this.offset & 0xff;
      case TMP451_REG.manufacturerId:
        return this.id.manufacturer;
      case TMP451_REG.deviceId:
        return this.id.device;
      default:
        return 0;
    }
  }

  protected writeRegister(r: number, v: number): void {
    if (r === TMP451_REG.configWrite) this.config = v;
    else if (r === TMP451_REG.remoteOffset) this.offset = v >= 0x80 ? v - 0x100 : v;
  }
}
