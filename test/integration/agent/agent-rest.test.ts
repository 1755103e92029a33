// The REST API on the agent's HTTP port, against an agent mining on an emulated S9 with the
// embedded SV2 pool: every read matches agent/api/openapi.json (checked by ajv), secrets are never
// shown, actions without the token are refused (401, or 403 with no token configured), actions
// with it go through the agent's checks (board limits), and 500 requests at once leave mining
// going (shares keep flowing; the CPU figure is the bench's agent.cpu_s9, not a test's).
import { afterEach, describe, expect, it } from 'vitest';
import { startTestAgent, startTestPool, until } from '../../support/agent-rig.js';
import { assertSchema } from '../../support/openapi-validator.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TOKEN = 'test-token-0123456789abcdef';

async function rig(token: string | null) {
  const pool = await startTestPool();
  cleanups.push(() => pool.stop());
  const extra = token ? `token = "${token}"\n` : '';
  const agent = await startTestAgent('emulated-antminer-s9', [{ url: pool.url }], { ticketDifficulty: 2, hashrateScale: 0.3, extra });
  cleanups.push(() => agent.stop());
  const base = agent.metricsUrl!.replace(/\/metrics$/, '');
  // The pool acknowledges in batches: wait for the agent's own count.
  await until('acknowledged shares', () => agent.shares.accepted > 0, 60_000);
  return { pool, agent, base };
}

const get = async (base: string, path: string) => {
  const r = await fetch(base + path);
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};
const post = async (base: string, path: string, body: unknown, token?: string) => {
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};

