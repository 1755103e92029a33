// Idle is not dead. A 75 s pool outage (no pool reachable, no work): the chains idle, the chain
// watchdog re-initialises nothing and chip health names no chip; when the pool is back the agent
// mines again within 2 s, on the same chains (no re-initialisation). And the rates and counts an
// operator reads are honest: after a chain's re-initialisation its 5 s rate matches what the
// emulated chips really hashed, and the agent's share counts equal the pool's once batches settle.
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, startTestAgent, startTestPool, until } from '../../support/agent-rig.js';
import { RATE_WINDOWS } from '../../../agent/roles/miner/work-meter.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a pool outage is not a dead chain', () => {
  it('75 s without any pool: zero re-initialisations, no chip reported, mining again within 2 s of the pool\'s return', async () => {
    let pool = await startTestPool();
    const port = Number(new URL(pool.url.replace('stratum2+tcp', 'http')).port);
    const lines: string[] = [];
    // Chip health checks every 5 s (default 60 s) so it judges many windows during the outage.
    const agent = await startTestAgent('emulated-antminer-s9', [{ url: pool.url }], { lines, hashrateScale: 0.3, chipCheckMs: 5000 });
    cleanups.push(() => agent.stop());
    await until('shares', () => pool.pool.shares.accepted.get() > 0, 30_000);
    const chains = [...agent.chains.values()].map((c) => c.driver);
    await pool.stop();
    await until('the agent sees the pool gone', () => agent.poolState === null, 10_000);
    const outageFrom = lines.length;
    await sleep(75_000);
    expect(agent.scheduler.currentJob).toBeNull();
    const during = lines.slice(outageFrom);
    expect(during.filter((l) => /re-initialis|no nonce for|stopped hashing|breaks at chip|disabled/.test(l))).toEqual([]);
    // Quiet logs: an outage is said once, not once per reconnect attempt.
    expect(during.length, during.join('\n')).toBeLessThan(30);
    pool = await startTestPool({ port, secret: pool.secret });
    cleanups.push(() => pool.stop());
    const back = performance.now();
    await until('work on every chain again', () => agent.scheduler.currentJob !== null && [...agent.chains.values()].every((c) => agent.scheduler.dispatchedTo(c.driver) > 0), 10_000);
    expect(performance.now() - back).toBeLessThan(2000);
    // The same drivers: nothing was re-initialised, the chains just got work again.
    expect([...agent.chains.values()].map((c) => c.driver)).toEqual(chains);
    await until('shares on the returned pool', () => pool.pool.shares.accepted.get() > 0, 30_000);
    expect(lines.slice(outageFrom).filter((l) => /re-initialis|stopped hashing/.test(l))).toEqual([]);
  }, 150_000);
});

describe('honest rates and counts', () => {
  it('after a re-initialisation the 5 s rate is within 10 % of what the chips really hashed; nothing left of the old average', async () => {
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    // Ticket 1: ~330 nonces/s per chain at this scale, ~1,600 in 5 s (Poisson: ±2.5 %, so the
    // 10 % bound is four standard deviations).
    const agent = await startTestAgent('emulated-antminer-s9', [{ url: pool.url }], { hashrateScale: 0.3, ticketDifficulty: 1 });
    cleanups.push(() => agent.stop());
    await until('shares', () => pool.pool.shares.accepted.get() > 0, 30_000);
    await sleep(3000);
    const emu = agent.emulator!.chain(1);
    expect(await agent.reinitChain(7)).toBe(true);
    // What the emulated chips of chain 7 hash from here, against what the agent says they did. A
    // chip that ran out of work re-hashes its job (duplicates the agent rightly drops): only new
    // hashes count, which also keeps a starved emulator on a loaded machine from skewing it.
    const useful = () => emu.work();
    const h0 = useful();
    const t0 = performance.now();
    await sleep(RATE_WINDOWS['5s'] * 1000 + 100);
    const hashed = useful() - h0;
    const secs = (performance.now() - t0) / 1000;
    // work(): new hashes × 2^shift (one emulated hash stands for 2^shift of the real chip's).
    const trueRate = hashed / secs;
    const measured = agent.rate(5, 7);
    expect(measured / trueRate).toBeGreaterThan(0.9);
    expect(measured / trueRate).toBeLessThan(1.1);
    // The windows all start at the re-initialisation: the 15 min figure is the same few seconds.
    expect(agent.rate(900, 7) / trueRate).toBeGreaterThan(0.85);
    expect(agent.rate(900, 7) / trueRate).toBeLessThan(1.15);
  }, 90_000);

  it('share counts equal the pool\'s per result once batches settle; a dropped connection leaves unconfirmed ones, not lost ones', async () => {
    let pool = await startTestPool({ sharesPerMinute: 600 });
    const port = Number(new URL(pool.url.replace('stratum2+tcp', 'http')).port);
    const agent = await startTestAgent('emulated-antminer-s9', [{ url: pool.url }], { hashrateScale: 0.3 });
    cleanups.push(() => agent.stop());
    await until('20 shares', () => pool.pool.shares.accepted.get() >= 20, 40_000);
    for (let i = 0; i < 3; i++) {
      // Batches settle within the pool's 1 s flush; then the agent and the pool agree exactly.
      const poolCounts = () => [pool.pool.shares.accepted.get(), pool.pool.shares.rejected.get() + pool.pool.shares.stale.get()];
      await until('the agent agreeing with the pool', () => {
        const [a, r] = poolCounts();
        return agent.shares.accepted === a && agent.shares.rejected === r;
      }, 5000);
      expect(agent.shares.accepted).toBeGreaterThan(0);
      // Per chain and per pool they add up to the total.
      const perChain = [...agent.chains.keys()].reduce((s, c) => s + agent.ledger.chain(c).accepted, 0);
      expect(perChain).toBe(agent.shares.accepted);
      expect(agent.ledger.pools[0]!.accepted).toBe(agent.shares.accepted);
      await sleep(1500);
    }
    // The pool goes away mid-batch: what it never answered is reported as unconfirmed.
    const submitted = agent.shares.submitted;
    await pool.stop();
    await until('the agent sees the pool gone', () => agent.poolState === null, 10_000);
    const s = agent.shares;
    expect(s.submitted).toBeGreaterThanOrEqual(submitted);
    expect(s.accepted + s.rejected + s.unconfirmed).toBe(s.submitted);
    expect(s.pending).toBe(0);
    const text = await (await fetch(agent.metricsUrl!)).text();
    expect(text).toMatch(new RegExp(`^hashagent_shares_total\\{result="unconfirmed"\\} ${s.unconfirmed}$`, 'm'));
    expect(text).toMatch(new RegExp(`^hashagent_shares_total\\{result="accepted"\\} ${s.accepted}$`, 'm'));
    pool = await startTestPool({ port, secret: pool.secret });
    cleanups.push(() => pool.stop());
  }, 120_000);
});
