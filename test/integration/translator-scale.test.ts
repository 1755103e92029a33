// The translator under load and abuse on real TCP: 1,000 SV1 connections on one translator
// (one aggregated upstream channel, a distinct extranonce1 each), then 10,000 random and
// malformed lines from 100 of them — only the connections that sent a line which is not SV1
// at all (not JSON, not a JSON-RPC object, over-long) are closed; bad calls get error answers,
// and every other miner is still served, and an honest CPU miner keeps getting shares accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { STALE } from '../../agent/roles/translator/translator.js';
import { Sv1JobSource } from '../../agent/upstream/sv1-job-source.js';
import { startSv1Stack, waitFor, type Sv1Stack } from '../support/sv1-stack.js';

let s: Sv1Stack;
beforeAll(async () => {
  s = await startSv1Stack({ maxLineBytes: 4096, maxWorkerLabels: 10 });
}, 30_000);
afterAll(async () => {
  await s.stop();
});

interface Client {
  socket: net.Socket;
  lines: Record<string, unknown>[];
  closed: boolean;
}

function connect(port: number, n: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const c: Client = { socket, lines: [], closed: false };
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        c.lines.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
    });
    socket.on('close', () => (c.closed = true));
    socket.on('error', () => {});
    socket.once('connect', () => {
      socket.write(`{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"ffffffff","version-rolling.min-bit-count":2}]}\n`);
      socket.write(`{"id":2,"method":"mining.subscribe","params":["cgminer/4.11.1"]}\n{"id":"3","method":"mining.authorize","params":["acct.w${n}","x"]}\n`);
      resolve(c);
    });
    socket.once('error', reject);
  });
}

/** xorshift32: the same 10,000 lines every run. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** A random line and whether it must close the connection that sent it. */
function badLine(r: () => number, long: boolean): { line: string; fatal: boolean } {
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)]!;
  const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(r() * 95))).join('').replace(/[\r\n]/g, ' ');
  switch (Math.floor(r() * 10)) {
    case 0: return { line: junk(1 + Math.floor(r() * 80)).replace(/^[\s{[\d"tfn-]/, '#'), fatal: true }; // not JSON
    case 1: return { line: pick(['[1,2,3]', '42', '"text"', 'null', 'true', '[]']), fatal: true }; // JSON, not an object
    case 2: return { line: pick(['{"id":1}', '{"foo":"bar"}', '{"id":{},"method":"mining.ping"}', '{"method":7}']), fatal: true }; // object, no message
    case 3: return long ? { line: 'x'.repeat(4097 + Math.floor(r() * 5000)), fatal: true } : { line: '{"id":9,"method":"mining.ping"}', fatal: false }; // over the line limit
    case 4: return { line: JSON.stringify({ id: 9, method: 'mining.submit', params: pick([[], [1, 2], ['w', 'j', 'zz', '1', '2'], ['w', '1', '00', -1, 0], ['w', '1', '0000000000', '00000000', '00000000', 'ffffffff']]) }), fatal: false };
    case 5: return { line: JSON.stringify({ id: 9, method: `mining.${junk(6)}`, params: [] }), fatal: false }; // unknown method
    case 6: return { line: JSON.stringify({ id: 9, method: 'mining.configure', params: pick([[], [7], [['version-rolling'], { 'version-rolling.mask': 'xyz' }]]) }), fatal: false };
    case 7: return { line: JSON.stringify({ id: 9, method: 'mining.suggest_difficulty', params: [pick([-1, 0, 'abc', 1e308, null])] }), fatal: false };
    case 8: return { line: JSON.stringify({ id: 9, method: 'mining.subscribe', params: [] }), fatal: false }; // already subscribed
    default: return { line: JSON.stringify({ id: null, method: 'mining.notify', params: [] }), fatal: false }; // a notification: ignored
  }
}

describe('translator: 1,000 SV1 connections and 10,000 malformed lines', () => {
  it('serves 1,000 miners on one upstream channel with distinct extranonce1s; closes only the offenders', async () => {
    const clients: Client[] = [];
    for (let i = 0; i < 1000; i += 100) clients.push(...(await Promise.all(Array.from({ length: 100 }, (_, k) => connect(s.sv1Port, i + k)))));
    const notified = (c: Client) => c.lines.some((l) => l.method === 'mining.notify');
    await waitFor(() => clients.every(notified), 30_000, 'a job on every connection');
    expect(s.translator.minerCount).toBe(1000);
    expect(s.pool.channelCount).toBe(1);
    const en1 = clients.map((c) => (c.lines.find((l) => l.id === 2)!.result as unknown[])[1]);
    expect(new Set(en1).size).toBe(1000);
    // configure: the translator's mask (BIP323) ∧ the miner's.
    expect(clients[0]!.lines.find((l) => l.id === 1)!.result).toMatchObject({ 'version-rolling': true, 'version-rolling.mask': '1fffffe0' });

    // An honest SV1 miner keeps mining through all of it.
    const miner = new CpuMiner({ pools: [], user: '', channel: 'extended', nominalHashrate: 0, sliceSize: 2000, source: new Sv1JobSource({ host: '127.0.0.1', port: s.sv1Port, user: 'acct.honest' }) });
    const invalid: string[] = []; // stale shares (found just before a new block) are fine
    miner.on('result', (r) => r.error && r.error !== STALE && invalid.push(r.error));
    await miner.start();

    const r = rng(0x5eed);
    const offenders = clients.slice(0, 100);
    const fatal = new Set<Client>();
    for (let i = 0; i < 10_000; i++) {
      const c = offenders[i % 100]!;
      const { line, fatal: f } = badLine(r, i % 100 < 20); // over-long lines from 20 of them only
      if (f) fatal.add(c);
      if (!c.closed) c.socket.write(line + '\n');
    }
    // The well-behaved 900 and the non-fatal offenders still answer a call.
    const alive = clients.filter((c) => !fatal.has(c));
    for (const c of alive) c.socket.write('{"id":"ping","method":"mining.ping","params":[]}\n');
    await waitFor(() => alive.every((c) => c.lines.some((l) => l.id === 'ping')), 30_000, 'pong from every live connection');
    await waitFor(() => [...fatal].every((c) => c.closed), 10_000, 'every offender closed');
    expect(fatal.size).toBeGreaterThan(50);
    expect(alive.every((c) => !c.closed)).toBe(true);
    expect(alive.filter((c) => offenders.includes(c)).every((c) => c.lines.some((l) => l.id === 9 && l.error !== null))).toBe(true);
    expect(s.translator.minerCount).toBe(1000 - fatal.size + 1);
    // Bounded metrics: 10 worker labels at most, then "other"; close reasons from a fixed set.
    const metrics = s.translator.metrics.render();
    expect(new Set([...metrics.matchAll(/worker="([^"]*)"/g)].map((m) => m[1])).size).toBeLessThanOrEqual(11);
    const closes = [...metrics.matchAll(/hashagent_translator_connections_closed_total\{reason="([^"]+)"\} (\d+)/g)];
    expect(closes.every((m) => ['line-too-long', 'invalid-json', 'not-a-message'].includes(m[1]!))).toBe(true);
    expect(closes.reduce((n, m) => n + Number(m[2]), 0)).toBe(fatal.size);
    expect(closes.length).toBeGreaterThan(1);

    await waitFor(() => miner.stats.accepted >= 3, 30_000, 'honest shares');
    expect(invalid).toEqual([]);
    miner.stop();
    for (const c of clients) c.socket.destroy();
  });
});
