// A TMP451-family sensor answering its own register map (LM90-style for TMP451/ADT7461/NCT218,
// TMP42x-style for TMP421–423): local = the PCB, remote = a hashing chip's diode. Faults: nonsense
// (a value no real board has), an open remote diode; silence is the bus's.
import { CONFIG_EXTENDED_RANGE, TMP451_ID_REG, TMP451_LAYOUTS, identifyTmp451, type Tmp451Layout } from '../../drivers/sensors/tmp451.js';
import { PointerRegisterModel } from './i2c-bus.js';

export const TMP451_IDS = {
  TMP451: { manufacturer: 0x55, device: 0x00 },
  TMP421: { manufacturer: 0x55, device: 0x21 },
  ADT7461: { manufacturer: 0x41, device: 0x51 },
  NCT218: { manufacturer: 0x1a, device: 0x00 },
} as const;

export class Tmp451Model extends PointerRegisterModel {
  private config = 0;
  private readonly layout: Tmp451Layout | null;
  nonsense = false;
  remoteOpen = false;

  constructor(
    private readonly local: () => number,
    private readonly remote: () => number,
    private readonly id: { manufacturer: number; device: number } = TMP451_IDS.TMP451,
  ) {
    super();
    const kind = identifyTmp451(id.manufacturer, id.device);
    this.layout = kind ? TMP451_LAYOUTS[kind] : null; // an unknown id answers only its id registers
  }

  // High byte whole degrees, low byte sixteenths in its top nibble.
  private encode(celsius: number): [number, number] {
    const ext = (this.config & CONFIG_EXTENDED_RANGE) !== 0;
    if (this.nonsense) return [ext ? 0xff : 0x80, 0xf0];
    const c = Math.max(ext ? -64 : -128, Math.min(ext ? 191 : 127, celsius));
    const whole = Math.floor(c);
    const frac = Math.floor((c - whole) * 16) << 4;
    return [ext ? whole + 64 : whole & 0xff, frac];
  }

  protected readRegister(r: number): number {
    if (r === TMP451_ID_REG.manufacturer) return this.id.manufacturer;
    if (r === TMP451_ID_REG.device) return this.id.device;
    const l = this.layout;
    if (!l) return 0;
    const openBit = this.remoteOpen ? l.open.mask : 0;
    if (r === l.remoteLow) return this.encode(this.remote())[1] | (l.open.register === l.remoteLow ? openBit : 0);
    if (r === l.open.register) return openBit;
    if (r === l.configRead) return this.config;
    if (r === l.localHigh) return this.encode(this.local())[0];
    if (r === l.localLow) return this.encode(this.local())[1];
    if (r === l.remoteHigh) return this.encode(this.remote())[0];
    return 0;
  }

  protected writeRegister(r: number, v: number): void {
    if (this.layout && r === this.layout.configWrite) this.config = v;
  }
}
