// The safety scenarios on emulated boards, real timers: the drivers talk to the emulated
// parts over the emulated buses (and, for the Bitaxe, through the bitaxe-raw tunnel).
import { afterEach, describe, expect, it } from 'vitest';
import { openBoard, type BoardHardware } from '../../board/open.js';
import { emulatedAntminerS9, emulatedBitaxeGamma, emulatedGekkoCompacF } from '../../board/emulated-boards.js';
import type { BoardDefinition } from '../../board/types.js';
import type { EmulatedPwmFan } from '../../board/emulated/fan-motor.js';
import { SafetyController, type SafetyEvent } from '../../agent/safety/controller.js';
import { safetyConfigFor, type SafetyConfig } from '../../agent/safety/policy.js';
import { BringUpError, bringUp } from '../../agent/safety/bring-up.js';
import { ProcessGuard } from '../../agent/safety/process-guard.js';

const SCALE = 20; // emulated ms per real ms: a minute of heating takes three seconds
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 8000, stepMs = 5): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
  return performance.now();
}

interface Rig {
  hw: BoardHardware;
  safety: SafetyController;
  events: (SafetyEvent & { at: number; duty: number })[];
  stopHashingCalls: number;
  board: NonNullable<BoardHardware['emulated']>;
}

let rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs) {
    r.safety.stop();
    await r.hw.close();
  }
  rigs = [];
});

const fanDuty = (hw: BoardHardware) => Math.min(...hw.fans.map((f) => ('motor' in f ? (f as EmulatedPwmFan).motor.getDuty() : 100)));

interface RigOptions {
  bring?: boolean;
  scale?: number;
  pollMs?: number;
  picRetries?: number;
  picRetryDelayMs?: number;
  /** The PIC's dead-man timeout, emulated ms. Default 60 s, so that a loaded machine's stall of
   * half a second (10 emulated s) cannot cut a board (audit 4.5); the dead-man tests ask for the
   * real part's 10 s. */
  picTimeoutMs?: number;
}

async function rig(def: BoardDefinition, over: Partial<SafetyConfig> = {}, o: RigOptions = {}): Promise<Rig> {
  const { bring = true, scale = SCALE, pollMs = 100 } = o;
  const hw = await openBoard(def, {
    emulation: { timeScale: scale, picBootMs: 500, picTimeoutMs: o.picTimeoutMs ?? 60_000 },
    picTiming: { retries: o.picRetries ?? 3, retryDelayMs: o.picRetryDelayMs ?? 1, resetDelayMs: 500 / scale + 5, heartbeatMs: 1000 / scale },
  });
  const r: Rig = { hw, safety: undefined as unknown as SafetyController, events: [], stopHashingCalls: 0, board: hw.emulated! };
  const cfg = safetyConfigFor(def.limits, over);
  r.safety = new SafetyController(hw, cfg, { pollMs, fanSpinUpMs: 300, heartbeatWarnMs: 3000 / scale, heartbeatLostMs: 12_000 / scale, policyClock: () => hw.emulated!.clock.now() }, {
    stopHashing: () => void r.stopHashingCalls++,
    onEvent: (e) => r.events.push({ ...e, at: performance.now(), duty: fanDuty(hw) }),
  });
  rigs.push(r);
  r.safety.start();
  if (bring) {
    const up = await bringUp(hw, r.safety, { chains: def.chains.map((c) => ({ index: c.index, voltage: def.limits.voltage?.default ?? null })), minFans: cfg.minFans, fanTimeoutMs: 3000 });
    expect(up.every((c) => c.state === 'running')).toBe(true);
    for (const c of def.chains) r.board.setChainLoad(c.index, def.emulation!.chainWatts);
  }
  return r;
}

const allOff = (r: Rig) => r.hw.chains.every((c) => !r.board.isPowered(c.index));

