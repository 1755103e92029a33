// An upstream pool that restarts: the translator's SV1 miners must see job ids they never saw
// before (cpuminer, like many SV1 miners, rebuilds its work only when the job id changes) and a
// first notify with clean_jobs = true.
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, rawSv1Client, startPool, waitFor } from '../support/sv1-stack.js';
import { Translator } from '../../agent/roles/translator/translator.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A bare SV1 miner: subscribe, authorize, and its mining.notify (job id, clean_jobs) as they come. */
function sv1Miner(port: number) {
  const c = rawSv1Client(port, cleanups);
  c.send('{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}');
  c.send('{"id":2,"method":"mining.authorize","params":["acct.rig","x"]}');
  return {
    get closed() {
      return c.closed;
    },
    get notifies() {
      return c.lines.filter((m) => m.method === 'mining.notify').map((m) => ({ id: m.params![0] as string, clean: m.params![8] as boolean }));
    },
  };
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
