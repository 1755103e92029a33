// The EMC2101's fan output: direct duty through the fan setting register (0–63) and the tach
// count (RPM = 5 400 000 / count; 0xFFFF = no pulses, stopped).
import { Emc2101, EMC2101_REG } from '../sensors/emc2101.js';
import { onBus } from '../sensors/reading.js';
import { checkDuty, checkRpm, type Fan } from './fan.js';

export const EMC2101_FAN_STEPS = 63;
export const EMC2101_TACH_STOPPED = 0xffff;
const CONFIG_TACH_INPUT = 0x04;
// Fan config 0x4A: bit 5 = duty from the fan setting register, bits 1:0 = PWM clock range; 0x23 is
// the value ESP-Miner runs Bitaxe fans with. Bit 4 inverts the PWM polarity.
const FAN_CONFIG_DIRECT = 0x23;
const FAN_CONFIG_INVERT = 0x10;

export class Emc2101Fan implements Fan {
  readonly name: string;
  private initialised = false;
  constructor(
    private readonly chip: Emc2101,
    name?: string,
    /** For boards whose PWM is active low. */
    private readonly invert = false,
  ) {
    this.name = name ?? `${chip.name} fan`;
  }

  /** Enables the tach input and direct duty control; setDuty does it first if nobody has. */
  async init(): Promise<void> {
    const { bus, address } = this.chip;
    await onBus(this.name, () => bus.writeByte(address, EMC2101_REG.config, CONFIG_TACH_INPUT));
    await onBus(this.name, () => bus.writeByte(address, EMC2101_REG.fanConfig, FAN_CONFIG_DIRECT | (this.invert ? FAN_CONFIG_INVERT : 0)));
    this.initialised = true;
  }

  async setDuty(percent: number): Promise<void> {
    if (!this.initialised) await this.init();
    const step = Math.round((checkDuty(percent) / 100) * EMC2101_FAN_STEPS);
    await onBus(this.name, () => this.chip.bus.writeByte(this.chip.address, EMC2101_REG.fanSetting, step));
  }

  async readRpm(): Promise<number> {
    // LSB first: reading it latches the MSB, so the pair is consistent.
    const lo = await onBus(this.name, () => this.chip.bus.readByte(this.chip.address, EMC2101_REG.tachLow));
    const hi = await onBus(this.name, () => this.chip.bus.readByte(this.chip.address, EMC2101_REG.tachHigh));
    const count = (hi << 8) | lo;
    if (count === EMC2101_TACH_STOPPED) return 0;
    return checkRpm(this.name, Math.round(5_400_000 / count));
  }
}
