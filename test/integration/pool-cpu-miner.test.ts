// End to end on loopback TCP over Noise: the embedded regtest chain, the pool and the CPU miner
// on a standard and on an extended channel. Every found block is re-validated independently.
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { Pool } from '../../agent/roles/pool/pool.js';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { bigIntToLe, concat, headerHash, meetsTarget, merkleRoot, nbitsToTarget, parseHeader, parseTx, sha256d, stripWitness, bip34HeightPush, hashToHex } from '../../agent/bitcoin/index.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(nbits: number) {
  const authority = generateAuthorityKeyPair();
  const chain = new EmbeddedChain({ nbits, templateIntervalMs: 500 });
  const pool = new Pool({
    host: '127.0.0.1', port: 0, authoritySecret: authority.secretKey, certValiditySeconds: 3600, source: chain,
    payoutScript: Uint8Array.of(0x51), coinbaseTag: '/hashagent-test/', serverId: 1, sharesPerMinute: 600, shareBatchSize: 5,
    maxConnections: 100, maxChannelsPerConnection: 4, maxFramesPerSecond: 1000,
  });
  const port = await pool.start();
  cleanups.push(() => pool.stop());
  return { authority, chain, pool, port };
}

function waitFor(cond: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => (cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error('timed out')) : setTimeout(tick, 20));
    tick();
  });
}

for (const [channel, threads] of [['standard', 1], ['extended', 1], ['extended', 2], ['standard', 2]] as const) {
  describe(`CPU miner on a ${channel} channel, ${threads} thread(s)`, () => {
    it('mines accepted shares and valid blocks that advance the chain', async () => {
      // About 65,536 hashes per block and 20,000 per share (200 kH/s declared, 600 shares/min).
      const { authority, chain, pool, port } = await setup(0x1f00ffff);
      const miner = new CpuMiner({ pools: [{ host: '127.0.0.1', port, authorityKey: authority.publicKey }], user: `test.${channel}`, channel, threads, nominalHashrate: 200_000, sliceSize: 2000 });
      cleanups.push(() => miner.stop());
      const errors: string[] = [];
      pool.on('share', (s) => s.ok || errors.push(s.error!));
      await miner.start();
      await waitFor(() => chain.blocks.some((b) => b.transactions.length > 0) && chain.height >= 3 && pool.shares.accepted.get() >= 20, 30_000);
      miner.stop();
      // Nothing invalid. Stale shares (sent before the miner heard of a new block) are the only
      // allowed rejection: at most a few in flight per block.
      expect(errors.filter((e) => e !== 'stale-share')).toEqual([]);
      expect(pool.shares.rejected.get()).toBe(0);
      expect(pool.shares.stale.get()).toBeLessThanOrEqual(3 * chain.height);
      expect(pool.blocksFound.get()).toBe(chain.height);
      // Accounting per user identity matches the pool's totals.
      const acct = pool.accounting.account(`test.${channel}`)!;
      expect(acct.accepted).toBe(pool.shares.accepted.get());
      expect(acct.blocks).toBe(chain.height);
      expect(acct.work).toBeGreaterThan(0);
      // Independent validation of every block: PoW, merkle root, BIP34 height, coinbase value.
      const target = bigIntToLe(nbitsToTarget(chain.nbits)!);
      let prev: Uint8Array = Uint8Array.from(Buffer.from('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206', 'hex').reverse());
      let withWitness = 0;
      for (const b of chain.blocks) {
        const h = parseHeader(b.header);
        expect(Buffer.from(h.prevHash).equals(Buffer.from(prev))).toBe(true);
        const hash = headerHash(b.header);
        expect(meetsTarget(hash, target)).toBe(true);
        expect(hashToHex(hash)).toBe(b.hash);
        const txids = [b.coinbase, ...b.transactions].map((t) => sha256d(stripWitness(t)));
        expect(Buffer.from(h.merkleRoot).equals(Buffer.from(merkleRoot(txids)))).toBe(true);
        const tx = parseTx(b.coinbase);
        const height = bip34HeightPush(b.height);
        expect(Buffer.from(tx.inputs[0]!.scriptSig.subarray(0, height.length)).equals(Buffer.from(height))).toBe(true);
        expect(tx.outputs.reduce((n, o) => n + o.value, 0n)).toBeLessThanOrEqual(chain.subsidy(b.height) + 1000n * BigInt(b.transactions.length));
        if (b.transactions.length) {
          // BIP141: commitment = SHA256d(witness root ‖ reserved value), reserved value in the coinbase witness.
          withWitness++;
          const reserved = tx.inputs[0]!.witness[0]!;
          const wroot = merkleRoot([new Uint8Array(32), ...b.transactions.map((t) => sha256d(t))]);
          const commitment = sha256d(concat(wroot, reserved));
          const out = tx.outputs.find((o) => o.script.length === 38 && o.script[0] === 0x6a && Buffer.from(o.script.subarray(2, 6)).toString('hex') === 'aa21a9ed');
          expect(out && Buffer.from(out.script.subarray(6)).equals(Buffer.from(commitment))).toBe(true);
        }
        prev = hash;
      }
      expect(withWitness).toBeGreaterThan(0); // the simulated mempool put segwit transactions in blocks
    });
  });
}

describe('pool metrics', () => {
  it('renders the required series', async () => {
    const { pool } = await setup(0x1f00ffff);
    const text = pool.metrics.render();
    for (const name of ['hashagent_pool_shares_total{result="accepted"}', 'hashagent_pool_blocks_found_total', 'hashagent_pool_connections', 'hashagent_pool_channels']) {
      expect(text).toContain(name);
    }
  });
});

describe('authentication', () => {
  it('a miner with the wrong authority key is refused with a clear message', async () => {
    const { port } = await setup(0x1f00ffff);
    const miner = new CpuMiner({ pools: [{ host: '127.0.0.1', port, authorityKey: generateAuthorityKeyPair().publicKey }], user: 'x', channel: 'standard', nominalHashrate: 100 });
    await expect(miner.start()).rejects.toThrow(/does not verify against the configured authority key/);
  });
});
