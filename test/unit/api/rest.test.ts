// The REST transport on a real HTTP server (serveMetrics, the agent's): bad bodies get typed
// answers (400/413) and never reach an action, the token is checked before the body is read,
// unknown paths and methods are 404/405, and /events' n is bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type http from 'node:http';
import { Metrics, serveMetrics } from '../../../agent/api/metrics.js';
import { ActionRefused, EVENTS_MAX, restHandler } from '../../../agent/api/rest.js';

const TOKEN = 'unit-test-token-0123456789';
const calls: string[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  const handle = restHandler({
    token: TOKEN,
    view: {
      summary: () => ({ ok: 1 }),
      chains: () => ({ chains: [] }),
      pools: () => ({ pools: [] }),
      events: (n, after) => ({ n, after }),
      history: () => ({ points: [] }),
      config: () => ({}),
    },
    actions: {
      switchPool: (i) => void calls.push(`switch ${i}`),
      restartChain: async (i) => void calls.push(`restart ${i}`),
      setChainFrequency: async (i, mhz) => {
        if (mhz > 900) throw new ActionRefused(400, 'outside the limits');
        calls.push(`freq ${i} ${mhz}`);
      },
      reboot: () => void calls.push('reboot'),
    },
  });
  const s = await serveMetrics(new Metrics(), '127.0.0.1', 0, { handle });
  server = s.server;
  base = `http://127.0.0.1:${s.port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (path: string, body: string, token: string | null = TOKEN) =>
  fetch(base + path, { method: 'POST', body, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('REST transport', () => {
  it('reads answer JSON; events n is bounded; unknown paths 404, wrong methods 405', async () => {
    expect(await (await fetch(`${base}/api/v1/summary`)).json()).toEqual({ ok: 1 });
    expect(await (await fetch(`${base}/api/v1/events?n=99999&after=-5`)).json()).toEqual({ n: EVENTS_MAX, after: 0 });
    expect(await (await fetch(`${base}/api/v1/events?n=abc`)).json()).toEqual({ n: 0, after: 0 });
    expect((await fetch(`${base}/api/v1/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/api/v1/summary`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/api/v1/actions/reboot`)).status).toBe(405);
    expect((await fetch(`${base}/other`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('actions: token first, then the body; bad bodies never reach the action', async () => {
    calls.length = 0;
    const noToken = await post('/api/v1/chains/6/restart', '{}', null);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post('/api/v1/chains/6/restart', '{}', TOKEN + 'x')).status).toBe(401);
    expect((await post('/api/v1/chains/6/frequency', 'not json')).status).toBe(400);
    expect((await post('/api/v1/chains/6/frequency', '[1]')).status).toBe(400);
    expect((await post('/api/v1/chains/6/frequency', '{"mhz":"fast"}')).status).toBe(400);
    expect((await post('/api/v1/chains/6/frequency', JSON.stringify({ mhz: 1, pad: 'x'.repeat(5000) }))).status).toBe(413);
    const refused = await post('/api/v1/chains/6/frequency', '{"mhz":1000}');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'outside the limits' });
    expect(calls).toEqual([]);
    expect((await post('/api/v1/chains/6/frequency', '{"mhz":650}')).status).toBe(200);
    expect((await post('/api/v1/chains/7/restart', '')).status).toBe(200);
    expect((await post('/api/v1/actions/switch-pool', '{"pool":1}')).status).toBe(200);
    expect((await post('/api/v1/actions/reboot', '')).status).toBe(200);
    expect(calls).toEqual(['freq 6 650', 'restart 7', 'switch 1', 'reboot']);
  });

  it('with no token configured every action is 403', async () => {
    const s = await serveMetrics(new Metrics(), '127.0.0.1', 0, {
      handle: restHandler({ token: null, view: { summary: () => 0, chains: () => 0, pools: () => 0, events: () => 0, history: () => 0, config: () => 0 }, actions: { switchPool: () => undefined, restartChain: async () => undefined, setChainFrequency: async () => undefined, reboot: () => undefined } }),
    });
    try {
      const r = await fetch(`http://127.0.0.1:${s.port}/api/v1/actions/reboot`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(r.status).toBe(403);
    } finally {
      await new Promise<void>((r) => s.server.close(() => r()));
    }
  });
});
