import { describe, expect, it } from 'vitest';
import { ChainWatchdog, type ChainEvent, type ChainSupervisor } from '../../agent/roles/miner/safety-chains.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A chain driver stand-in: the hook's contract is all the watchdog sees.
class Supervisor implements ChainSupervisor {
  calls: number[] = [];
  constructor(private readonly answer: (chain: number, attempt: number) => boolean | Error) {}
  async reinit(chain: number): Promise<boolean> {
    this.calls.push(chain);
    const a = this.answer(chain, this.calls.filter((c) => c === chain).length);
    if (a instanceof Error) throw a;
    return a;
  }
}

describe('chain watchdog', () => {
  it('a chain that keeps replying is left alone', async () => {
    const sup = new Supervisor(() => true);
    const disabled: number[] = [];
    const w = new ChainWatchdog(sup, { disableChain: async (c) => void disabled.push(c) }, { startupMs: 40, silenceMs: 40 });
    w.started(0);
    for (let i = 0; i < 5; i++) {
      w.replied(0);
      await sleep(15);
      await w.check();
    }
    expect(sup.calls).toEqual([]);
  });

  it('silent past the startup window ⇒ re-initialised; back ⇒ counts reset', async () => {
    const sup = new Supervisor(() => true);
    const events: ChainEvent[] = [];
    const w = new ChainWatchdog(sup, { disableChain: async () => undefined }, { startupMs: 30, silenceMs: 30 }, (e) => events.push(e));
    w.started(1);
    await sleep(40);
    await w.check();
    expect(sup.calls).toEqual([1]);
    expect(events.map((e) => e.type)).toEqual(['chain-silent', 'chain-reinit']);
    expect(events[1]).toMatchObject({ ok: true });
  });

  it('repeated failures ⇒ disabled and reported; other chains unaffected', async () => {
    const sup = new Supervisor((chain, attempt) => (chain === 2 ? (attempt === 2 ? new Error('no chips enumerated') : false) : true));
    const disabled: [number, string][] = [];
    const events: ChainEvent[] = [];
    const w = new ChainWatchdog(sup, { disableChain: async (c, why) => void disabled.push([c, why]) }, { startupMs: 20, silenceMs: 20, maxReinits: 3 }, (e) => events.push(e));
    w.started(2);
    w.started(3);
    for (let i = 0; i < 4; i++) {
      w.replied(3);
      await sleep(25);
      w.replied(3);
      await w.check();
    }
    expect(sup.calls.filter((c) => c === 2)).toHaveLength(3);
    expect(sup.calls).not.toContain(3);
    expect(disabled).toEqual([[2, expect.stringMatching(/3 re-initialisations failed/)]]);
    expect(w.isDisabled(2)).toBe(true);
    expect(events.filter((e) => e.type === 'chain-reinit').map((e) => (e as { error?: string }).error ?? null)).toEqual([null, 'no chips enumerated', null]);
    expect(events.at(-1)).toMatchObject({ type: 'chain-disabled', chain: 2 });
  });
});
