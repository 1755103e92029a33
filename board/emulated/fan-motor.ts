// A 4-pin fan: PWM duty in, tach speed out. The speed follows the duty with a short spin-up lag;
// faults: stopped (seized rotor, unplugged), or a tach that reads zero while it turns is not
// modelled — a stopped fan is the failure that matters.
import type { EmulatedClock } from './clock.js';
import { checkDuty, checkRpm, type Fan } from '../../drivers/fans/fan.js';

export class FanMotor {
  private duty = 0;
  private rpm = 0;
  private last: number;
  /** Fault: the rotor does not turn whatever the duty. */
  stopped = false;

  constructor(
    private readonly clock: EmulatedClock,
    readonly maxRpm = 6000,
    /** Time constant of spin-up and spin-down, emulated ms. */
    private readonly lagMs = 300,
    /** Below this duty a fan stalls. */
    private readonly stallDuty = 5,
  ) {
    this.last = clock.now();
  }

  private advance(): void {
    const now = this.clock.now();
    const dt = now - this.last;
    this.last = now;
    const target = this.stopped || this.duty < this.stallDuty ? 0 : (this.maxRpm * this.duty) / 100;
    this.rpm = target + (this.rpm - target) * Math.exp(-dt / this.lagMs);
    if (this.stopped) this.rpm = 0;
  }

  setDuty(percent: number): void {
    this.advance();
    this.duty = Math.max(0, Math.min(100, percent));
  }

  getDuty(): number {
    return this.duty;
  }

  speed(): number {
    this.advance();
    return this.rpm;
  }

  /** Share of full airflow, 0..1. */
  airflow(): number {
    return this.speed() / this.maxRpm;
  }
}

/** A fan on a control board's own PWM and tach (S9, S19), seen through the Fan interface. */
export class EmulatedPwmFan implements Fan {
  /** Fault: the tach line picks up noise and reports an impossible speed. */
  tachNonsense = false;
  constructor(
    readonly name: string,
    readonly motor: FanMotor,
  ) {}
  async setDuty(percent: number): Promise<void> {
    this.motor.setDuty(checkDuty(percent));
  }
  async readRpm(): Promise<number> {
    return checkRpm(this.name, this.tachNonsense ? 99_999 : Math.round(this.motor.speed()));
  }
}