describe('REST API (/api/v1)', () => {
  it('reads match the documented schema; chips per chain; secrets redacted; token-less actions refused', async () => {
    const { agent, base } = await rig(TOKEN);
    const summary = await get(base, '/api/v1/summary');
    expect(summary.status).toBe(200);
    assertSchema('Summary', summary.body);
    expect(summary.body.pool.protocol).toBe('sv2');
    expect(summary.body.shares.accepted).toBeGreaterThan(0);
    const chains = await get(base, '/api/v1/chains');
    assertSchema('Chains', chains.body);
    expect(chains.body.chains.map((c: any) => [c.index, c.chips.length])).toEqual([[6, 63], [7, 63], [8, 63]]);
    const nonces = chains.body.chains.reduce((s: number, c: any) => s + c.nonces, 0);
    expect(nonces).toBeGreaterThan(0);
    // The chips' counts add up to the chain's (one driver so far).
    for (const c of chains.body.chains) expect(c.chips.reduce((s: number, x: any) => s + x.nonces, 0)).toBe(c.nonces);
    assertSchema('Pools', (await get(base, '/api/v1/pools')).body);
    const events = await get(base, '/api/v1/events?n=5');
    assertSchema('Events', events.body);
    expect(events.body.events.some((e: any) => e.kind === 'pool' && /pool up/.test(e.msg))).toBe(true);
    const cfg = await get(base, '/api/v1/config');
    assertSchema('Config', cfg.body);
    expect(JSON.stringify(cfg.body)).not.toContain(TOKEN);
    expect(cfg.body.api.token).toBe('(redacted)');
    await until('a history point', () => agent.rateHistory.pushed > 0, 15_000);
    const hist = await get(base, '/api/v1/history');
    assertSchema('History', hist.body);
    expect(hist.body.points.length).toBeGreaterThan(0);
    // The schema can fail: a wrong shape is caught.
    expect(() => assertSchema('Chains', { chains: [{ index: 'six' }] })).toThrow(/does not match/);

    // Actions: without a token, with a wrong one, then with it and a frequency off the board's limits.
    expect((await post(base, '/api/v1/chains/6/restart', {})).status).toBe(401);
    expect((await post(base, '/api/v1/actions/switch-pool', { pool: 0 }, 'wrong-token-wrong-token')).status).toBe(401);
    const limits = cfg.body.limits.frequency_mhz;
    const tooFast = await post(base, '/api/v1/chains/6/frequency', { mhz: limits.max + 1 }, TOKEN);
    expect(tooFast.status).toBe(400);
    expect(tooFast.body.error).toMatch(/outside this board's limits/);
    expect((await post(base, '/api/v1/chains/9/restart', {}, TOKEN)).status).toBe(404);
    expect((await fetch(`${base}/api/v1/chains`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/api/v1/nope`)).status).toBe(404);
    // A restart with the token re-initialises the chain, as the watchdog would.
    const reinits = agent.events.list(200).filter((e) => /re-initialised/.test(e.msg)).length;
    expect((await post(base, '/api/v1/chains/6/restart', {}, TOKEN)).status).toBe(200);
    expect(agent.events.list(200).filter((e) => /re-initialised/.test(e.msg)).length).toBe(reinits + 1);
    expect(agent.chains.get(6)!.state).toBe('running');
    // A frequency within the limits: the chain comes back at it.
    const mhz = Math.max(limits.min, 600);
    expect((await post(base, '/api/v1/chains/7/frequency', { mhz }, TOKEN)).status).toBe(200);
    expect(agent.chains.get(7)!.driver.frequencyMHz).toBe(mhz);
    expect((await get(base, '/api/v1/config')).body.chains.find((c: any) => c.index === 7).frequency_mhz).toBe(mhz);
    // Reboot needs whoever started the agent to start it again (`hashagent mine` does): 501 here.
    expect((await post(base, '/api/v1/actions/reboot', {}, TOKEN)).status).toBe(501);
    expect(agent.safety!.halted).toBe(false);
  }, 90_000);

  it('switch-pool with the token: the agent moves to the chosen pool, the other stays its fallback', async () => {
    const a = await startTestPool();
    cleanups.push(() => a.stop());
    const b = await startTestPool();
    cleanups.push(() => b.stop());
    const agent = await startTestAgent('emulated-antminer-s9', [{ url: a.url }, { url: b.url }], { ticketDifficulty: 2, hashrateScale: 0.3, extra: `token = "${TOKEN}"\n` });
    cleanups.push(() => agent.stop());
    const base = agent.metricsUrl!.replace(/\/metrics$/, '');
    await until('shares on pool 0', () => a.pool.shares.accepted.get() > 0, 30_000);
    expect((await post(base, '/api/v1/actions/switch-pool', { pool: 2 }, TOKEN)).status).toBe(400);
    expect((await post(base, '/api/v1/actions/switch-pool', { pool: 1 }, TOKEN)).status).toBe(200);
    await until('shares on pool 1', () => b.pool.shares.accepted.get() > 0, 30_000);
    // The pool acknowledges in batches: the agent counts them under the configured position 1.
    await until('acknowledged shares from pool 1', () => agent.ledger.pools[1]!.accepted > 0, 60_000);
    const pools = (await get(base, '/api/v1/pools')).body.pools;
    assertSchema('Pools', { pools });
    expect(pools.map((p: any) => p.active)).toEqual([false, true]);
    expect(pools[1].shares.accepted).toBeGreaterThan(0);
  }, 90_000);

  it('with no token configured every action is 403; 500 requests at once leave shares flowing', async () => {
    const { pool, base } = await rig(null);
    expect((await post(base, '/api/v1/actions/reboot', {}, TOKEN)).status).toBe(403);
    const before = pool.pool.shares.accepted.get();
    // The per-address cap (16) closes most of them: each ends in an answer or a closed socket, never a hang.
    const paths = ['/api/v1/summary', '/api/v1/chains', '/api/v1/pools', '/api/v1/events', '/metrics'];
    const results = await Promise.allSettled(Array.from({ length: 500 }, (_, i) => fetch(base + paths[i % paths.length]!).then(async (r) => (await r.arrayBuffer(), r.status))));
    const ok = results.filter((r) => r.status === 'fulfilled' && r.value === 200).length;
    expect(ok).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 'rejected' || r.value === 200)).toBe(true);
    await until('shares after the burst', () => pool.pool.shares.accepted.get() > before + 2, 30_000);
    expect((await get(base, '/api/v1/summary')).status).toBe(200);
  }, 90_000);
});
