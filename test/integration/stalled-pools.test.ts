// Pools that complete the Noise handshake and then go quiet at one step. Every client step has a
// deadline that counts as a failure of that pool, so clients move on down their pool list
// instead of hanging: the CPU miner, the translator's upstream, the agent's pool list.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { Translator } from '../../agent/roles/translator/translator.js';
import { poolListSource } from '../../agent/upstream/job-source-failover.js';
import { encodeAuthorityPublicKey } from '../../agent/sv2/keys.js';
import type { MiningJob } from '../../agent/channels/mining-job.js';
import { startPool, waitFor } from '../support/sv1-stack.js';
import { startStalledPool, type StalledPool } from '../support/stalled-pool.js';
import { CLI } from '../support/cli.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function stalled(at: Parameters<typeof startStalledPool>[0]): Promise<StalledPool> {
  const p = await startStalledPool(at);
  cleanups.push(() => p.stop());
  return p;
}

async function goodPool() {
  const p = await startPool({ nbits: 0x1f00ffff });
  cleanups.push(() => p.pool.stop());
  return { ...p, endpoint: { host: '127.0.0.1', port: p.poolPort, authorityKey: p.authority.publicKey } };
}

describe('clients against pools that stop answering', () => {
  for (const channel of ['extended', 'standard'] as const) {
    it(`the CPU miner (${channel}) passes over pools stalled at SetupConnection, the channel and the first job, and mines on the next`, async () => {
      const stalls = [await stalled('setup'), await stalled('channel'), await stalled('job')];
      const good = await goodPool();
      const lines: string[] = [];
      const miner = new CpuMiner({ pools: [...stalls.map((s) => s.endpoint), good.endpoint], user: 'cpu', channel, nominalHashrate: 2e5, stepDeadlineMs: 300, log: (l) => lines.push(l) });
      cleanups.push(() => miner.stop());
      await miner.start();
      expect(miner.activePool).toBe(3);
      await waitFor(() => miner.stats.accepted > 0, 30_000, 'accepted shares on the fourth pool');
      expect(stalls.map((s) => s.sessions)).toEqual([1, 1, 1]);
      const failed = lines.filter((l) => /failed: no .* within 300 ms/.test(l)).join('\n');
      expect(failed).toMatch(/pool 1 .*answer to SetupConnection/);
      expect(failed).toMatch(/pool 2 .*answer to Open(Extended|Standard)MiningChannel/);
      expect(failed).toMatch(/pool 3 .*job on channel 1/);
    });
  }

  it('a lone stalled pool: start() rejects (first round), naming the step', async () => {
    const s = await stalled('setup');
    const miner = new CpuMiner({ pools: [s.endpoint], user: 'cpu', channel: 'extended', nominalHashrate: 1e5, stepDeadlineMs: 200 });
    cleanups.push(() => miner.stop());
    await expect(miner.start()).rejects.toThrow(/no answer to SetupConnection within 200 ms/);
  });

  it('the translator\'s upstream moves past a stalled pool', async () => {
    const s = await stalled('setup');
    const good = await goodPool();
    const t = new Translator({
      host: '127.0.0.1', port: 0, upstreams: [s.endpoint, good.endpoint], userIdentity: 't', aggregate: true, extranonce2Size: 4,
      minMinerHashrate: 1e5, sharesPerMinute: 6, vardiff: true, maxConnections: 10, maxLineBytes: 4096, maxWorkerLabels: 10, stepDeadlineMs: 300,
    });
    await t.start();
    cleanups.push(() => t.stop());
    await waitFor(() => t.upstream.activePool === 1, 20_000, 'the second upstream');
  });

  it('the agent\'s pool list moves past a pool stalled after its channel opened', async () => {
    const s = await stalled('job');
    const good = await goodPool();
    const url = (e: { host: string; port: number; authorityKey: Uint8Array | null }) => `stratum2+tcp://${e.host}:${e.port}/${encodeAuthorityPublicKey(e.authorityKey!)}`;
    const list = poolListSource([{ url: url(s.endpoint), user: 'a.b', password: '', insecure: false }, { url: url(good.endpoint), user: 'a.b', password: '', insecure: false }], { user: 'a.b', nominalHashrate: 1e6, stepDeadlineMs: 300 });
    cleanups.push(() => list.stop());
    const jobs: MiningJob[] = [];
    list.on('job', (j) => jobs.push(j));
    await list.start();
    await waitFor(() => jobs.length > 0, 20_000, 'a job from the second pool');
    expect(good.pool.channelCount).toBe(1);
  });

  it('hashagent cpu-miner --seconds stops on time although its pool never answers', async () => {
    const s = await stalled('setup');
    const url = `stratum2+tcp://127.0.0.1:${s.endpoint.port}/${encodeAuthorityPublicKey(s.endpoint.authorityKey!)}`;
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, 'cpu-miner', '--pool', url, '--seconds', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(out).toMatch(/stopped \(timeout\) before any pool could be set up/);
  });
});
