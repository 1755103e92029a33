// An upstream pool that restarts: the translator's SV1 miners must see job ids they never saw
// before (cpuminer, like many SV1 miners, rebuilds its work only when the job id changes) and a
// first notify with clean_jobs = true.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { freePort, startPool, waitFor } from '../support/sv1-stack.js';
import { Translator } from '../../agent/roles/translator/translator.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A bare SV1 miner: subscribe, authorize, record every mining.notify (job id, clean_jobs). */
function sv1Miner(port: number) {
  const notifies: { id: string; clean: boolean }[] = [];
  const s = net.connect(port, '127.0.0.1');
  cleanups.push(() => s.destroy());
  let buf = '';
  let closed = false;
  s.on('data', (d) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const m = JSON.parse(buf.slice(0, nl)) as { method?: string; params?: unknown[] };
      buf = buf.slice(nl + 1);
      if (m.method === 'mining.notify') notifies.push({ id: m.params![0] as string, clean: m.params![8] as boolean });
    }
  });
  s.on('close', () => (closed = true));
  s.on('error', () => {});
  s.write('{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}\n{"id":2,"method":"mining.authorize","params":["acct.rig","x"]}\n');
  return { notifies, get closed() { return closed; } };
}

describe('translator across an upstream restart', () => {
  it('job ids never repeat and the first job on the new connection is clean', async () => {
    const authority = generateAuthorityKeyPair();
    const port = await freePort();
    let p = await startPool({ port, authority });
    const t = new Translator({
      host: '127.0.0.1', port: 0, upstreams: [{ host: '127.0.0.1', port, authorityKey: authority.publicKey }], userIdentity: 'test', aggregate: true, extranonce2Size: 4,
      minMinerHashrate: 100_000, sharesPerMinute: 60, vardiff: true, maxConnections: 10, maxLineBytes: 4096, maxWorkerLabels: 10,
    });
    const sv1Port = await t.start();
    cleanups.push(() => t.stop());
    cleanups.push(() => p.pool.stop());
    const first = sv1Miner(sv1Port);
    await waitFor(() => first.notifies.length >= 1, 10_000, 'jobs before the restart');
    await p.pool.stop();
    await waitFor(() => first.closed, 10_000, 'the miner told the upstream is gone');
    p = await startPool({ port, authority });
    await waitFor(() => t.upstream.activePool === 0, 20_000, 'the translator back on the pool');
    const second = sv1Miner(sv1Port);
    await waitFor(() => second.notifies.length >= 1, 10_000, 'jobs after the restart');
    const before = new Set(first.notifies.map((n) => n.id.split('#')[0]));
    for (const n of second.notifies) expect(before.has(n.id.split('#')[0]!)).toBe(false);
    expect(second.notifies[0]!.clean).toBe(true);
  });
});
