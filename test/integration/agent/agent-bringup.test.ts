// Bring-up order against time to first share: the chains are brought up one after another (each
// ramping its PLL), but mining starts with the first chain that is up, and the pool is told the
// hash rate of the whole board from the start (so its first share target suits the full machine).
import { afterEach, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../agent/config/agent.js';
import { MinerAgent } from '../../../agent/roles/miner/agent.js';
import { hashrateToTarget, targetToDifficulty } from '../../../agent/bitcoin/target.js';
import { agentToml, startTestPool } from '../../support/agent-rig.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('agent bring-up', () => {
  it('mines on the first chain while the others are still coming up; the pool is told the whole board', async () => {
    const poolLines: string[] = [];
    // 600 shares/min for the whole board: chain 6 alone finds several in the seconds chains 7 and 8 take.
    const sharesPerMinute = 600;
    const pool = await startTestPool({ sharesPerMinute, log: (l) => poolLines.push(l) });
    cleanups.push(() => pool.stop());
    const cfg = parseAgentConfig(agentToml('emulated-antminer-s9', [{ url: pool.url }]), 's9.toml');
    let atChain8: { submitted: number; chain6Nonces: number } | null = null;
    const agent: MinerAgent = new MinerAgent(cfg, {
      // 96 ramp steps × 15 ms: ~1.5 s per chain, so chains 7 and 8 take ~3 s after chain 6.
      rampIntervalMs: 15,
      replyTimeoutMs: 250,
      hashrateScale: 0.5,
      log: (l) => {
        if (l === 'chain 8: running') atChain8 = { submitted: agent.shares.submitted, chain6Nonces: agent.chains.get(6)?.driver.stats.nonces ?? 0 };
      },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    expect(atChain8).not.toBeNull();
    // By the time the last chain was up, the first had hashed and shares had gone to the pool.
    expect(atChain8!.chain6Nonces).toBeGreaterThan(0);
    expect(atChain8!.submitted).toBeGreaterThan(0);
    // The channel was opened (with only chain 6 up) at the difficulty for all three chains.
    const opened = poolLines.map((l) => / opened extended channel \d+ for '[^']*' at difficulty (\S+)$/.exec(l)).find(Boolean);
    expect(opened).toBeTruthy();
    const whole = targetToDifficulty(hashrateToTarget(agent.declaredHashrate(), sharesPerMinute));
    expect(Number(opened![1])).toBeCloseTo(whole, -Math.floor(Math.log10(whole)) + 2);
    expect(pool.pool.shares.rejected.get()).toBe(0);
  });
});