describe('safety on an emulated Antminer S9', () => {
  it('overheat: past dangerous ⇒ hashing stopped and voltage cut within 2 s, fans 100 %, resets held, latched until cleared', async () => {
    const r = await rig(emulatedAntminerS9);
    expect(r.hw.chains.every((c) => r.board.isPowered(c.index) && !r.board.inReset(c.index))).toBe(true);
    await sleep(300);
    expect(r.safety.latched).toBeNull();
    r.board.addHeat(7, 3000); // a blocked heatsink on J7
    // Past dangerous: the chip's 110 °C or the PCB's 90 °C, whichever the heat reaches first.
    const l = emulatedAntminerS9.limits;
    let crossedBy = '';
    const crossed = await waitFor('chain 7 past a dangerous limit', () => {
      if (r.board.chipTemperature(7) >= l.dangerousTemp) crossedBy = 'chain7-chip';
      else if (r.board.boardTemperature(7) >= l.boardDangerousTemp) crossedBy = 'chain7-pcb';
      return crossedBy !== '';
    }, 8000, 1);
    const cut = await waitFor('voltage off everywhere', () => allOff(r), 3000, 1);
    expect(cut - crossed).toBeGreaterThanOrEqual(0);
    expect(cut - crossed).toBeLessThan(2000);
    expect(crossedBy).not.toBe('');
    // Both may be past their limits by the next poll; the policy names the first it reads.
    const latched = r.safety.latched as { kind: string; sensor: string; limit: number };
    expect(latched.kind).toBe('overheat');
    expect(latched.sensor).toMatch(/^chain7-(chip|pcb)$/);
    expect(latched.limit).toBe(latched.sensor === 'chain7-chip' ? l.dangerousTemp : l.boardDangerousTemp);
    expect(r.stopHashingCalls).toBe(1);
    await r.safety.settled();
    expect(r.hw.chains.every((c) => r.board.inReset(c.index))).toBe(true);
    expect(fanDuty(r.hw)).toBe(100);
    expect(r.board.gpio({ kind: 'emulated', name: 'gpio943' }, 'out').value()).toBe(1); // red LED

    // Cooled down, still latched and fans still full, until the explicit clear.
    r.board.addHeat(7, 0);
    await waitFor('chain 7 cool', () => r.board.chipTemperature(7) < 60);
    const d = await r.safety.poll();
    expect(d.shutdown?.kind).toBe('overheat');
    expect(d.duty).toBe(100);
    expect(allOff(r)).toBe(true);
    r.safety.clear();
    expect(r.safety.latched).toBeNull();
    expect((await r.safety.poll()).shutdown).toBeNull();
    expect(allOff(r)).toBe(true); // clearing does not power anything: bring-up does
  });

  it('a fan stops ⇒ fans 100 % at once, then shutdown (min_fans 2)', async () => {
    const r = await rig(emulatedAntminerS9, { minFans: 2 });
    await sleep(300);
    r.board.stopFan('fan2');
    await waitFor('shutdown', () => r.safety.latched !== null, 3000);
    expect(r.safety.latched).toEqual({ kind: 'fans', spinning: 1, required: 2 });
    const alarm = r.events.find((e) => e.type === 'alarm' && /required fans spinning/.test(e.message))!;
    expect(alarm.duty).toBe(100);
    await waitFor('voltage off', () => allOff(r), 2000, 1);
    await r.safety.settled();
    expect(r.hw.chains.every((c) => r.board.inReset(c.index))).toBe(true);
  });

  it('a sensor returns nonsense ⇒ fans 100 %, then after three bad readings the same shutdown', async () => {
    const r = await rig(emulatedAntminerS9);
    await sleep(300);
    const t0 = performance.now();
    r.board.sensorNonsense('chain8-chip');
    await waitFor('shutdown', () => r.safety.latched !== null, 3000);
    expect(r.safety.latched).toMatchObject({ kind: 'sensor-failure', sensor: 'chain8-chip' });
    const first = r.events.find((e) => e.type === 'alarm' && e.message.startsWith('chain8-chip unknown')) as Extract<SafetyEvent, { type: 'alarm' }> & { at: number; duty: number };
    expect(first.message).toMatch(/outside -40\.\.150 °C/);
    expect(first.duty).toBe(100);
    const shut = r.events.find((e) => e.type === 'shutdown')!;
    expect(shut.at - first.at).toBeGreaterThanOrEqual(150); // two more polls at 100 ms
    expect(shut.at - t0).toBeLessThan(1500);
    await waitFor('voltage off', () => allOff(r), 2000, 1);
  });

  it('a sensor stops answering ⇒ the same, with the bus error as the reason', async () => {
    const r = await rig(emulatedAntminerS9);
    await sleep(200);
    r.board.sensorSilent('chain6-pcb');
    await waitFor('shutdown', () => r.safety.latched !== null, 3000);
    expect(r.safety.latched).toMatchObject({ kind: 'sensor-failure' });
    expect(JSON.stringify(r.safety.latched)).toMatch(/no ACK/);
    await waitFor('voltage off', () => allOff(r), 2000, 1);
  });

  it('PIC heartbeat missing ⇒ detected and reported before the PIC cuts the board; the chain is disabled, the others keep running', async () => {
    const r = await rig(emulatedAntminerS9, {}, { picTimeoutMs: 10_000 });
    await sleep(300);
    const t0 = performance.now();
    r.board.powerControllerSilent(7);
    await waitFor('heartbeat-missing', () => r.events.some((e) => e.type === 'heartbeat-missing'), 3000);
    const missing = r.events.find((e) => e.type === 'heartbeat-missing')!;
    expect(missing).toMatchObject({ chain: 7 });
    expect(r.board.isPowered(7)).toBe(true); // reported while the PIC still holds the board up
    const cutByPic = await waitFor('the PIC cuts chain 7', () => !r.board.isPowered(7), 3000, 1);
    expect(cutByPic - t0).toBeGreaterThan(8000 / SCALE); // the PIC's own ~10 s timeout
    await waitFor('chain-disabled', () => r.events.some((e) => e.type === 'chain-disabled'), 3000);
    expect(r.events.find((e) => e.type === 'chain-disabled')).toMatchObject({ chain: 7, reason: expect.stringMatching(/heartbeat lost/) });
    expect(r.board.inReset(7)).toBe(true);
    await sleep(1500 / 1); // 30 emulated s: the other PICs are still fed
    expect(r.board.isPowered(6) && r.board.isPowered(8)).toBe(true);
    expect(r.safety.latched).toBeNull();
    expect(r.safety.status().chains.find((c) => c.index === 7)?.disabled).toMatch(/heartbeat/);
  });

  it('under full load the fans hold the hottest chip at target (±3 °C), below 100 % duty', async () => {
    // Brought up at 50× real time, then the emulated clock is frozen and stepped: a poll every
    // emulated second, as on a real board, for four minutes (four thermal time constants). The
    // physics moves only between polls, so a loaded machine's stalls cannot change the result
    // (audit 4.7). The PIC's dead-man is far away: heartbeats still go out on real timers.
    const r = await rig(emulatedAntminerS9, {}, { scale: 50, pollMs: 20, picTimeoutMs: 3_600_000 });
    r.board.clock.freeze();
    const step = async (seconds: number) => {
      let d = await r.safety.poll();
      for (let i = 0; i < seconds; i++) {
        r.board.advance(1000);
        d = await r.safety.poll();
      }
      return d;
    };
    const d = await step(240);
    expect(d.shutdown).toBeNull();
    expect(d.hottestChip).toBeGreaterThan(emulatedAntminerS9.limits.targetTemp - 3);
    expect(d.hottestChip).toBeLessThan(emulatedAntminerS9.limits.targetTemp + 3);
    expect(d.duty).toBeGreaterThan(40);
    expect(d.duty).toBeLessThan(100);
    // Half the airflow and the same load: hotter, and the fans answer.
    r.board.stopFan('fan2');
    expect((await step(15)).duty).toBe(100);
  });

  it('a PIC that no longer answers does not delay the other chains\' cut-off, and cuts itself once heartbeats stop', async () => {
    // bOSminer's retry budget (15 attempts) with short gaps: the dead PIC takes ~0.3 s to give up.
    const r = await rig(emulatedAntminerS9, {}, { picRetries: 15, picRetryDelayMs: 20, picTimeoutMs: 10_000 });
    await sleep(200);
    r.board.powerControllerSilent(8);
    const t0 = performance.now();
    const shut = r.safety.shutdown({ kind: 'operator', detail: 'test' });
    const othersOff = await waitFor('chains 6 and 7 off', () => !r.board.isPowered(6) && !r.board.isPowered(7), 1000, 1);
    await shut;
    // Order, not wall clock (audit 4.1): the others were off before the dead PIC's 15 attempts
    // (~300 ms) ended in a reported failure.
    const failed = r.events.find((e) => e.type === 'shutdown-step-failed')!;
    expect(othersOff).toBeLessThan(failed.at);
    const done = performance.now();
    expect(done - t0).toBeGreaterThan(250);
    expect(r.events.find((e) => e.type === 'shutdown-step-failed')).toMatchObject({ step: 'chain 8 voltage off', error: expect.stringMatching(/pic@0x57.*15 attempts/) });
    expect(r.board.inReset(8)).toBe(true);
    // The dead PIC still holds its board up, but gets no more heartbeats: it cuts within its ~10 s,
    // judged in the board's own (emulated) time, not by when this loop noticed (audit 4.4).
    const doneAt = r.board.clock.now();
    await waitFor('PIC 8 cuts itself', () => !r.board.isPowered(8), 3000);
    expect(r.board.picTrippedAt(8)! - doneAt).toBeLessThan(10_000);
  });

  it('bring-up applies no voltage while the fans do not spin', async () => {
    const r = await rig(emulatedAntminerS9, {}, { bring: false });
    r.board.stopFan('fan1');
    r.board.stopFan('fan2');
    await expect(bringUp(r.hw, r.safety, { chains: [{ index: 6, voltage: 8.8 }], minFans: 1, fanTimeoutMs: 300 })).rejects.toThrow(BringUpError);
    expect(allOff(r)).toBe(true);
    expect(r.board.inReset(6)).toBe(true);
  });

  it('SIGTERM through the process guard: voltage off, resets held, fans left at a safe speed', async () => {
    const r = await rig(emulatedAntminerS9);
    const guard = new ProcessGuard({ exit: () => undefined, log: () => undefined }).install();
    let allOffResult: boolean | null = null;
    const off = guard.onPowerDown(async () => (allOffResult = await r.safety.powerDown()));
    try {
      process.emit('SIGTERM', 'SIGTERM');
      expect(guard.signal.aborted).toBe(true);
      expect(guard.reason).toBe('SIGTERM');
      await guard.powerDown();
    } finally {
      off();
      guard.uninstall();
    }
    expect(allOffResult).toBe(true);
    expect(allOff(r)).toBe(true);
    expect(r.hw.chains.every((c) => r.board.inReset(c.index))).toBe(true);
    expect(fanDuty(r.hw)).toBe(50);
  });

  it('recoveries are reported too: a PIC that misses heartbeats and answers again is "restored"; a passing alarm is "cleared" (audit 5.9)', async () => {
    // The PIC's own dead-man far away (60 s emulated): only the controller's reporting is under test.
    const r = await rig(emulatedAntminerS9);
    await sleep(300);
    r.board.powerControllerSilent(7);
    await waitFor('heartbeat-missing', () => r.events.some((e) => e.type === 'heartbeat-missing' && e.chain === 7), 3000);
    r.board.powerControllerSilent(7, false);
    await waitFor('heartbeat-restored', () => r.events.some((e) => e.type === 'heartbeat-restored' && e.chain === 7), 3000);
    const missing = r.events.findIndex((e) => e.type === 'heartbeat-missing');
    const restored = r.events.findIndex((e) => e.type === 'heartbeat-restored');
    expect(restored).toBeGreaterThan(missing);
    // One nonsense reading: fans 100 % and an alarm; then sane readings: cleared after five quiet polls.
    r.board.sensorNonsense('chain8-chip');
    await waitFor('the alarm', () => r.events.some((e) => e.type === 'alarm' && e.message.startsWith('chain8-chip')), 2000);
    r.board.sensorNonsense('chain8-chip', false);
    await waitFor('alarm-cleared', () => r.events.some((e) => e.type === 'alarm-cleared' && e.message.startsWith('chain8-chip')), 3000);
    expect(r.safety.latched).toBeNull();
    expect(r.board.isPowered(6) && r.board.isPowered(8)).toBe(true);
  });
});

