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
    // What the pool did, not how many shares fell into which wall-clock second (a loaded machine
    // hashes slower): the difficulty of the accepted shares, in order, and the retargets it logged.
    const difficulties: number[] = [];
    pool.on('share', (s) => s.ok && difficulties.push(s.difficulty!));
    await new Promise((r) => setTimeout(r, 6000));
    const retargets = logs.filter((l) => /channel \d+ \('v'\): difficulty/.test(l));
    expect(retargets.length).toBeGreaterThan(0);
    expect(difficulties.length).toBeGreaterThan(10);
    // The miner floods at ~50× the goal at full speed: the difficulty must rise by well over 4×
    // (so its share rate falls by as much) and settle there, not fall back.
    expect(difficulties.at(-1)!).toBeGreaterThan(4 * difficulties[0]!);
    expect(difficulties.at(-1)!).toBeGreaterThan(Math.max(...difficulties) / 2);
    expect(pool.shares.rejected.get()).toBe(0);
  }, 20_000);
});
