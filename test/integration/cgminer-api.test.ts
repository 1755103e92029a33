// The cgminer-compatible API of a real agent (emulated S21 Pro, three chains, mining on the
// embedded SV2 pool), asked over real TCP the way farm tools ask: JSON and plain text, joined
// commands, the figures checked against the agent's own counters; then hostile clients (unknown
// and write commands, garbage, oversized and unfinished requests, too many connections), each
// followed by a client that must still be served.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../agent/config/agent.js';
import { MinerAgent } from '../../agent/roles/miner/agent.js';
import { CgminerApi } from '../../agent/api/cgminer.js';
import { sleep, startTestPool, until, type TestPool } from '../support/agent-rig.js';

let pool: TestPool;
let agent: MinerAgent;
let port: number;
/** With the text form's separators, to see them escaped there and not in JSON. */
const USER = 'test.api,x=y|z';

beforeAll(async () => {
  pool = await startTestPool();
  // agentToml() switches the cgminer API off; this file is about it, so the TOML is written here.
  const toml = `[[pools]]\nurl = "${pool.url}"\nuser = "${USER}"\n[board]\nname = "emulated-antminer-s21-pro"\n[api]\nhttp_enabled = false\ncgminer_enabled = true\ncgminer_listen = "127.0.0.1:0"\n`;
  agent = new MinerAgent(parseAgentConfig(toml, 'api.toml'), { rampIntervalMs: 0, replyTimeoutMs: 250, hashrateScale: 0.3, ticketDifficulty: 32 });
  await agent.start();
  port = agent.cgminerAddress!.port;
  await until('accepted shares', () => agent.shares.accepted >= 3, 40_000);
});

afterAll(async () => {
  await agent?.stop();
  await pool?.stop();
});

