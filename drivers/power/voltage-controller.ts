// What safety and bring-up need from any hashboard power stage (S9 PIC, TPS546 PMBus buck,
// DS4432U-trimmed buck): a voltage, an on/off switch and, where the part demands it, a keep-alive.

export class PowerError extends Error {
  override readonly name = 'PowerError';
  constructor(
    readonly controller: string,
    message: string,
  ) {
    super(`${controller}: ${message}`);
  }
}

export interface VoltageController {
  readonly name: string;
  /** Allowed output range, volts; setVoltage refuses anything outside it. */
  readonly range: { readonly min: number; readonly max: number };
  setVoltage(volts: number): Promise<void>;
  /** Switches the DC-DC output. enable(false) must be safe to call at any time, repeatedly. */
  enable(on: boolean): Promise<void>;
  /** The keep-alive period in ms the controller needs (S9 PIC: 1000), or null if it needs none. */
  readonly heartbeatMs: number | null;
  heartbeat(): Promise<void>;
}

export function checkVoltage(c: { name: string; range: { min: number; max: number } }, volts: number): number {
  if (!Number.isFinite(volts) || volts < c.range.min || volts > c.range.max) {
    throw new PowerError(c.name, `voltage ${volts} V is outside ${c.range.min}..${c.range.max} V`);
  }
  return volts;
}
