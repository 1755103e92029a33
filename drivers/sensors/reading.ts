// What every sensor driver returns or throws: a validated number, or a SensorError that safety
// treats as "unknown" (fans 100 %, three in a row ⇒ shutdown). A driver never hands back a number
// it could not check.
import { BusError } from '../transport/bus.js';

export type SensorFault =
  | 'no-reply' /** the device did not answer (NACK, bus error, timeout) */
  | 'implausible' /** it answered with a value outside what the physics allows */
  | 'open-circuit' /** the device reports its remote diode open or shorted */
  | 'unknown-device'; /** identification registers name a different chip */

export class SensorError extends Error {
  override readonly name = 'SensorError';
  constructor(
    readonly sensor: string,
    readonly fault: SensorFault,
    message: string,
  ) {
    super(`${sensor}: ${message}`);
  }
}

/** Range a miner's temperature can physically take; anything outside is a broken reading. */
export const TEMPERATURE_RANGE = { min: -40, max: 150 } as const;

export function checkTemperature(sensor: string, celsius: number): number {
  if (!Number.isFinite(celsius) || celsius < TEMPERATURE_RANGE.min || celsius > TEMPERATURE_RANGE.max) {
    throw new SensorError(sensor, 'implausible', `temperature ${celsius} °C is outside ${TEMPERATURE_RANGE.min}..${TEMPERATURE_RANGE.max} °C`);
  }
  return celsius;
}

export function checkRange(sensor: string, what: string, value: number, min: number, max: number, unit: string): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new SensorError(sensor, 'implausible', `${what} ${value} ${unit} is outside ${min}..${max} ${unit}`);
  }
  return value;
}

/** Runs one bus access; a BusError becomes SensorError('no-reply') naming the sensor. */
export async function onBus<T>(sensor: string, access: () => Promise<T>): Promise<T> {
  try {
    return await access();
  } catch (e) {
    if (e instanceof BusError) throw new SensorError(sensor, 'no-reply', e.message);
    throw e;
  }
}

/** A temperature source as safety sees it. `read` resolves to °C or rejects with SensorError. */
export interface TemperatureSensor {
  readonly name: string;
  /** chip: a hashing chip's diode; board: the PCB; vr: the voltage regulator. */
  readonly location: 'chip' | 'board' | 'vr';
  read(): Promise<number>;
}

/** SMBus words arrive low byte first; chips that send MSB first need this. */
export function swap16(word: number): number {
  return ((word & 0xff) << 8) | ((word >> 8) & 0xff);
}
