// DS4432U+ current DAC trimming a buck's feedback node (older Bitaxe Max/Ultra/Supra boards).
// Register byte: bit 7 = source (pushes the output below nominal), bits 6..0 = magnitude of
// code/127 × full-scale current. The node's physics: Vout = Vnom − Ra × I_source (+ for sink).
import type { I2cBus } from '../transport/bus.js';
import { onBus } from '../sensors/reading.js';
import { checkVoltage, type VoltageController } from './voltage-controller.js';

export const DS4432U_ADDRESS = 0x48;
export const DS4432U_OUT = [0xf8, 0xf9] as const;

/** The feedback network a DS4432U output trims; Bitaxe values are ESP-Miner's board constants. */
export interface FeedbackNetwork {
  /** Output with the DAC at 0, volts. */
  nominal: number;
  /** Upper feedback resistor, ohms. */
  ra: number;
  /** DAC full-scale current, amperes. */
  fullScale: number;
}
export const BITAXE_FEEDBACK: FeedbackNetwork = { nominal: 1.451, ra: 4750, fullScale: 98.921e-6 };

/** The register byte for `volts`: sign-magnitude, source when below nominal. */
export function ds4432uCode(volts: number, net: FeedbackNetwork): number {
  const steps = Math.round(((net.nominal - volts) / net.ra / net.fullScale) * 127);
  if (Math.abs(steps) > 127) throw new RangeError(`${volts} V is beyond the DAC's reach`);
  return steps > 0 ? 0x80 | steps : Math.abs(steps);
}

export function ds4432uVoltage(code: number, net: FeedbackNetwork): number {
  const mag = code & 0x7f;
  const amps = (mag / 127) * net.fullScale;
  return code & 0x80 ? net.nominal - net.ra * amps : net.nominal + net.ra * amps;
}

/** A DS4432U-trimmed rail. Its buck has its own enable (a GPIO on those boards), so enable() is the caller's pin. */
export class Ds4432uRail implements VoltageController {
  readonly heartbeatMs = null;
  readonly name: string;
  constructor(
    private readonly bus: I2cBus,
    private readonly output: 0 | 1,
    private readonly net: FeedbackNetwork,
    readonly range: { readonly min: number; readonly max: number },
    private readonly powerSwitch: (on: boolean) => Promise<void>,
    readonly address = DS4432U_ADDRESS,
  ) {
    this.name = `ds4432u@0x${address.toString(16)}.out${output}`;
  }

  async setVoltage(volts: number): Promise<void> {
    const code = ds4432uCode(checkVoltage(this, volts), this.net);
    await onBus(this.name, () => this.bus.writeByte(this.address, DS4432U_OUT[this.output], code));
  }

  enable(on: boolean): Promise<void> {
    return this.powerSwitch(on);
  }

  async heartbeat(): Promise<void> {}
}
