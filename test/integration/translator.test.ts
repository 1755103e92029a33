// The SV1 path end to end on loopback: SV1 clients (the CPU miner through the agent's built-in
// SV1 client, Sv1JobSource) → the translator proxy → our SV2 pool over Noise. Every share the
// miner finds is rebuilt and checked by the translator and again by the pool.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { Sv1JobSource } from '../../agent/upstream/sv1-job-source.js';
import { STALE } from '../../agent/roles/translator/translator.js';
import { leToBigInt } from '../../agent/bitcoin/index.js';
import { startSv1Stack, waitFor, type Sv1Stack } from '../support/sv1-stack.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function stack(o: Parameters<typeof startSv1Stack>[0] = {}): Promise<Sv1Stack> {
  const s = await startSv1Stack(o);
  cleanups.push(() => s.stop());
  return s;
}

for (const aggregate of [true, false]) {
  describe(`CPU miner on SV1 through the translator (${aggregate ? 'aggregated' : 'per-miner channels'})`, () => {
    it('gets shares accepted by the translator and the pool, none rejected', async () => {
      const s = await stack({ aggregate });
      const poolErrors: string[] = [];
      s.pool.on('share', (r) => r.ok || poolErrors.push(r.error!));
      const translatorErrors: string[] = [];
      s.translator.on('share', (r) => r.ok || translatorErrors.push(r.error!));
      const minerErrors: string[] = [];
      const miners = [1, 2].map((n) => {
        const source = new Sv1JobSource({ host: '127.0.0.1', port: s.sv1Port, user: `acct.rig${n}` });
        const miner = new CpuMiner({ pools: [], user: '', channel: 'extended', nominalHashrate: 0, source, sliceSize: 2000 });
        cleanups.push(() => miner.stop());
        miner.on('result', (r) => r.error && minerErrors.push(r.error));
        return miner;
      });
      await Promise.all(miners.map((m) => m.start()));
      await waitFor(() => miners.every((m) => m.stats.accepted >= 5) && s.pool.shares.accepted.get() >= 10, 40_000, 'accepted shares');
      // Nothing invalid. Stale shares (found before the miner heard of a new block; the CPU miner
      // finds blocks on this easy chain) are the only allowed rejection, a few per block.
      expect(minerErrors.filter((e) => e !== STALE)).toEqual([]);
      expect(translatorErrors.filter((e) => e !== STALE)).toEqual([]);
      expect(s.translator.totals.rejected).toBeLessThanOrEqual(3 * s.chain.height);
      expect(poolErrors.filter((e) => e !== 'stale-share')).toEqual([]);
      expect(s.pool.shares.rejected.get()).toBe(0);
      expect(s.translator.totals.forwarded).toBeGreaterThan(0);
      // Aggregated: one upstream channel for both; per-miner: one each.
      expect(s.pool.channelCount).toBe(aggregate ? 1 : 2);
      const metrics = s.translator.metrics.render();
      expect(metrics).toMatch(/hashagent_translator_shares_total\{worker="acct.rig1",result="accepted"\} [1-9]/);
      expect(metrics).toMatch(/hashagent_translator_miners 2/);
    });
  });
}

describe('translator per-miner vardiff', () => {
  it('raises a flooding miner\'s difficulty (set_difficulty, then the job again under a new id) without rejecting its shares', async () => {
    // The miner is assumed to do 1 kH/s; the CPU does a few hundred: it floods until retargeted.
    const s = await stack({ minMinerHashrate: 1000, sharesPerMinute: 60, vardiffTickMs: 100, vardiffMinIntervalMs: 500 });
    const source = new Sv1JobSource({ host: '127.0.0.1', port: s.sv1Port, user: 'acct.fast' });
    const targets: bigint[] = [];
    const jobIds: number[] = [];
    source.on('target', (t) => targets.push(leToBigInt(t)));
    source.on('job', (j) => jobIds.push(j.jobId));
    const errors: string[] = [];
    const miner = new CpuMiner({ pools: [], user: '', channel: 'extended', nominalHashrate: 0, source, sliceSize: 2000 });
    miner.on('result', (r) => r.error && r.error !== STALE && errors.push(r.error));
    cleanups.push(() => miner.stop());
    await miner.start();
    await waitFor(() => targets.length >= 3 && targets.at(-1)! < targets[0]! / 10n, 20_000, 'retargets');
    const accepted = miner.stats.accepted;
    await waitFor(() => miner.stats.accepted >= accepted + 5, 20_000, 'shares at the new difficulty');
    // Retargeting made the share target much harder (a smaller number), re-sending the job each time.
    expect(targets.at(-1)!).toBeLessThan(targets[0]! / 10n);
    expect(jobIds.length).toBeGreaterThanOrEqual(targets.length);
    expect(errors).toEqual([]);
  });
});

describe('translator line-rate limit', () => {
  it('closes a miner that floods lines and keeps one that does not', async () => {
    const s = await stack({ maxLinesPerSecond: 50 });
    const open = (lines: number) =>
      new Promise<{ closed: () => boolean; pongs: () => number }>((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port: s.sv1Port }, () => {
          sock.write('{"id":"p","method":"mining.ping","params":[]}\n'.repeat(lines));
          resolve({ closed: () => closed, pongs: () => pongs });
        });
        let closed = false;
        let pongs = 0;
        sock.on('data', (d) => (pongs += d.toString().split('"pong"').length - 1));
        sock.on('close', () => (closed = true));
        sock.on('error', () => {});
        cleanups.push(() => sock.destroy());
      });
    const flood = await open(200);
    const calm = await open(10);
    await waitFor(() => flood.closed() && calm.pongs() === 10, 5000, 'the flooder closed, the calm miner answered');
    expect(calm.closed()).toBe(false);
    expect(s.translator.metrics.render()).toMatch(/connections_closed_total\{reason="flooding"\} 1/);
  });
});
