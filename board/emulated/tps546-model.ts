// TPS546D24A as PMBus sees it: OPERATION turns the output on, VOUT_COMMAND (ULINEAR16, exponent
// from VOUT_MODE) sets it, READ_* report telemetry in LINEAR11/ULINEAR16, IC_DEVICE_ID is a block.
import { PMBUS, OPERATION_ON } from '../../drivers/power/tps546.js';
import { encodeLinear11, encodeUlinear16 } from '../../drivers/power/pmbus.js';
import { Nack, type I2cDeviceModel } from './i2c-bus.js';

const VOUT_MODE = 0x17; // ULINEAR16, exponent −9 (≈ 2 mV steps)
const EXPONENT = -9;
const DEVICE_ID = [0x54, 0x49, 0x54, 0x6d, 0x24, 0x41]; // TPS546D24A
const MFR_ID = [0x54, 0x49]; // "TI"

export class Tps546Model implements I2cDeviceModel {
  private command = -1;
  private operation = 0;
  private vout = 1.2;
  nonsense = false;

  constructor(
    private readonly vin: () => number,
    private readonly iout: () => number,
    private readonly temperature: () => number,
  ) {}

  on(): boolean {
    return (this.operation & OPERATION_ON) !== 0;
  }

  setpoint(): number {
    return this.vout;
  }

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.command = bytes[0]!;
    const word = bytes.length >= 3 ? bytes[1]! | (bytes[2]! << 8) : null;
    switch (this.command) {
      case PMBUS.operation:
        if (bytes.length >= 2) this.operation = bytes[1]!;
        break;
      case PMBUS.voutCommand:
        if (word !== null) this.vout = word * 2 ** EXPONENT;
        break;
      case PMBUS.clearFaults:
        break;
      case PMBUS.voutMode:
        if (bytes.length > 1) throw new Nack('VOUT_MODE is read-only here');
        break;
    }
  }

  private response(): number[] {
    const w = (v: number) => [v & 0xff, (v >> 8) & 0xff];
    switch (this.command) {
      case PMBUS.operation:
        return [this.operation];
      case PMBUS.voutMode:
        return [VOUT_MODE];
      case PMBUS.voutCommand:
        return w(encodeUlinear16(this.vout, EXPONENT));
      case PMBUS.statusWord:
        return w(this.on() ? 0 : 0x0040);
      case PMBUS.readVin:
        return w(encodeLinear11(this.nonsense ? 1000 : this.vin()));
      case PMBUS.readVout:
        return w(encodeUlinear16(this.on() ? this.vout : 0, EXPONENT));
      case PMBUS.readIout:
        return w(encodeLinear11(this.on() ? this.iout() : 0));
      case PMBUS.readTemperature1:
        return w(encodeLinear11(this.nonsense ? 1000 : this.temperature()));
      case PMBUS.icDeviceId:
        return [DEVICE_ID.length, ...DEVICE_ID];
      case PMBUS.mfrId:
        return [MFR_ID.length, ...MFR_ID];
      default:
        throw new Nack(`unsupported PMBus command 0x${this.command.toString(16)}`);
    }
  }

  read(length: number): Uint8Array {
    const r = this.response();
    const out = new Uint8Array(length).fill(0xff);
    out.set(r.slice(0, length));
    return out;
  }
}
