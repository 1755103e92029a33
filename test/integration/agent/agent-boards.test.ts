// The agent on every emulated board, mining on the embedded SV2 pool over Noise: shares accepted
// and none rejected (the pool's own count), no hardware errors, and the hash rate the agent
// measures from its nonces within 10 % of what the emulator's chips really hashed (their own
// count over the same span, so a loaded machine that slows them changes both alike).
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATED_BOARDS, nominalBoardHashrate } from '../../../board/emulated/chain-profiles.js';
import type { MinerAgent } from '../../../agent/roles/miner/agent.js';
import { sleep, startTestAgent, startTestPool, until } from '../../support/agent-rig.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const nonces = (a: MinerAgent) => [...a.chains.values()].reduce((s, c) => s + c.driver.stats.nonces, 0);
const hashed = (a: MinerAgent) => a.emulator!.chains.reduce((s, c) => s + (c?.work() ?? 0), 0);

describe.each(EMULATED_BOARDS.map((b) => [b.name, b] as const))('agent on emulated-%s', (name, board) => {
  it('mines: shares accepted, none rejected, no hardware errors, hash rate within 10 %', async () => {
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    // Lower tickets than the real machines use, so that a few seconds carry ~2,000 nonces and
    // the hash rate is measured to a few percent (a Bitaxe reports ~1 nonce/s at 256). Single
    // chips reach at most ~60–250 nonces/s even at ticket 1: they run at full rate, for longer.
    const single = board.chipsPerChain === 1;
    const scale = single ? 1 : 0.5;
    const windowMs = single ? 15_000 : 6000;
    const ticketDifficulty = 2 ** Math.max(0, Math.floor(Math.log2((nominalBoardHashrate(board, scale) * (windowMs / 1000)) / (2 ** 32 * 2000))));
    const agent = await startTestAgent(`emulated-${name}`, [{ url: pool.url }], { hashrateScale: scale, ticketDifficulty });
    cleanups.push(() => agent.stop());
    await until('the first accepted share', () => pool.pool.shares.accepted.get() > 0, 20_000);
    const n0 = nonces(agent);
    const w0 = hashed(agent);
    await sleep(windowMs);
    const n = nonces(agent) - n0;
    const work = hashed(agent) - w0;
    const ticket = [...agent.chains.values()][0]!.driver.ticket;
    const measured = n * ticket * 2 ** 32;
    expect(agent.chains.size).toBe(board.chains);
    expect([...agent.chains.values()].every((c) => c.found === board.chipsPerChain)).toBe(true);
    expect(n).toBeGreaterThan(single ? 700 : 1000);
    expect(Math.abs(measured / work - 1)).toBeLessThan(0.1);
    expect([...agent.chains.values()].reduce((s, c) => s + c.driver.stats.hwErrors, 0)).toBe(0);
    expect(pool.pool.shares.accepted.get()).toBeGreaterThan(1);
    expect(pool.pool.shares.rejected.get()).toBe(0);
    expect(pool.pool.shares.stale.get()).toBe(0);
    // The pool acknowledges in batches; what it did acknowledge the agent counted.
    expect(agent.shares.rejected).toBe(0);
    // /metrics says the same.
    const text = await (await fetch(agent.metricsUrl!)).text();
    expect(text).toMatch(/^hashagent_work_diff1_total [1-9]/m);
    expect(text).toMatch(/^hashagent_pool_up\{protocol="sv2"\} 1$/m);
    expect(text).toMatch(/^hashagent_hashrate_nominal_hps [1-9]/m);
    expect(text).toMatch(/^hashagent_temperature_celsius\{sensor="[^"]+",location="chip"\} \d/m);
  });
});
