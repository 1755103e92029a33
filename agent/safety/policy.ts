// The safety rules as a pure function: readings in, fan duty and shutdown decision out. No timers,
// no I/O, so every rule is testable by itself. The rules (digest §4, bOSminer/bmminer/ESP-Miner):
// - any temperature at or above its location's dangerous limit ⇒ shutdown;
// - a sensor that fails `badReadingLimit` polls in a row ⇒ shutdown; any unknown reading ⇒ fans 100 %;
// - a chip at or above hot (board/VR within HOT_MARGIN of their limit) ⇒ fans 100 %;
// - fewer than minFans spinning for `fanFailLimit` polls while they should ⇒ shutdown;
// - otherwise fans regulate the hottest chip towards target (PI), or hold the manual speed;
// - a shutdown latches: duty 100 % and no restart until an explicit clear.
import type { SafeLimits } from '../../board/types.js';

export type Location = 'chip' | 'board' | 'vr';

export type Reading =
  | { sensor: string; location: Location; celsius: number }
  /** `pending`: the sensor cannot answer yet (its chain is not up): unknown, but not a failure. */
  | { sensor: string; location: Location; error: string; pending: boolean };

export interface FanReading {
  fan: string;
  /** null when the tach could not be read. */
  rpm: number | null;
}

export interface SafetyConfig {
  /** auto: fans regulate towards target; manual and disabled: fans hold fanSpeed. The limits apply in every mode. */
  mode: 'auto' | 'manual' | 'disabled';
  targetTemp: number;
  hotTemp: number;
  dangerousTemp: number;
  boardDangerousTemp: number;
  vrDangerousTemp: number;
  /** Fixed duty in manual/disabled mode, %. */
  fanSpeed: number;
  minFans: number;
  /** Lowest duty auto mode goes to, %. */
  minDuty: number;
  badReadingLimit: number;
  fanFailLimit: number;
}

export const SAFETY_DEFAULTS = { minDuty: 20, badReadingLimit: 3, fanFailLimit: 3 } as const;

/** A board's own limits as a SafetyConfig (what agent.toml's defaults give), with changes. */
export function safetyConfigFor(limits: SafeLimits, changes: Partial<SafetyConfig> = {}): SafetyConfig {
  return {
    mode: 'auto',
    targetTemp: limits.targetTemp,
    hotTemp: limits.hotTemp,
    dangerousTemp: limits.dangerousTemp,
    boardDangerousTemp: limits.boardDangerousTemp,
    vrDangerousTemp: limits.vrDangerousTemp,
    fanSpeed: 100,
    minFans: limits.minFans,
    ...SAFETY_DEFAULTS,
    ...changes,
  };
}
/** Board and VR sensors count as hot this far below their dangerous limit. */
export const HOT_MARGIN = 10;
/** A fan below this speed is not spinning. */
export const SPINNING_RPM = 300;
/** PI gains: % per K, % per K·s (ESP-Miner's fan PID uses P 5, I 0.1). */
export const FAN_KP = 5;
export const FAN_KI = 0.1;

export type ShutdownReason =
  | { kind: 'overheat'; sensor: string; celsius: number; limit: number }
  | { kind: 'sensor-failure'; sensor: string; detail: string }
  | { kind: 'fans'; spinning: number; required: number }
  | { kind: 'power'; detail: string }
  | { kind: 'operator'; detail: string };

export function describeShutdown(r: ShutdownReason): string {
  switch (r.kind) {
    case 'overheat':
      return `${r.sensor} at ${r.celsius.toFixed(1)} °C reached the dangerous limit ${r.limit} °C`;
    case 'sensor-failure':
      return `${r.sensor} failed repeatedly: ${r.detail}`;
    case 'fans':
      return `${r.spinning} fan(s) spinning, ${r.required} required`;
    case 'power':
    case 'operator':
      return r.detail;
  }
}

export interface PolicyState {
  latched: ShutdownReason | null;
  badStreaks: Readonly<Record<string, number>>;
  fanFailStreak: number;
  integral: number;
}

export const INITIAL_POLICY_STATE: PolicyState = { latched: null, badStreaks: {}, fanFailStreak: 0, integral: 0 };

export interface PolicyInput {
  /** Time since the previous decision, ms (for the integral term). */
  dtMs: number;
  readings: readonly Reading[];
  fans: readonly FanReading[];
  /** The fans have had their spin-up time and are commanded to turn: a stopped one is a failure. */
  fansExpected: boolean;
}

