// The chain watchdog on a stepped clock (no wall-clock sleeps): silence counts only while a chain
// is fed work, the limit follows the chain's expected nonce rate, every re-initialisation has a
// deadline, failed ones back off, and repeated failures disable the chain with its reason.
import { describe, expect, it } from 'vitest';
import { ChainWatchdog, type ChainEvent, type ChainSupervisor } from '../../agent/safety/chain-watchdog.js';

class Clock {
  t = 0;
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

// A chain driver stand-in: the hook's contract is all the watchdog sees.
class Supervisor implements ChainSupervisor {
  calls: number[] = [];
  aborted = 0;
  constructor(private readonly answer: (chain: number, attempt: number) => boolean | Error | 'hang') {}
  reinit(chain: number, signal: AbortSignal): Promise<boolean> {
    this.calls.push(chain);
    const a = this.answer(chain, this.calls.filter((c) => c === chain).length);
    signal.addEventListener('abort', () => this.aborted++);
    if (a === 'hang') return new Promise(() => undefined);
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  }
}

function watchdog(sup: Supervisor, clock: Clock, o: ConstructorParameters<typeof ChainWatchdog>[2] = {}) {
  const events: ChainEvent[] = [];
  const disabled: [number, string][] = [];
  const w = new ChainWatchdog(sup, { disableChain: async (c, why) => void disabled.push([c, why]) }, { minSilenceMs: 1000, startGraceMs: 0, now: clock.now, ...o }, (e) => events.push(e));
  return { w, events, disabled };
}

describe('chain watchdog', () => {
  it('a chain that keeps replying is left alone', async () => {
    const clock = new Clock();
    const sup = new Supervisor(() => true);
    const { w } = watchdog(sup, clock);
    w.started(0, true);
    w.expect(0, 10);
    for (let i = 0; i < 50; i++) {
      clock.advance(900);
      w.replied(0);
      await w.check();
    }
    expect(sup.calls).toEqual([]);
  });

  it('no work, no verdict: a chain without work may stay quiet for ever', async () => {
    const clock = new Clock();
    const sup = new Supervisor(() => true);
    const { w, events } = watchdog(sup, clock);
    w.started(0, true);
    w.expect(0, 10);
    w.replied(0);
    w.fed(0, false); // the pool went away
    for (let i = 0; i < 75; i++) {
      clock.advance(1000);
      await w.check();
    }
    expect(sup.calls).toEqual([]);
    expect(events).toEqual([]);
    // Work again: silence counts from now, not from the last reply 75 s ago.
    w.fed(0, true);
    clock.advance(900);
    await w.check();
    expect(sup.calls).toEqual([]);
    clock.advance(5000);
    await w.check();
    expect(sup.calls).toEqual([0]);
  });

  it('the silence limit follows the expected nonce rate (P(no nonce) = 1e-9), with a floor', () => {
    const clock = new Clock();
    const { w } = watchdog(new Supervisor(() => true), clock, { minSilenceMs: 1000 });
    w.started(0, true);
    w.replied(0);
    w.expect(0, 1); // one nonce a second: ln(1e9) ≈ 20.7 s
    expect(w.limitMs(0)).toBeCloseTo(Math.log(1e9) * 1000, 0);
    w.expect(0, 100); // 0.2 s by the statistics: the floor
    expect(w.limitMs(0)).toBe(1000);
    w.expect(0, 0); // unknown: the startup limit
    expect(w.limitMs(0)).toBe(180_000);
  });

  it('silent while fed ⇒ re-initialised; it must then find a nonce', async () => {
    const clock = new Clock();
    const sup = new Supervisor(() => true);
    const { w, events } = watchdog(sup, clock);
    w.started(1, true);
    w.expect(1, 100); // 0.2 s by the statistics: the 1 s floor
    clock.advance(999);
    await w.check();
    expect(sup.calls).toEqual([]);
    clock.advance(2);
    await w.check();
    expect(sup.calls).toEqual([1]);
    expect(events.map((e) => e.type)).toEqual(['chain-silent', 'chain-reinit']);
    expect(events[0]).toMatchObject({ chain: 1, limitMs: 1000 });
    expect(events[1]).toMatchObject({ ok: true, attempt: 1 });
  });

  it('a hung re-initialisation ends at its deadline (aborted), is retried after a backoff, then the chain is disabled', async () => {
    const clock = new Clock();
    const sup = new Supervisor(() => 'hang');
    const { w, events, disabled } = watchdog(sup, clock, { reinitDeadlineMs: 30, backoffMs: 5000, maxReinits: 2 });
    w.started(2, true);
    w.expect(2, 100);
    clock.advance(1500);
    await w.check(); // waits for the (real-time) 30 ms deadline
    expect(sup.calls).toEqual([2]);
    expect(sup.aborted).toBe(1);
    expect(events.at(-1)).toMatchObject({ type: 'chain-reinit', ok: false, error: expect.stringMatching(/no result within/) });
    clock.advance(4000);
    await w.check();
    expect(sup.calls).toEqual([2]); // still backing off
    clock.advance(1001);
    await w.check();
    expect(sup.calls).toEqual([2, 2]);
    expect(disabled).toEqual([[2, expect.stringMatching(/silent; 2 re-initialisations failed \(last: no result within/)]]);
    expect(w.isDisabled(2)).toBe(true);
    expect(w.disabledReason(2)).toMatch(/2 re-initialisations failed/);
    clock.advance(60_000);
    await w.check();
    expect(sup.calls).toHaveLength(2);
  });

  it('repeated failures ⇒ disabled and reported; other chains unaffected', async () => {
    const clock = new Clock();
    const sup = new Supervisor((chain, attempt) => (chain === 2 ? (attempt === 2 ? new Error('no chips enumerated') : false) : true));
    const { w, events, disabled } = watchdog(sup, clock, { maxReinits: 3, backoffMs: 100 });
    for (const c of [2, 3]) {
      w.started(c, true);
      w.expect(c, 10);
    }
    for (let i = 0; i < 10; i++) {
      clock.advance(1100);
      w.replied(3);
      await w.check();
    }
    expect(sup.calls.filter((c) => c === 2)).toHaveLength(3);
    expect(sup.calls).not.toContain(3);
    expect(disabled).toEqual([[2, expect.stringMatching(/3 re-initialisations failed/)]]);
    expect(events.filter((e) => e.type === 'chain-reinit').map((e) => (e as { error?: string }).error ?? null)).toEqual([null, 'no chips enumerated', null]);
    expect(events.at(-1)).toMatchObject({ type: 'chain-disabled', chain: 2 });
  });

  it('a chain that enumerates but never hashes is disabled after one attempt more than the limit', async () => {
    const clock = new Clock();
    const sup = new Supervisor(() => true);
    const { w, disabled } = watchdog(sup, clock, { maxReinits: 2 });
    w.started(4, true);
    w.expect(4, 10);
    for (let i = 0; i < 10; i++) {
      clock.advance(1100);
      await w.check();
    }
    expect(sup.calls).toHaveLength(3);
    expect(disabled).toEqual([[4, expect.stringMatching(/enumerates but found no nonce after 2 re-initialisations/)]]);
  });
});
