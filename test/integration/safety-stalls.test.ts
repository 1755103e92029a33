// Faults that really fault: parts whose transactions never complete (a PIC or sensor holding the
// bus, a stopHashing hook that never returns) rather than ones that fail at once. Every timeout in
// the shutdown path runs here, and the cut-off still comes within 2 s: voltage off on every chain
// that can take it, every reset held — a hung power controller delays neither its own chain's
// reset nor any other chain. And a shutdown that latches while a chain is coming up keeps it down.
import { afterEach, describe, expect, it } from 'vitest';
import { openBoard, type BoardHardware } from '../../board/open.js';
import { emulatedAntminerS9 } from '../../board/emulated-boards.js';
import { SafetyController, type SafetyEvent } from '../../agent/safety/controller.js';
import { safetyConfigFor } from '../../agent/safety/policy.js';
import { BringUpError, bringUp } from '../../agent/safety/bring-up.js';

const SCALE = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function s9(o: { stopHashing?: () => void | Promise<void>; readTimeoutMs?: number } = {}) {
  const hw: BoardHardware = await openBoard(emulatedAntminerS9, {
    // PIC dead-man at 60 s emulated (3 s real): heartbeats never decide these tests.
    emulation: { timeScale: SCALE, picBootMs: 500, picTimeoutMs: 60_000 },
    picTiming: { retries: 3, retryDelayMs: 1, resetDelayMs: 500 / SCALE + 5, heartbeatMs: 1000 / SCALE },
  });
  cleanups.push(() => hw.close());
  const events: SafetyEvent[] = [];
  const safety = new SafetyController(hw, safetyConfigFor(emulatedAntminerS9.limits), { pollMs: 100, fanSpinUpMs: 300, readTimeoutMs: o.readTimeoutMs ?? 100, heartbeatWarnMs: 10_000, heartbeatLostMs: 60_000 }, {
    onEvent: (e) => events.push(e),
    ...(o.stopHashing ? { stopHashing: o.stopHashing } : {}),
  });
  cleanups.push(() => safety.stop());
  safety.start();
  return { hw, board: hw.emulated!, safety, events };
}

const chains = [6, 7, 8];

describe('stalled parts in the shutdown path', () => {
  it('a PIC whose "off" never completes: every other chain off, every reset held (its own too) within 2 s of the overheat', async () => {
    const { hw, board, safety, events } = await s9();
    await bringUp(hw, safety, { chains: chains.map((index) => ({ index, voltage: 8.8 })), minFans: 1 });
    expect(chains.every((c) => board.isPowered(c))).toBe(true);
    board.powerControllerStall(7);
    board.addHeat(6, 15_000);
    const t0 = performance.now();
    while (safety.latched === null && performance.now() - t0 < 20_000) await sleep(5);
    const latched = performance.now();
    // Overheat (or, should the reading jump past what a sensor can read, the implausible-reading rule).
    expect(['overheat', 'sensor-failure'], JSON.stringify(safety.latched)).toContain(safety.latched?.kind);
    while (!([6, 8].every((c) => !board.isPowered(c)) && chains.every((c) => board.inReset(c))) && performance.now() - latched < 3000) await sleep(5);
    expect(performance.now() - latched).toBeLessThan(2000);
    expect([6, 8].every((c) => !board.isPowered(c))).toBe(true);
    expect(chains.every((c) => board.inReset(c))).toBe(true);
    // The hung step is reported, not waited for.
    await safety.settled();
    expect(events.some((e) => e.type === 'shutdown-step-failed' && e.step === 'chain 7 voltage off' && /no answer in \d+ ms/.test(e.error))).toBe(true);
  });

  it('a stopHashing hook that never returns: the voltage goes regardless, within 2 s', async () => {
    let calls = 0;
    const { hw, board, safety, events } = await s9({ stopHashing: () => (calls++, new Promise<void>(() => undefined)) });
    await bringUp(hw, safety, { chains: chains.map((index) => ({ index, voltage: 8.8 })), minFans: 1 });
    const t0 = performance.now();
    await safety.shutdown({ kind: 'operator', detail: 'test' });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(calls).toBe(1);
    expect(chains.every((c) => !board.isPowered(c) && board.inReset(c))).toBe(true);
    expect(events.some((e) => e.type === 'shutdown-step-failed' && e.step === 'stop hashing')).toBe(true);
  });

  it('power-down on exit with a hung PIC: bounded, the others off, every reset held, reported as not all off', async () => {
    const { hw, board, safety } = await s9();
    await bringUp(hw, safety, { chains: chains.map((index) => ({ index, voltage: 8.8 })), minFans: 1 });
    board.powerControllerStall(8);
    const t0 = performance.now();
    const allOff = await safety.powerDown();
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(allOff).toBe(false);
    expect([6, 7].every((c) => !board.isPowered(c))).toBe(true);
    expect(chains.every((c) => board.inReset(c))).toBe(true);
  });

  it('a sensor whose read never completes counts as failing: fans 100 %, then the shutdown', async () => {
    const { hw, board, safety, events } = await s9();
    await bringUp(hw, safety, { chains: chains.map((index) => ({ index, voltage: 8.8 })), minFans: 1 });
    const sensor = emulatedAntminerS9.sensors.find((s) => s.location === 'board')!.name;
    board.sensorStall(sensor);
    const t0 = performance.now();
    while (safety.latched === null && performance.now() - t0 < 5000) await sleep(10);
    expect(safety.latched, JSON.stringify(safety.latched)).toMatchObject({
      kind: 'sensor-failure',
      // The TMP451 holds the board (local) and chip (remote) readings of the chain: either may go first.
      sensor: expect.stringMatching(new RegExp(`^${sensor.split('-')[0]}-`)),
      detail: expect.stringMatching(/no answer in 100 ms/),
    });
    await safety.settled();
    expect(chains.every((c) => !board.isPowered(c) && board.inReset(c))).toBe(true);
    expect(events.find((e) => e.type === 'alarm')).toBeDefined();
  });
});

describe('a shutdown racing bring-up', () => {
  it('latched while chain 7 is being initialised: chain 7 is never released from reset, nothing is powered again', async () => {
    const { hw, board, safety } = await s9();
    const during: boolean[] = [];
    const up = bringUp(hw, safety, {
      chains: chains.map((index) => ({ index, voltage: 8.8 })),
      minFans: 1,
      initChain: async (c) => {
        if (c.index !== 7) return;
        // The operator (or the policy) shuts the board down while chain 7 initialises.
        await safety.shutdown({ kind: 'operator', detail: 'while chain 7 ramps' });
        during.push(board.isPowered(7));
        await sleep(200);
      },
    });
    await expect(up).rejects.toThrow(BringUpError);
    expect(during).toEqual([false]);
    await sleep(300);
    expect(chains.every((c) => !board.isPowered(c) && board.inReset(c))).toBe(true);
  });

  it('a stop signal (abort) during bring-up: bring-up ends at its next step and powers nothing more', async () => {
    const { hw, board, safety } = await s9();
    const abort = new AbortController();
    const seen: number[] = [];
    const up = bringUp(hw, safety, {
      chains: chains.map((index) => ({ index, voltage: 8.8 })),
      minFans: 1,
      signal: abort.signal,
      initChain: async (c) => {
        seen.push(c.index);
        if (c.index === 6) {
          abort.abort(new Error('SIGTERM'));
          await safety.powerDown();
        }
      },
    });
    await expect(up).rejects.toThrow(/stopped during bring-up/);
    expect(seen).toEqual([6]);
    await sleep(300);
    expect(chains.every((c) => !board.isPowered(c) && board.inReset(c))).toBe(true);
  });
});
