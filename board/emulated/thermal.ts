// Heat on one hashboard: a first-order model. Power in (voltage on × hashing load, plus leakage
// whenever powered) raises the temperature above ambient by P × R, where R falls from still air to
// full airflow with the square of the missing airflow (the last fan percent matters least); the
// temperature approaches that steady state with time constant tau. The chip diodes
// sit above the PCB by the chips' own resistance to the heatsink.
import type { EmulatedClock } from './clock.js';

export interface ThermalParams {
  ambient: number;
  /** Board-to-air resistance at full airflow and in still air, K/W. */
  rFullAirflow: number;
  rStillAir: number;
  /** Chip-diode-to-board resistance, K/W. */
  rChip: number;
  /** Time constant, emulated seconds. */
  tauS: number;
  /** Dissipation while powered but not hashing, W. */
  idleW: number;
}

/** An S9 hashboard: ~450 W hashing; chips ~70 °C at full fans in 25 °C air, 89 °C at ~75 % airflow. */
export const S9_THERMAL: ThermalParams = { ambient: 25, rFullAirflow: 0.065, rStillAir: 0.6, rChip: 0.03, tauS: 60, idleW: 40 };

export class ThermalZone {
  private board: number;
  private last: number;
  private power = 0;
  private airflow = 1;
  /** Fault: heat with no cause the agent can see (a blocked heatsink, a hot room), W. */
  extraW = 0;

  constructor(
    private readonly clock: EmulatedClock,
    readonly params: ThermalParams,
  ) {
    this.board = params.ambient;
    this.last = clock.now();
  }

  private resistance(airflow: number): number {
    const { rFullAirflow: full, rStillAir: still } = this.params;
    const missing = 1 - Math.max(0, Math.min(1, airflow));
    return full + (still - full) * missing * missing;
  }

  private steady(): number {
    return this.params.ambient + (this.power + this.extraW) * this.resistance(this.airflow);
  }

  /** Integrates up to now with the inputs that held since the last call. */
  private advance(): void {
    const now = this.clock.now();
    const dt = (now - this.last) / 1000;
    this.last = now;
    const ss = this.steady();
    this.board = ss + (this.board - ss) * Math.exp(-dt / this.params.tauS);
  }

  /** Called whenever power or airflow may have changed, before and after. */
  update(powerW: number, airflow: number): void {
    this.advance();
    this.power = powerW;
    this.airflow = airflow;
  }

  setExtraHeat(watts: number): void {
    this.advance();
    this.extraW = watts;
  }

  boardTemp(): number {
    this.advance();
    return this.board;
  }

  chipTemp(): number {
    return this.boardTemp() + this.power * this.params.rChip;
  }
}
