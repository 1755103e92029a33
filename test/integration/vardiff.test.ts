// A miner far faster than it declares: the pool raises its difficulty with SetTarget until the
// share rate nears the goal; shares in flight at the old target are still accepted.
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { Pool } from '../../agent/roles/pool/pool.js';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

describe('vardiff end to end', () => {
  it('retargets a flooding miner towards the configured share rate', async () => {
    const authority = generateAuthorityKeyPair();
    const logs: string[] = [];
    const pool = new Pool({
      host: '127.0.0.1', port: 0, authoritySecret: authority.secretKey, certValiditySeconds: 3600, source: new EmbeddedChain({ nbits: 0x1e00ffff }),
      payoutScript: Uint8Array.of(0x51), coinbaseTag: '/t/', serverId: 1, sharesPerMinute: 120, shareBatchSize: 1,
      maxConnections: 10, maxChannelsPerConnection: 2, maxFramesPerSecond: 100_000, vardiff: { minIntervalMs: 500, tickMs: 100 }, log: (l) => logs.push(l),
    });
    const port = await pool.start();
    stops.push(() => pool.stop());
    const miner = new CpuMiner({ pools: [{ host: '127.0.0.1', port, authorityKey: authority.publicKey }], user: 'v', channel: 'extended', nominalHashrate: 2000, sliceSize: 1000 });
    stops.push(() => miner.stop());
    await miner.start();
    const shareTimes: number[] = [];
    pool.on('share', (s) => s.ok && shareTimes.push(Date.now()));
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 6000));
    const first = shareTimes.filter((t) => t - t0 < 1000).length;
    const last = shareTimes.filter((t) => Date.now() - t < 2000).length / 2;
    expect(logs.some((l) => /channel \d+ \('v'\): difficulty/.test(l))).toBe(true);
    expect(first).toBeGreaterThan(20); // ~100 shares/s at the declared 2 kH/s
    expect(last).toBeLessThan(first / 4); // converging on 2 shares/s
    expect(pool.shares.rejected.get()).toBe(0);
  }, 20_000);
});
