// A fan as safety sees it: a duty it can be told and a speed it reports. Several Fan objects may
// share one PWM output (the S9's fans do); each keeps its own tachometer.
import { checkRange } from '../sensors/reading.js';

export interface Fan {
  readonly name: string;
  /** 0–100 %. */
  setDuty(percent: number): Promise<void>;
  /** Measured speed in RPM (0 = stopped); rejects with SensorError when it cannot be measured. */
  readRpm(): Promise<number>;
}

/** Fastest a miner fan turns (the S9 fan IP's ceiling is 15 300 RPM); above it a tach is lying. */
export const MAX_PLAUSIBLE_RPM = 30_000;
/** Below this a fan counts as stopped. */
export const STOPPED_RPM = 300;

export function checkRpm(fan: string, rpm: number): number {
  return checkRange(fan, 'speed', rpm, 0, MAX_PLAUSIBLE_RPM, 'RPM');
}

export function checkDuty(percent: number): number {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw new RangeError(`fan duty ${percent} % is outside 0..100`);
  return percent;
}