export interface Decision {
  duty: number;
  /** Set when hashing must be (or stay) off; `latched` says it already was. */
  shutdown: ShutdownReason | null;
  newShutdown: boolean;
  alarms: string[];
  hottestChip: number | null;
  state: PolicyState;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

function dangerLimit(c: SafetyConfig, l: Location): number {
  return l === 'chip' ? c.dangerousTemp : l === 'board' ? c.boardDangerousTemp : c.vrDangerousTemp;
}
function hotLimit(c: SafetyConfig, l: Location): number {
  return l === 'chip' ? c.hotTemp : dangerLimit(c, l) - HOT_MARGIN;
}

export function decide(c: SafetyConfig, s: PolicyState, input: PolicyInput): Decision {
  const alarms: string[] = [];
  let shutdown: ShutdownReason | null = null;
  let forceFull = false;

  // Temperatures.
  const badStreaks: Record<string, number> = {};
  let hottestChip: number | null = null;
  for (const r of input.readings) {
    if ('celsius' in r) {
      badStreaks[r.sensor] = 0;
      if (r.location === 'chip') hottestChip = hottestChip === null ? r.celsius : Math.max(hottestChip, r.celsius);
      const limit = dangerLimit(c, r.location);
      if (r.celsius >= limit) {
        shutdown ??= { kind: 'overheat', sensor: r.sensor, celsius: r.celsius, limit };
      } else if (r.celsius >= hotLimit(c, r.location)) {
        forceFull = true;
        alarms.push(`${r.sensor} hot: ${r.celsius.toFixed(1)} °C`);
      }
    } else if (r.pending) {
      forceFull = true;
      badStreaks[r.sensor] = 0;
      alarms.push(`${r.sensor} not available yet`);
    } else {
      forceFull = true;
      const n = (s.badStreaks[r.sensor] ?? 0) + 1;
      badStreaks[r.sensor] = n;
      alarms.push(`${r.sensor} unknown (${n}/${c.badReadingLimit}): ${r.error}`);
      if (n >= c.badReadingLimit) shutdown ??= { kind: 'sensor-failure', sensor: r.sensor, detail: r.error };
    }
  }
  if (input.readings.length === 0 || !input.readings.some((r) => 'celsius' in r)) {
    forceFull = true;
    if (input.readings.length === 0) alarms.push('no temperature sensors');
  }

  // Fans.
  let fanFailStreak = 0;
  const spinning = input.fans.filter((f) => f.rpm !== null && f.rpm >= SPINNING_RPM).length;
  for (const f of input.fans) if (f.rpm === null) alarms.push(`${f.fan} speed unknown`);
  if (input.fansExpected && spinning < c.minFans) {
    fanFailStreak = s.fanFailStreak + 1;
    alarms.push(`${spinning} of ${c.minFans} required fans spinning (${fanFailStreak}/${c.fanFailLimit})`);
    forceFull = true;
    if (fanFailStreak >= c.fanFailLimit) shutdown ??= { kind: 'fans', spinning, required: c.minFans };
  }

  // Duty.
  let integral = s.integral;
  let duty: number;
  if (c.mode === 'auto' && hottestChip !== null) {
    const e = hottestChip - c.targetTemp;
    integral = clamp(integral + FAN_KI * e * (input.dtMs / 1000), 0, 100 - c.minDuty);
    duty = clamp(c.minDuty + FAN_KP * e + integral, c.minDuty, 100);
  } else {
    duty = c.fanSpeed;
  }
  if (forceFull) duty = 100;

  const latched = s.latched ?? shutdown;
  if (latched) {
    duty = 100;
    alarms.push(`shut down: ${describeShutdown(latched)}`);
  }
  return {
    duty: Math.round(duty * 10) / 10,
    shutdown: latched,
    newShutdown: s.latched === null && shutdown !== null,
    alarms,
    hottestChip,
    state: { latched, badStreaks, fanFailStreak, integral },
  };
}

/** The operator's explicit clear: streaks and integral restart too. */
export function clearLatch(_s: PolicyState): PolicyState {
  return INITIAL_POLICY_STATE;
}

/** Whether a config's limits are ordered as the rules need. */
export function checkSafetyConfig(c: SafetyConfig): string | null {
  if (!(c.targetTemp < c.hotTemp && c.hotTemp < c.dangerousTemp)) return `target_temp (${c.targetTemp}) < hot_temp (${c.hotTemp}) < dangerous_temp (${c.dangerousTemp}) must hold`;
  if (c.fanSpeed < 0 || c.fanSpeed > 100) return `fan speed ${c.fanSpeed} % is outside 0..100`;
  return null;
}