describe('safety on an emulated Bitaxe Gamma (through the bitaxe-raw tunnel)', () => {
  it('overheat cuts the TPS546 and holds the ASIC in reset within 2 s', async () => {
    const r = await rig(emulatedBitaxeGamma);
    expect(r.board.isPowered(0)).toBe(true);
    expect(r.board.inReset(0)).toBe(false);
    await sleep(300);
    expect(r.safety.latched).toBeNull();
    r.board.addHeat(0, 30);
    const crossed = await waitFor('ASIC past 75 °C', () => r.board.chipTemperature(0) >= 75);
    const cut = await waitFor('TPS546 off', () => !r.board.isPowered(0), 3000, 1);
    expect(cut - crossed).toBeLessThan(2000);
    expect(r.safety.latched).toMatchObject({ kind: 'overheat', sensor: 'asic' });
    await r.safety.settled();
    expect(r.board.inReset(0)).toBe(true);
  });
});

describe('safety on an emulated Bitaxe Gamma: the fan controller stops answering', () => {
  it('ASIC temperature and fan both unknown ⇒ shutdown, TPS546 off, ASIC in reset', async () => {
    const r = await rig(emulatedBitaxeGamma);
    await sleep(300);
    r.board.sensorSilent('asic'); // the EMC2101: ASIC diode and fan on one chip
    await waitFor('shutdown', () => r.safety.latched !== null, 3000);
    expect(['sensor-failure', 'fans']).toContain(r.safety.latched!.kind);
    await waitFor('TPS546 off', () => !r.board.isPowered(0), 2000, 1);
    await r.safety.settled();
    expect(r.board.inReset(0)).toBe(true);
  });
});

describe('safety on an emulated Compac F (no power or fan control)', () => {
  it('overheat still stops hashing and latches (chip temperature as the chain would report it)', async () => {
    const r = await rig(emulatedGekkoCompacF);
    await sleep(200);
    expect(r.safety.status().readings).toEqual([{ sensor: 'chip', location: 'chip', celsius: expect.any(Number) }]);
    r.board.addHeat(0, 20);
    await waitFor('shutdown', () => r.safety.latched !== null, 6000);
    expect(r.safety.latched).toMatchObject({ kind: 'overheat', sensor: 'chip', limit: 80 });
    expect(r.stopHashingCalls).toBe(1);
    await r.safety.settled();
    expect(r.events.filter((e) => e.type === 'shutdown-step-failed')).toEqual([]);
  });
});
