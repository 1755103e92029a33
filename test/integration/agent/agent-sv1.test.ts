// The agent through its built-in SV1 translator: mining on an SV1 pool (the translator proxy's SV1
// side in front of our SV2 pool stands in for one), and the SV2-fails ⇒ SV1 ⇒ SV2-again switch
// of a stratum2+tcp entry with fallback_sv1.
import { afterEach, describe, expect, it } from 'vitest';
import { encodeAuthorityPublicKey, generateAuthorityKeyPair } from '../../../agent/sv2/keys.js';
import { freePort, startPool, startSv1Stack } from '../../support/sv1-stack.js';
import { startTestAgent, until } from '../../support/agent-rig.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('agent on Stratum V1', () => {
  it('mines on an SV1 pool: shares accepted, none rejected', async () => {
    const s = await startSv1Stack({ nbits: 0x1d00ffff });
    cleanups.push(() => s.stop());
    const agent = await startTestAgent('emulated-antminer-s21-pro', [{ url: `stratum+tcp://127.0.0.1:${s.sv1Port}` }], { hashrateScale: 0.3, ticketDifficulty: 32 });
    cleanups.push(() => agent.stop());
    await until('shares accepted behind the translator', () => s.pool.shares.accepted.get() >= 5, 30_000);
    expect(agent.poolState?.protocol).toBe('sv1');
    expect(s.pool.shares.rejected.get()).toBe(0);
    expect([...agent.chains.values()].reduce((n, c) => n + c.driver.stats.hwErrors, 0)).toBe(0);
    expect(agent.shares.rejected).toBe(0);
    expect(agent.shares.accepted).toBeGreaterThan(0);
  });

  it('fallback_sv1: SV2 unreachable ⇒ SV1; SV2 comes up ⇒ SV2; it goes ⇒ SV1 again', async () => {
    const s = await startSv1Stack({ nbits: 0x1d00ffff });
    cleanups.push(() => s.stop());
    const authority = generateAuthorityKeyPair();
    const port = await freePort();
    const sv2Url = `stratum2+tcp://127.0.0.1:${port}/${encodeAuthorityPublicKey(authority.publicKey)}`;
    const lines: string[] = [];
    const agent = await startTestAgent('emulated-bitaxe-gamma', [{ url: sv2Url, fallbackSv1: `stratum+tcp://127.0.0.1:${s.sv1Port}` }], { lines, ticketDifficulty: 1, retryIntervalMs: 1000, connectTimeoutMs: 1000 });
    cleanups.push(() => agent.stop());
    await until('SV1 shares', () => s.pool.shares.accepted.get() > 0, 30_000);
    expect(agent.poolState?.protocol).toBe('sv1');

    const sv2 = await startPool({ port, authority, nbits: 0x1d00ffff });
    cleanups.push(() => sv2.pool.stop());
    await until('SV2 shares', () => sv2.pool.shares.accepted.get() > 0, 20_000);
    expect(agent.poolState?.protocol).toBe('sv2');

    await sv2.pool.stop();
    const before = s.pool.shares.accepted.get();
    await until('SV1 again', () => agent.poolState?.protocol === 'sv1' && s.pool.shares.accepted.get() > before, 20_000);
    for (const p of [s.pool, sv2.pool]) expect(p.shares.rejected.get()).toBe(0);
  });
});
