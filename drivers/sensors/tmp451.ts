// The remote-diode sensors S9 hashboards carry (reached through a BM1387's I2C master there):
// TMP451, ADT7461 and NCT218 share the LM90-style map (status 0x02 with an "open" bit, config read
// at 0x03 and written at 0x09, remote fraction at 0x10); TMP421/422/423 use TI's TMP42x map
// (config 0x09 both ways, fractions at 0x10/0x11, "open" in the remote fraction's bit 0). All:
// manufacturer id at 0xFE, device id at 0xFF, whole degrees in the high byte, sixteenths in the
// top nibble of the low byte, extended range (config bit 2) = value − 64.
import type { I2cBus } from '../transport/bus.js';
import { SensorError, checkTemperature, onBus } from './reading.js';

export type Tmp451Kind = 'TMP451' | 'TMP421' | 'TMP422' | 'TMP423' | 'ADT7461' | 'NCT218';

export interface Tmp451Layout {
  localHigh: number;
  /** null: the part reports whole degrees only for its local sensor. */
  localLow: number | null;
  remoteHigh: number;
  remoteLow: number;
  configRead: number;
  configWrite: number;
  /** Where the "remote diode open" flag is: status register bit 2, or the remote fraction's bit 0. */
  open: { register: number; mask: number };
}

const LM90_STYLE = { localHigh: 0x00, remoteHigh: 0x01, remoteLow: 0x10, configRead: 0x03, configWrite: 0x09, open: { register: 0x02, mask: 0x04 } };
export const TMP451_LAYOUTS: Record<Tmp451Kind, Tmp451Layout> = {
  TMP451: { ...LM90_STYLE, localLow: 0x15 },
  ADT7461: { ...LM90_STYLE, localLow: null },
  NCT218: { ...LM90_STYLE, localLow: null },
  TMP421: { localHigh: 0x00, localLow: 0x10, remoteHigh: 0x01, remoteLow: 0x11, configRead: 0x09, configWrite: 0x09, open: { register: 0x11, mask: 0x01 } },
  TMP422: { localHigh: 0x00, localLow: 0x10, remoteHigh: 0x01, remoteLow: 0x11, configRead: 0x09, configWrite: 0x09, open: { register: 0x11, mask: 0x01 } },
  TMP423: { localHigh: 0x00, localLow: 0x10, remoteHigh: 0x01, remoteLow: 0x11, configRead: 0x09, configWrite: 0x09, open: { register: 0x11, mask: 0x01 } },
};
export const TMP451_ID_REG = { manufacturer: 0xfe, device: 0xff } as const;
export const CONFIG_EXTENDED_RANGE = 0x04;

/** 7-bit addresses bOSminer probes on S9 boards. */
export const TMP451_PROBE_ADDRESSES = [0x4c, 0x4d, 0x4e] as const;

/** Manufacturer 0x55 = TI (device 0x21–0x23 ⇒ TMP421–423, else TMP451), 0x41 = ADT7461, 0x1A = NCT218. */
export function identifyTmp451(manufacturer: number, device: number): Tmp451Kind | null {
  if (manufacturer === 0x55) return device === 0x21 ? 'TMP421' : device === 0x22 ? 'TMP422' : device === 0x23 ? 'TMP423' : 'TMP451';
  if (manufacturer === 0x41) return 'ADT7461';
  if (manufacturer === 0x1a) return 'NCT218';
  return null;
}

export class Tmp451 {
  private readonly layout: Tmp451Layout;
  private constructor(
    private readonly bus: I2cBus,
    readonly address: number,
    readonly kind: Tmp451Kind,
    private readonly extended: boolean,
    readonly name: string,
  ) {
    this.layout = TMP451_LAYOUTS[kind];
  }

  /** Identifies the chip and puts it in extended range; SensorError if nothing or something else answers. */
  static async open(bus: I2cBus, address: number, name = `tmp451@0x${address.toString(16)}`): Promise<Tmp451> {
    const mfr = await onBus(name, () => bus.readByte(address, TMP451_ID_REG.manufacturer));
    const dev = await onBus(name, () => bus.readByte(address, TMP451_ID_REG.device));
    const kind = identifyTmp451(mfr, dev);
    if (!kind) throw new SensorError(name, 'unknown-device', `manufacturer 0x${mfr.toString(16)} device 0x${dev.toString(16)} is not a TMP451-family sensor`);
    const l = TMP451_LAYOUTS[kind];
    // Extended range (value − 64) makes the bus-noise bytes 0x00 and 0xFF read −64 °C and 191 °C,
    // both implausible, where the standard range would turn 0xFF into a believable −1 °C.
    let config = await onBus(name, () => bus.readByte(address, l.configRead));
    if (!(config & CONFIG_EXTENDED_RANGE)) {
      await onBus(name, () => bus.writeByte(address, l.configWrite, config | CONFIG_EXTENDED_RANGE));
      config = await onBus(name, () => bus.readByte(address, l.configRead));
    }
    return new Tmp451(bus, address, kind, (config & CONFIG_EXTENDED_RANGE) !== 0, name);
  }

  /** The first of `addresses` where a TMP451-family chip answers; SensorError naming every miss. */
  static async probe(bus: I2cBus, addresses: readonly number[] = TMP451_PROBE_ADDRESSES, name?: string): Promise<Tmp451> {
    const why: string[] = [];
    for (const a of addresses) {
      try {
        return await Tmp451.open(bus, a, name);
      } catch (e) {
        if (!(e instanceof SensorError)) throw e;
        why.push(e.message);
      }
    }
    throw new SensorError(name ?? 'tmp451', 'no-reply', `no TMP451-family sensor answers: ${why.join('; ')}`);
  }

  private byte(register: number): Promise<number> {
    return onBus(this.name, () => this.bus.readByte(this.address, register));
  }

  /** The chip's own (PCB) temperature. */
  async local(): Promise<number> {
    const hi = await this.byte(this.layout.localHigh);
    const lo = this.layout.localLow === null ? 0 : await this.byte(this.layout.localLow);
    return checkTemperature(`${this.name} local`, this.decode(hi, lo));
  }

  /** The remote diode (the hashing chip); an open diode is a SensorError, not a number. */
  async remote(): Promise<number> {
    const { open } = this.layout;
    const flags = await this.byte(open.register);
    if (flags & open.mask) throw new SensorError(`${this.name} remote`, 'open-circuit', 'remote diode open');
    const hi = await this.byte(this.layout.remoteHigh);
    const lo = open.register === this.layout.remoteLow ? flags : await this.byte(this.layout.remoteLow);
    return checkTemperature(`${this.name} remote`, this.decode(hi, lo));
  }

  private decode(hi: number, lo: number): number {
    const whole = this.extended ? hi - 64 : hi >= 0x80 ? hi - 0x100 : hi;
    return whole + (lo >> 4) / 16;
  }
}
