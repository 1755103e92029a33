import { describe, expect, it } from 'vitest';
import {
  INITIAL_POLICY_STATE,
  checkSafetyConfig,
  clearLatch,
  decide,
  type PolicyInput,
  type PolicyState,
  type Reading,
  type SafetyConfig,
} from '../../agent/safety/policy.js';

const C: SafetyConfig = {
  mode: 'auto',
  targetTemp: 89,
  hotTemp: 100,
  dangerousTemp: 110,
  boardDangerousTemp: 90,
  vrDangerousTemp: 105,
  fanSpeed: 70,
  minFans: 2,
  minDuty: 20,
  badReadingLimit: 3,
  fanFailLimit: 3,
};
const chip = (celsius: number, sensor = 'chain6-chip'): Reading => ({ sensor, location: 'chip', celsius });
const board = (celsius: number): Reading => ({ sensor: 'chain6-pcb', location: 'board', celsius });
const bad = (sensor = 'chain6-chip', pending = false): Reading => ({ sensor, location: 'chip', error: 'implausible', pending });
const FANS = [
  { fan: 'fan1', rpm: 4000 },
  { fan: 'fan2', rpm: 4100 },
];
const input = (readings: Reading[], over: Partial<PolicyInput> = {}): PolicyInput => ({ dtMs: 1000, readings, fans: FANS, fansExpected: true, ...over });

function run(cfg: SafetyConfig, inputs: PolicyInput[], s: PolicyState = INITIAL_POLICY_STATE) {
  const out = [];
  for (const i of inputs) {
    const d = decide(cfg, s, i);
    s = d.state;
    out.push(d);
  }
  return out;
}

describe('safety policy: temperatures', () => {
  it('regulates towards target: cool ⇒ minimum duty, warmer ⇒ more, and the integral keeps pushing above target', () => {
    const [cool] = run(C, [input([chip(60), board(50)])]);
    expect(cool!.duty).toBe(20);
    expect(cool!.shutdown).toBeNull();
    const above = run(C, Array.from({ length: 10 }, () => input([chip(94)])));
    expect(above[0]!.duty).toBeGreaterThan(20 + 5 * 5 - 1);
    expect(above[9]!.duty).toBeGreaterThan(above[0]!.duty); // integral grows while above target
    const below = run(C, [input([chip(80)])], above[9]!.state);
    expect(below[0]!.duty).toBeLessThan(above[9]!.duty);
  });

  it('hot ⇒ fans 100 %, no shutdown', () => {
    const [d] = run(C, [input([chip(101)])]);
    expect(d!.duty).toBe(100);
    expect(d!.shutdown).toBeNull();
    expect(d!.alarms.join()).toMatch(/hot/);
    expect(run(C, [input([chip(70), board(81)])])[0]!.duty).toBe(100); // board within 10 °C of its limit
  });

  it('dangerous ⇒ shutdown at once, latched until an explicit clear', () => {
    const ds = run(C, [input([chip(95)]), input([chip(110.5)]), input([chip(60)]), input([chip(60)])]);
    expect(ds[0]!.shutdown).toBeNull();
    expect(ds[1]!.shutdown).toMatchObject({ kind: 'overheat', sensor: 'chain6-chip', limit: 110 });
    expect(ds[1]!.newShutdown).toBe(true);
    expect(ds[2]!.shutdown?.kind).toBe('overheat'); // cool again, still latched
    expect(ds[2]!.newShutdown).toBe(false);
    expect(ds[3]!.duty).toBe(100);
    const after = decide(C, clearLatch(ds[3]!.state), input([chip(60)]));
    expect(after.shutdown).toBeNull();
    expect(after.duty).toBe(20);
  });

  it('board and VR have their own dangerous limits', () => {
    expect(run(C, [input([chip(70), board(90)])])[0]!.shutdown).toMatchObject({ kind: 'overheat', sensor: 'chain6-pcb', limit: 90 });
    expect(run(C, [input([chip(70), { sensor: 'vr', location: 'vr', celsius: 106 }])])[0]!.shutdown?.kind).toBe('overheat');
  });

  it('unknown ⇒ fans 100 %; three bad readings in a row ⇒ shutdown; a good one resets the count', () => {
    const ds = run(C, [input([bad(), board(50)]), input([bad(), board(50)]), input([chip(70), board(50)]), input([bad()]), input([bad()]), input([bad()])]);
    expect(ds.map((d) => d.duty)).toEqual([100, 100, expect.any(Number), 100, 100, 100]);
    expect(ds[2]!.duty).toBeLessThan(100);
    expect(ds.slice(0, 5).every((d) => d.shutdown === null)).toBe(true);
    expect(ds[5]!.shutdown).toMatchObject({ kind: 'sensor-failure', sensor: 'chain6-chip', detail: 'implausible' });
  });

  it('a sensor not available yet (chain still starting) keeps fans at 100 % but never shuts down', () => {
    const ds = run(C, Array.from({ length: 6 }, () => input([bad('chain6-chip', true), board(40)])));
    expect(ds.every((d) => d.duty === 100 && d.shutdown === null)).toBe(true);
  });

  it('no sensors at all ⇒ fans 100 %', () => {
    expect(run(C, [input([])])[0]!.duty).toBe(100);
  });

  it('manual mode holds the fan speed, but hot and unknown still force 100 %', () => {
    const M = { ...C, mode: 'manual' as const };
    expect(run(M, [input([chip(95)])])[0]!.duty).toBe(70);
    expect(run(M, [input([chip(100)])])[0]!.duty).toBe(100);
    expect(run(M, [input([bad()])])[0]!.duty).toBe(100);
    expect(run(M, [input([chip(111)])])[0]!.shutdown?.kind).toBe('overheat');
  });
});

describe('safety policy: fans', () => {
  it('fewer than min_fans spinning for three polls ⇒ shutdown; an unreadable tach counts as stopped', () => {
    const one = [{ fan: 'fan1', rpm: 4000 }, { fan: 'fan2', rpm: null }];
    const ds = run(C, [input([chip(70)], { fans: one }), input([chip(70)], { fans: one }), input([chip(70)], { fans: one })]);
    expect(ds[0]!.duty).toBe(100);
    expect(ds[1]!.shutdown).toBeNull();
    expect(ds[2]!.shutdown).toEqual({ kind: 'fans', spinning: 1, required: 2 });
  });

  it('stopped fans during spin-up are not a failure', () => {
    const still = [{ fan: 'fan1', rpm: 0 }, { fan: 'fan2', rpm: 0 }];
    const ds = run(C, Array.from({ length: 5 }, () => input([chip(40)], { fans: still, fansExpected: false })));
    expect(ds.every((d) => d.shutdown === null)).toBe(true);
  });

  it('min_fans 0 (no fan control) never trips', () => {
    const ds = run({ ...C, minFans: 0 }, Array.from({ length: 5 }, () => input([chip(40)], { fans: [] })));
    expect(ds.every((d) => d.shutdown === null)).toBe(true);
  });
});

describe('safety config', () => {
  it('needs target < hot < dangerous', () => {
    expect(checkSafetyConfig(C)).toBeNull();
    expect(checkSafetyConfig({ ...C, hotTemp: 120 })).toMatch(/hot_temp \(120\) < dangerous_temp \(110\)/);
  });
});
