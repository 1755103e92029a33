// The translator's SV1 side at its edges: limits in bytes, bad calls answered (README: "bad calls
// get an error answer"), whole-byte extranonce2 only, and a vardiff floor apart from the
// initial hashrate estimate so small miners find shares on the default configuration.
import { afterEach, describe, expect, it } from 'vitest';
import { rawSv1Client, startSv1Stack, waitFor, type Sv1Stack } from '../support/sv1-stack.js';
import { advertisedDifficulty } from '../../agent/sv1/index.js';
import { hashrateToTarget } from '../../agent/bitcoin/index.js';
import { loadTranslatorConfig } from '../../agent/config/translator.js';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../support/processes.js';
import { join } from 'node:path';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function stack(o: Parameters<typeof startSv1Stack>[0] = {}): Promise<Sv1Stack> {
  const s = await startSv1Stack(o);
  cleanups.push(() => s.stop());
  return s;
}

const miner = (port: number) => rawSv1Client(port, cleanups);

describe('translator SV1 edges', () => {
  it('the line limit counts bytes: 2,000 three-byte characters exceed 4,096 bytes', async () => {
    const s = await stack({ maxLineBytes: 4096 });
    const m = miner(s.sv1Port);
    m.send(JSON.stringify({ id: 1, method: 'mining.subscribe', params: ['€'.repeat(2000)] }));
    await waitFor(() => m.closed, 10_000, 'the connection closed');
    expect(m.answer(1)).toBeUndefined();
  });

  it('params that is not an array gets an error answer and the connection stays', async () => {
    const s = await stack();
    const m = miner(s.sv1Port);
    m.send('{"id":5,"method":"mining.subscribe","params":{"agent":"x"}}');
    m.send('{"id":6,"method":"mining.ping","params":[]}');
    await waitFor(() => m.answer(6) !== undefined || m.closed, 10_000, 'answers');
    expect(m.closed).toBe(false);
    expect(m.answer(5)).toMatchObject({ result: null, error: [20, expect.stringMatching(/params must be an array/), null] });
    expect(m.answer(6)).toMatchObject({ result: 'pong' });
  });

  it('an extranonce2 a hex digit short is rejected, not padded and judged', async () => {
    const s = await stack();
    const m = miner(s.sv1Port);
    m.send('{"id":1,"method":"mining.subscribe","params":[]}');
    m.send('{"id":2,"method":"mining.authorize","params":["acct.rig","x"]}');
    await waitFor(() => m.lines.some((l) => l.method === 'mining.notify'), 10_000, 'a job');
    const job = m.lines.find((l) => l.method === 'mining.notify')!.params!;
    m.send(JSON.stringify({ id: 3, method: 'mining.submit', params: ['acct.rig', job[0], '0000000', job[7], '00000000'] }));
    await waitFor(() => m.answer(3) !== undefined, 10_000, 'the answer');
    expect(m.answer(3)).toMatchObject({ result: null, error: [20, expect.stringMatching(/7 hex digits/), null] });
  });

  it('vardiff goes below the initial estimate: a miner far slower than min_individual_miner_hashrate gets an easy difficulty', async () => {
    // The default initial estimate (1e12 H/s) is no floor: a silent miner's difficulty keeps falling.
    // Network difficulty ~16,307 (nbits 0x1b0404cb): harder than every miner target here.
    const s = await stack({ nbits: 0x1b0404cb, minMinerHashrate: 1e12, sharesPerMinute: 6, vardiffTickMs: 20, vardiffMinIntervalMs: 30 });
    const m = miner(s.sv1Port);
    m.send('{"id":1,"method":"mining.subscribe","params":[]}');
    m.send('{"id":2,"method":"mining.authorize","params":["acct.rig","x"]}');
    const initial = advertisedDifficulty(hashrateToTarget(1e12, 6));
    const diffs = () => m.lines.filter((l) => l.method === 'mining.set_difficulty').map((l) => l.params![0] as number);
    await waitFor(() => diffs().some((d) => d < initial / 1e6), 30_000, 'a difficulty for a CPU-sized miner');
    expect(diffs()[0]).toBe(initial);
  });

  it('translator.toml: the vardiff floor has its own key, apart from the initial estimate', () => {
    const tmp = tempDir('hashagent-');
    const file = join(tmp.dir, 'translator.toml');
    writeFileSync(file, '[[upstreams]]\nurl = "stratum2+tcp://127.0.0.1:34254"\ninsecure = true\n');
    let c;
    try {
      c = loadTranslatorConfig(file);
    } finally {
      tmp.remove();
    }
    expect(c.min_individual_miner_hashrate).toBe(1e12);
    expect(c.vardiff.min_hashrate).toBeLessThan(1e7);
  });
});
