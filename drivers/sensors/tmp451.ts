// TMP451 / TMP421 / ADT7461 / NCT218: the LM90-style remote-diode sensors S9 hashboards carry
// (reached through a BM1387's I2C master there). One register map: local and remote temperature
// with fraction bytes, status (remote open), configuration (extended range = value − 64).
import type { I2cBus } from '../transport/bus.js';
import { SensorError, checkTemperature, onBus } from './reading.js';

export const TMP451_REG = {
  localHigh: 0x00,
  remoteHigh: 0x01,
  status: 0x02,
  configRead: 0x03,
  configWrite: 0x09,
  remoteLow: 0x10,
  remoteOffset: 0x11,
  localLow: 0x15,
  manufacturerId: 0xfe,
  deviceId: 0xff,
} as const;
export const STATUS_REMOTE_OPEN = 0x04;
export const CONFIG_EXTENDED_RANGE = 0x04;

export type Tmp451Kind = 'TMP451' | 'TMP421' | 'TMP422' | 'TMP423' | 'ADT7461' | 'NCT218';
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
  private constructor(
    private readonly bus: I2cBus,
    readonly address: number,
    readonly kind: Tmp451Kind,
    private readonly extended: boolean,
    readonly name: string,
  ) {}

  /** Identifies the chip and reads its range mode; SensorError if nothing or something else answers. */
  static async open(bus: I2cBus, address: number, name = `tmp451@0x${address.toString(16)}`): Promise<Tmp451> {
    const mfr = await onBus(name, () => bus.readByte(address, TMP451_REG.manufacturerId));
    const dev = await onBus(name, () => bus.readByte(address, TMP451_REG.deviceId));
    const kind = identifyTmp451(mfr, dev);
    if (!kind) throw new SensorError(name, 'unknown-device', `manufacturer 0x${mfr.toString(16)} device 0x${dev.toString(16)} is not a TMP451-family sensor`);
    // Extended range (value − 64) makes the bus-noise bytes 0x00 and 0xFF read −64 °C and 191 °C,
    // both implausible, where the standard range would turn 0xFF into a believable −1 °C.
    let config = await onBus(name, () => bus.readByte(address, TMP451_REG.configRead));
    if (!(config & CONFIG_EXTENDED_RANGE)) {
      await onBus(name, () => bus.writeByte(address, TMP451_REG.configWrite, config | CONFIG_EXTENDED_RANGE));
      config = await onBus(name, () => bus.readByte(address, TMP451_REG.configRead));
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

  /** The chip's own (PCB) temperature. */
  async local(): Promise<number> {
    const hi = await onBus(this.name, () => this.bus.readByte(this.address, TMP451_REG.localHigh));
    const lo = await onBus(this.name, () => this.bus.readByte(this.address, TMP451_REG.localLow));
    return checkTemperature(`${this.name} local`, this.decode(hi, lo));
  }

  /** The remote diode (the hashing chip); an open diode is a SensorError, not a number. */
  async remote(): Promise<number> {
    const status = await onBus(this.name, () => this.bus.readByte(this.address, TMP451_REG.status));
    if (status & STATUS_REMOTE_OPEN) throw new SensorError(`${this.name} remote`, 'open-circuit', 'remote diode open');
    const hi = await onBus(this.name, () => this.bus.readByte(this.address, TMP451_REG.remoteHigh));
    const lo = await onBus(this.name, () => this.bus.readByte(this.address, TMP451_REG.remoteLow));
    return checkTemperature(`${this.name} remote`, this.decode(hi, lo));
  }

  // High byte is whole degrees (offset 64 in extended range, two's complement otherwise);
  // the top four bits of the low byte are sixteenths.
  private decode(hi: number, lo: number): number {
    const whole = this.extended ? hi - 64 : hi >= 0x80 ? hi - 0x100 : hi;
    return whole + (lo >> 4) / 16;
  }
}
