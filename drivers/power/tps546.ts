// TPS546D24A PMBus buck (Bitaxe Gamma core rail, 0x24): OPERATION on/off, VOUT_COMMAND in
// ULINEAR16, telemetry in LINEAR11, STATUS_WORD faults. SMBus words are little-endian as PMBus is.
import type { I2cBus } from '../transport/bus.js';
import { SensorError, checkRange, checkTemperature, onBus } from '../sensors/reading.js';
import { decodeLinear11, decodeUlinear16, encodeUlinear16, voutModeExponent } from './pmbus.js';
import { PowerError, checkVoltage, type VoltageController } from './voltage-controller.js';

export const TPS546_ADDRESS = 0x24;
export const PMBUS = {
  operation: 0x01,
  onOffConfig: 0x02,
  clearFaults: 0x03,
  voutMode: 0x20,
  voutCommand: 0x21,
  voutMax: 0x24,
  vinOn: 0x35,
  vinOff: 0x36,
  ioutOcFaultLimit: 0x46,
  otFaultLimit: 0x4f,
  statusWord: 0x79,
  readVin: 0x88,
  readVout: 0x8b,
  readIout: 0x8c,
  readTemperature1: 0x8d,
  mfrId: 0x99,
  icDeviceId: 0xad,
} as const;
export const OPERATION_ON = 0x80;
export const OPERATION_OFF = 0x00;
/** STATUS_WORD bits that mean a fault (OFF, bit 6, is not one): VOUT_OV, IOUT_OC, VIN_UV, TEMPERATURE, CML, VOUT, IOUT, INPUT. */
export const STATUS_FAULT_MASK = 0x0020 | 0x0010 | 0x0008 | 0x0004 | 0x0002 | 0x8000 | 0x4000 | 0x2000;

/** The Bitaxe 5 V-board profile: VOUT 1–2 V (ESP-Miner). */
export const BITAXE_VOUT_RANGE = { min: 1.0, max: 2.0 } as const;

export class Tps546 implements VoltageController {
  readonly heartbeatMs = null;
  readonly name: string;
  private exponent: number | null = null;

  constructor(
    private readonly bus: I2cBus,
    readonly address = TPS546_ADDRESS,
    readonly range: { readonly min: number; readonly max: number } = BITAXE_VOUT_RANGE,
  ) {
    this.name = `tps546@0x${address.toString(16)}`;
  }

  private word(register: number): Promise<number> {
    return onBus(this.name, () => this.bus.readWord(this.address, register));
  }

  /** IC_DEVICE_ID is an SMBus block: a count byte then "TI" "T" 0x6B/0x6D 0x24 …. */
  async identify(): Promise<string> {
    const raw = await onBus(this.name, () => this.bus.transfer(this.address, Uint8Array.of(PMBUS.icDeviceId), 7));
    const id = raw.subarray(1, 1 + Math.min(raw[0]!, 6));
    if (id.length < 5 || id[0] !== 0x54 || id[1] !== 0x49 || id[2] !== 0x54 || id[4] !== 0x24) {
      throw new SensorError(this.name, 'unknown-device', `IC_DEVICE_ID ${Buffer.from(id).toString('hex')} is not a TPS546`);
    }
    return Buffer.from(id).toString('hex');
  }

  private async voutExponent(): Promise<number> {
    if (this.exponent === null) {
      const mode = await onBus(this.name, () => this.bus.readByte(this.address, PMBUS.voutMode));
      try {
        this.exponent = voutModeExponent(mode);
      } catch (e) {
        throw new PowerError(this.name, (e as Error).message);
      }
    }
    return this.exponent;
  }

  async setVoltage(volts: number): Promise<void> {
    const word = encodeUlinear16(checkVoltage(this, volts), await this.voutExponent());
    await onBus(this.name, () => this.bus.writeWord(this.address, PMBUS.voutCommand, word));
  }

  async enable(on: boolean): Promise<void> {
    if (on) await onBus(this.name, () => this.bus.transfer(this.address, Uint8Array.of(PMBUS.clearFaults), 0));
    await onBus(this.name, () => this.bus.writeByte(this.address, PMBUS.operation, on ? OPERATION_ON : OPERATION_OFF));
  }

  async heartbeat(): Promise<void> {}

  async status(): Promise<number> {
    return this.word(PMBUS.statusWord);
  }

  async vin(): Promise<number> {
    return checkRange(this.name, 'input voltage', decodeLinear11(await this.word(PMBUS.readVin)), 0, 20, 'V');
  }

  async vout(): Promise<number> {
    return checkRange(this.name, 'output voltage', decodeUlinear16(await this.word(PMBUS.readVout), await this.voutExponent()), 0, 6, 'V');
  }

  async iout(): Promise<number> {
    return checkRange(this.name, 'output current', decodeLinear11(await this.word(PMBUS.readIout)), -5, 60, 'A');
  }

  /** The regulator's own temperature (ESP-Miner's overheat input: > 105 °C). */
  async temperature(): Promise<number> {
    return checkTemperature(`${this.name} temperature`, decodeLinear11(await this.word(PMBUS.readTemperature1)));
  }
}
