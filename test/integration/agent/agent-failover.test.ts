// The agent's pool list under failure: the first pool is killed mid-run and the second takes
// over within 10 s; the first comes back (same address, same key) and the agent returns to it.
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, startTestAgent, startTestPool, until, type TestPool } from '../../support/agent-rig.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('agent pool failover', () => {
  it('pool killed ⇒ the second takes over within 10 s; the first back ⇒ the agent returns', async () => {
    let first: TestPool | null = await startTestPool();
    const port = Number(new URL(first.url.replace('stratum2+tcp', 'http')).port);
    const secret = first.secret;
    const second = await startTestPool();
    cleanups.push(() => second.stop(), () => first?.stop());
    const lines: string[] = [];
    const agent = await startTestAgent('emulated-bitaxe-gamma', [{ url: first.url }, { url: second.url }], { lines, ticketDifficulty: 1, retryIntervalMs: 1000, connectTimeoutMs: 1000 });
    cleanups.push(() => agent.stop());
    await until('shares on the first pool', () => first!.pool.shares.accepted.get() > 0, 20_000);
    expect(agent.poolState?.url).toContain(String(port));

    await first.stop();
    first = null;
    const takeover = await until('the second pool', () => second.pool.shares.accepted.get() > 0, 15_000);
    expect(takeover).toBeLessThan(10_000);
    expect(agent.poolState?.url).toBe(second.url.replace(/\/[^/]+$/, ''));

    // The first pool comes back where it was, with the same authority key.
    first = await startTestPool({ port, secret });
    const back = await until('the first pool again', () => (first?.pool.shares.accepted.get() ?? 0) > 0, 20_000);
    expect(back).toBeLessThan(15_000);
    expect(agent.poolState?.url).toContain(String(port));
    const onSecond = second.pool.shares.accepted.get();
    await sleep(2000);
    // Back on the first: the second sees nothing new (one batch in flight at most).
    expect(second.pool.shares.accepted.get() - onSecond).toBeLessThanOrEqual(1);
    expect(lines.some((l) => /pool down/.test(l))).toBe(true);
    for (const p of [first, second]) expect(p.pool.shares.rejected.get()).toBe(0);
  });
});