/** Sends `data` on a fresh connection and returns everything the server sent until it closed. */
function ask(data: string | Buffer, o: { halfClose?: boolean; timeoutMs?: number; port?: number; from?: string } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // `from`: another loopback source address (Linux routes all of 127/8 to lo), a second client host.
    const s = net.connect({ port: o.port ?? port, host: '127.0.0.1', ...(o.from ? { localAddress: o.from } : {}) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no reply and no close'));
    }, o.timeoutMs ?? 10_000);
    s.on('connect', () => (o.halfClose ? s.end(data) : s.write(data)));
    s.on('data', (c) => chunks.push(c));
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** A JSON reply: ends with one NUL (as cgminer's), the rest parses. */
async function askJson(req: unknown, to = port, from?: string): Promise<Record<string, any>> {
  const raw = await ask(typeof req === 'string' ? req : JSON.stringify(req), { port: to, ...(from ? { from } : {}) });
  expect(raw.at(-1)).toBe(0);
  expect(raw.subarray(0, -1).includes(0)).toBe(false);
  return JSON.parse(raw.subarray(0, -1).toString('utf8'));
}

/** Asks `summary` until it is served (Code 11), for up to a second. */
async function servedAgain(to: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if ((await askJson({ command: 'summary' }, to)).STATUS[0].Code === 11) return true;
    await sleep(20);
  }
  return false;
}

const hwErrors = () => [...agent.chains.values()].reduce((s, c) => s + c.driver.stats.hwErrors, 0);

describe('cgminer API on a mining agent', () => {
  it('summary (JSON): STATUS section, id, and the agent’s own counts', async () => {
    const before = { accepted: agent.shares.accepted, rate: agent.rate(Infinity), up: agent.uptimeS };
    const r = await askJson({ command: 'summary' });
    const after = { accepted: agent.shares.accepted, rate: agent.rate(Infinity) };
    expect(r.id).toBe(1);
    const st = r.STATUS[0];
    expect(st).toMatchObject({ STATUS: 'S', Code: 11, Msg: 'Summary' });
    expect(Math.abs(st.When - Date.now() / 1000)).toBeLessThan(5);
    expect(st.Description).toMatch(/^hashagent /);
    const s = r.SUMMARY[0];
    expect(s.Accepted).toBeGreaterThanOrEqual(before.accepted);
    expect(s.Accepted).toBeLessThanOrEqual(after.accepted);
    expect(s.Accepted).toBeGreaterThanOrEqual(3);
    // Against the pool's own tallies, not the agent counters the API reads: every share the API
    // calls accepted the pool accepted (the pool may be a batch ahead), and its rejections are the pool's.
    expect(s.Accepted).toBeLessThanOrEqual(pool.pool.shares.accepted.get());
    expect(s.Rejected).toBe(pool.pool.shares.rejected.get() + pool.pool.shares.stale.get());
    // The emulated chips inject no corrupt nonces here, so the driver must have counted none.
    expect(s['Hardware Errors']).toBe(0);
    expect(hwErrors()).toBe(0);
    expect(s['MHS av']).toBeGreaterThan((Math.min(before.rate, after.rate) / 1e6) * 0.99);
    expect(s['MHS av']).toBeLessThan((Math.max(before.rate, after.rate) / 1e6) * 1.01);
    // The rolling rates come from the same nonces: the same order of magnitude as the average.
    for (const k of ['MHS 5s', 'MHS 1m']) {
      expect(s[k]).toBeGreaterThan(s['MHS av'] * 0.3);
      expect(s[k]).toBeLessThan(s['MHS av'] * 3);
    }
    expect(Math.abs(s.Elapsed - before.up)).toBeLessThan(3);
  });

  it('plain-text requests get plain-text replies: `summary`, `cmd|param`, `a+b`', async () => {
    const text = (await ask('summary')).toString('utf8');
    expect(text.endsWith('\0')).toBe(true);
    expect(text).toMatch(/^STATUS=S,When=\d+,Code=11,Msg=Summary,Description=hashagent [^|]*\|SUMMARY,Elapsed=\d+,MHS av=[\d.]+,/);
    const accepted = Number(/[,|]Accepted=(\d+)/.exec(text)![1]);
    expect(accepted).toBeGreaterThanOrEqual(3);
    expect(accepted).toBeLessThanOrEqual(agent.shares.accepted);

    const check = (await ask('check|summary\n')).toString('utf8');
    expect(check).toMatch(/^STATUS=S,When=\d+,Code=72,Msg=Check command,Description=[^|]*\|CHECK,Exists=Y,Access=Y\|\0$/);
    const denied = (await ask('check|switchpool', { halfClose: true })).toString('utf8');
    expect(denied).toMatch(/\|CHECK,Exists=Y,Access=N\|\0$/);

    const joined = (await ask('version+devs')).toString('utf8');
    expect(joined).toMatch(/^CMD=version\|STATUS=S,[^|]*\|VERSION,CGMiner=[^|]+\|CMD=devs\|STATUS=S,[^|]*Code=9,Msg=3 ASC\(s\)[^|]*\|ASC=0,/);
    // Values with the text form's separators (`,` `=` `|` and backslash) are escaped; the pool URL has none.
    const pools = (await ask('pools')).toString('utf8');
    expect(pools).toContain(`|POOL=0,URL=${pool.url},Status=Alive,`);
    expect(pools).toContain(',User=test.api\\,x\\=y\\|z,');
  });

  it('summary+pools: one object keyed by command, each an array with one reply', async () => {
    const r = await askJson({ command: 'summary+pools' });
    expect(Object.keys(r).sort()).toEqual(['id', 'pools', 'summary']);
    expect(r.id).toBe(1);
    expect(r.summary).toHaveLength(1);
    expect(r.pools).toHaveLength(1);
    expect(r.summary[0]).toMatchObject({ id: 1, STATUS: [{ STATUS: 'S', Code: 11 }] });
    expect(r.pools[0].STATUS[0]).toMatchObject({ STATUS: 'S', Code: 7, Msg: '1 Pool(s)' });
    const p = r.pools[0].POOLS;
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ POOL: 0, URL: pool.url, Status: 'Alive', 'Stratum Active': true, User: USER, Protocol: 'sv2' });
    // Shares are tallied to the active pool each second: all of them here, a second behind at most.
    expect(p[0].Accepted).toBeGreaterThan(0);
    expect(p[0].Accepted).toBeLessThanOrEqual(agent.shares.accepted);
    expect(p[0].Accepted).toBeLessThanOrEqual(r.summary[0].SUMMARY[0].Accepted);
    expect(p[0]['Stratum Difficulty']).toBeGreaterThan(0);
    // A repeated command is answered once; empty names are skipped.
    const twice = await askJson({ command: '+summary++summary+' });
    expect(Object.keys(twice).sort()).toEqual(['id', 'summary']);
  });

  it('devs / edevs / temps / fans / devdetails / stats: one entry per chain, matching the agent', async () => {
    const chains = [...agent.chains.values()].sort((a, b) => a.index - b.index);
    const status = agent.safety!.status();
    const chipTemp = (i: number) => {
      const names = new Set(agent.cfg.board.sensors.filter((s) => s.chain === i && s.location === 'chip').map((s) => s.name));
      return Math.max(...status.readings.flatMap((r) => ('celsius' in r && names.has(r.sensor) ? [r.celsius] : [])));
    };
    const r = await askJson({ command: 'devs+edevs+temps+fans+devdetails+stats' });
    for (const cmd of ['devs', 'edevs']) {
      const d = r[cmd][0].DEVS;
      expect(d.map((x: any) => x.ID)).toEqual(chains.map((c) => c.index));
      d.forEach((x: any, i: number) => {
        expect(x).toMatchObject({ ASC: i, Name: chains[i]!.driver.profile.name, Enabled: 'Y', Status: 'Alive' });
        expect(x['Hardware Errors']).toBeLessThanOrEqual(chains[i]!.driver.stats.hwErrors);
        expect(x['MHS av']).toBeGreaterThan(0);
        expect(x['Nominal MHS']).toBeGreaterThan(0);
        // Temperatures follow the emulator's thermal model: a second apart, within a few degrees.
        expect(Math.abs(x.Temperature - chipTemp(chains[i]!.index))).toBeLessThan(3);
      });
      const total = d.reduce((s: number, x: any) => s + x['Nominal MHS'], 0);
      expect(Math.abs(total / (agent.nominalHashrate() / 1e6) - 1)).toBeLessThan(1e-6);
    }
    const temps = r.temps[0];
    expect(temps.STATUS[0]).toMatchObject({ STATUS: 'S', Code: 201, Msg: `${chains.length} Temp(s)` });
    expect(temps.TEMPS.map((t: any) => t.ID)).toEqual(chains.map((c) => c.index));
    for (const t of temps.TEMPS) expect(t.Chip).toBeGreaterThan(20);

    const fans = r.fans[0];
    expect(fans.FANS).toHaveLength(agent.cfg.board.fans.length);
    for (const f of fans.FANS) {
      expect(f.RPM).toBeGreaterThan(0);
      expect(f.Speed).toBeGreaterThan(0);
      expect(f.Speed).toBeLessThanOrEqual(100);
    }
    const details = r.devdetails[0].DEVDETAILS;
    expect(details.map((x: any) => x.Chips)).toEqual(chains.map((c) => c.found));
    expect(details[0]).toMatchObject({ Model: 'emulated-antminer-s21-pro', Driver: 'hashagent' });
    const stats = r.stats[0].STATS;
    expect(stats.map((x: any) => x.Chips)).toEqual(chains.map((c) => c.found));
    expect(stats.every((x: any) => x.Nonces > 0)).toBe(true);
  });

  it('version, config, coin, check, asc', async () => {
    const r = await askJson({ command: 'version+config+coin+asccount' });
    expect(r.version[0].VERSION[0]).toMatchObject({ API: '3.7' });
    expect(r.version[0].VERSION[0].Miner).toMatch(/^hashagent /);
    expect(r.config[0].CONFIG[0]).toMatchObject({ 'ASC Count': agent.chains.size, 'Pool Count': 1, Strategy: 'Failover' });
    // The test pool's nbits 0x1d00ffff is difficulty 1.
    expect(r.coin[0].COIN[0]).toMatchObject({ 'Hash Method': 'sha256', 'Network Difficulty': 1 });
    expect(r.coin[0].COIN[0]['Current Block Hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(r.asccount[0].ASCS[0].Count).toBe(agent.chains.size);

    const asc = await askJson({ command: 'asc', parameter: 1 });
    expect(asc.STATUS[0]).toMatchObject({ STATUS: 'S', Code: 106, Msg: 'ASC1' });
    expect(asc.ASC[0].ID).toBe([...agent.chains.keys()].sort((a, b) => a - b)[1]);
    expect((await askJson({ command: 'asc', parameter: '9' })).STATUS[0]).toMatchObject({ STATUS: 'E', Code: 107, Msg: 'Invalid ASC id 9 - range is 0 - 2' });
    expect((await askJson({ command: 'check' })).STATUS[0]).toMatchObject({ STATUS: 'E', Code: 71 });
    expect((await askJson({ command: 'check', parameter: 'nosuch' })).CHECK[0]).toEqual({ Exists: 'N', Access: 'N' });
  });

  it('an unknown command: "Invalid command" (Code 14), and no description for the prober', async () => {
    const r = await askJson({ command: 'gimme' });
    expect(r.STATUS[0]).toMatchObject({ STATUS: 'E', Code: 14, Msg: 'Invalid command' });
    expect(r.STATUS[0].Description).toBeUndefined();
    const text = (await ask('gimme')).toString('utf8');
    expect(text).toMatch(/^STATUS=E,When=\d+,Code=14,Msg=Invalid command\|\0$/);
  });

  it('commands that change things are refused (Code 45) and change nothing', async () => {
    const url = agent.poolState?.url;
    for (const [command, parameter] of [['switchpool', '0'], ['disablepool', '0'], ['removepool', '0'], ['addpool', 'a,b,c'], ['restart', undefined], ['quit', undefined]] as const) {
      const r = await askJson(parameter === undefined ? { command } : { command, parameter });
      expect(r.STATUS[0]).toMatchObject({ STATUS: 'E', Code: 45, Msg: `Access denied to '${command}' command` });
    }
    // In a join, a write (or parameter-taking) command is refused and the rest still answered.
    const j = await askJson({ command: 'summary+quit+check' });
    expect(j.summary[0].STATUS[0].STATUS).toBe('S');
    expect(j.quit[0].STATUS[0]).toMatchObject({ STATUS: 'E', Code: 45 });
    expect(j.check[0].STATUS[0]).toMatchObject({ STATUS: 'E', Code: 45 });
    expect(agent.poolState?.url).toBe(url);
    const nonces = () => [...agent.chains.values()].reduce((s, c) => s + c.driver.stats.nonces, 0);
    const n0 = nonces();
    await until('mining goes on', () => nonces() > n0, 10_000);
  });

  it('broken JSON: Invalid JSON (23), Missing command (24); a non-string command is invalid', async () => {
    expect((await askJson('{"command": summary}')).STATUS[0]).toMatchObject({ STATUS: 'E', Code: 23, Msg: 'Invalid JSON' });
    expect((await askJson('{"parameter":"1"}')).STATUS[0]).toMatchObject({ STATUS: 'E', Code: 24, Msg: "Missing JSON 'command'" });
    expect((await askJson({ command: ['summary'] })).STATUS[0]).toMatchObject({ STATUS: 'E', Code: 14 });
    expect((await askJson({ command: '__proto__+constructor' })).__proto__[0].STATUS[0]).toMatchObject({ Code: 14 });
    // A brace inside a string does not end the request early.
    expect((await askJson('{"command":"check","parameter":"}"}')).CHECK[0]).toEqual({ Exists: 'N', Access: 'N' });
    expect((await askJson({ command: 'summary' })).STATUS[0].STATUS).toBe('S');
  });

  it('an oversized request gets a typed error, garbage gets an answer or a close; the next client is served', async () => {
    const big = await askJson(`{"command":"${'x'.repeat(20_000)}"}`);
    expect(big.STATUS[0]).toMatchObject({ STATUS: 'E', Code: 302 });
    const bigText = (await ask('y'.repeat(20_000))).toString('utf8');
    expect(bigText).toMatch(/^STATUS=E,When=\d+,Code=302,/);
    const noise = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256));
    await ask(noise, { halfClose: true });
    expect((await askJson({ command: 'summary' })).STATUS[0].STATUS).toBe('S');
  });

  /** `n` idle connections, the i-th from source address `from(i)`. */
  const hold = (n: number, from: (i: number) => string) =>
    Promise.all(
      Array.from({ length: n }, (_, i) => new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: from(i) }, () => resolve(s));
        s.on('error', reject);
      })),
    );

  /** Asks from `from` until told 301 (the server may not have accepted every held socket yet). */
  async function refusedFrom(from: string): Promise<Record<string, any> | null> {
    for (let i = 0; i < 50; i++) {
      const r = await askJson({ command: 'summary' }, port, from);
      if (r.STATUS[0].Code === 301) return r;
      await sleep(20);
    }
    return null;
  }

  it('the agent’s own listener: 16 connections at most, the 17th told so (301); then served again', async () => {
    // Four client hosts with four each (the per-address cap), so the 17th meets the global cap.
    const held = await hold(16, (i) => `127.0.0.${1 + (i % 4)}`);
    let refused: Record<string, any> | null = null;
    try {
      refused = await refusedFrom('127.0.0.5');
    } finally {
      for (const s of held) s.destroy();
    }
    expect(refused?.STATUS[0]).toMatchObject({ STATUS: 'E', Code: 301, Msg: 'Too many connections (at most 16)' });
    expect(await servedAgain(port)).toBe(true);
  });

  it('one address holds at most 4 connections (the 5th told so, 301), while another address is served', async () => {
    // Idle sockets from one host must not lock the farm tool on another host out (issue #12 §8).
    const held = await hold(4, () => '127.0.0.7');
    try {
      expect((await refusedFrom('127.0.0.7'))?.STATUS[0]).toMatchObject({ STATUS: 'E', Code: 301, Msg: 'Too many connections (at most 4 from one address)' });
      // The global cap (16) is far away: another host is served at once.
      expect((await askJson({ command: 'summary' }, port, '127.0.0.8')).STATUS[0].Code).toBe(11);
    } finally {
      for (const s of held) s.destroy();
    }
    expect(await servedAgain(port)).toBe(true);
  });

  describe('a second listener on the same agent: writable, short limits', () => {
    let api: CgminerApi;
    let p2: number;
    beforeAll(async () => {
      api = await CgminerApi.listen(agent, { host: '127.0.0.1', port: 0, writable: true, idleMs: 1000, maxConnections: 2, maxRequestBytes: 256 });
      p2 = api.address.port;
    });
    afterAll(() => api.close());

    it('writable: write commands still refused, saying why', async () => {
      const r = await askJson({ command: 'switchpool', parameter: 0 }, p2);
      expect(r.STATUS[0]).toMatchObject({ STATUS: 'E', Code: 45 });
      expect(r.STATUS[0].Msg).toMatch(/^Access denied to 'switchpool' command: not supported by hashagent/);
      expect((await askJson({ command: 'summary' }, p2)).STATUS[0].Code).toBe(11);
    });

    it('a request over maxRequestBytes: Code 302', async () => {
      expect((await askJson({ command: 'check', parameter: 'z'.repeat(300) }, p2)).STATUS[0]).toMatchObject({ STATUS: 'E', Code: 302, Msg: 'Request too large (over 256 bytes)' });
      expect((await askJson({ command: 'check', parameter: 'summary' }, p2)).CHECK[0]).toEqual({ Exists: 'Y', Access: 'Y' });
    });

    it('a client silent mid-request is answered (Invalid JSON) and closed after idleMs; a silent one just closed', async () => {
      const t0 = performance.now();
      const raw = await ask('{"command":"sum', { port: p2 });
      const ms = performance.now() - t0;
      // Not before idleMs (1 s; a timer never fires early); no upper bound beyond ask()'s own
      // 10 s timeout, which a server that never closed would hit: a loaded machine may be slow.
      expect(ms).toBeGreaterThan(800);
      expect(JSON.parse(raw.subarray(0, -1).toString()).STATUS[0]).toMatchObject({ STATUS: 'E', Code: 23 });
      expect((await ask('', { port: p2 })).length).toBe(0);
    });

    it('a client that never reads its reply is dropped after idleMs; the slots free up', async () => {
      const hogs = await Promise.all(
        [0, 1].map(() => new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(p2, '127.0.0.1', () => resolve(s));
          s.on('error', () => undefined);
          s.once('error', reject);
        })),
      );
      try {
        // Ask for a reply and never read it (nor the server's close).
        for (const s of hogs) {
          s.pause();
          s.write(JSON.stringify({ command: 'devs+devdetails+stats+pools+summary' }));
        }
        let refused = false;
        for (let i = 0; i < 20 && !refused; i++) {
          refused = (await askJson({ command: 'summary' }, p2)).STATUS[0].Code === 301;
          if (!refused) await sleep(20);
        }
        expect(refused).toBe(true);
        const ms = await until('the server drops both', () => api.connections === 0, 5000);
        expect(ms).toBeGreaterThan(500);
        expect(await servedAgain(p2)).toBe(true);
      } finally {
        for (const s of hogs) s.destroy();
      }
    });
  });

  it('stop() closes the API', async () => {
    const p = port;
    await agent.stop();
    await expect(new Promise((resolve, reject) => net.connect(p, '127.0.0.1').on('connect', resolve).on('error', reject))).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('cgminer API port taken', () => {
  it('the agent refuses to start (ListenError naming key and address) before the board is touched', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as net.AddressInfo).port;
    const p = await startTestPool();
    const lines: string[] = [];
    const toml = `[[pools]]\nurl = "${p.url}"\nuser = "test.api"\n[board]\nname = "emulated-bitaxe-gamma"\n[api]\nhttp_enabled = false\ncgminer_listen = "127.0.0.1:${taken}"\n`;
    const a = new MinerAgent(parseAgentConfig(toml, 'taken.toml'), { rampIntervalMs: 0, replyTimeoutMs: 250, ticketDifficulty: 1, log: (l) => lines.push(l) });
    try {
      // A busy port under a restart policy would otherwise be a power-up/power-down loop.
      await expect(a.start()).rejects.toThrow(`[api] cgminer_listen: cannot listen on 127.0.0.1:${taken}: EADDRINUSE (the port is in use)`);
      expect(a.hardware).toBeNull();
      expect(a.chains.size).toBe(0);
    } finally {
      await a.stop();
      await p.stop();
      blocker.close();
    }
  });
});
