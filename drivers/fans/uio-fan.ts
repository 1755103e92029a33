// The S9 bitstream's fan controller IP (Braiins "AXI Fan Controller", UIO device "fan-control",
// bosminer fan.rs:63-101): FANx_RPS at 0x0/0x4/0x8/0xC (revolutions per second, updated every
// 500 ms; × 60 = RPM), FAN_PWM at 0x10 (duty 0–100 %, 25 kHz, one output for every fan).
// Register map: braiins-os open/hw/zynq-io-am1-s9/README.md lines 446-474.
import type { RegisterWindow } from '../transport/uio.js';
import { checkDuty, checkRpm, type Fan } from './fan.js';

export const FAN_CTRL = { RPS: [0x0, 0x4, 0x8, 0xc], PWM: 0x10 } as const;

export class UioFan implements Fan {
  constructor(
    readonly name: string,
    private readonly regs: RegisterWindow,
    /** Tach input 1–4. */
    private readonly index: number,
  ) {
    if (!Number.isInteger(index) || index < 1 || index > 4) throw new RangeError(`fan controller tach ${index} is outside 1..4`);
  }

  async setDuty(percent: number): Promise<void> {
    this.regs.write32(FAN_CTRL.PWM, Math.round(checkDuty(percent)));
  }

  async readRpm(): Promise<number> {
    return checkRpm(this.name, (this.regs.read32(FAN_CTRL.RPS[this.index - 1]!) & 0xff) * 60);
  }
}
