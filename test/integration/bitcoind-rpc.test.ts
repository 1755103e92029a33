// The bitcoind JSON-RPC template source against an emulated bitcoind (real JSON-RPC over HTTP),
// under the pool with a CPU miner: the block carries the node's segwit transaction, the witness
// commitment and the coinbase reserved value, and the node accepts it.
import { afterEach, describe, expect, it } from 'vitest';
import { BitcoindRpc } from '../../agent/templates/bitcoind-rpc.js';
import { Pool } from '../../agent/roles/pool/pool.js';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { BitcoindEmulator } from '../support/bitcoind-emulator.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

describe('bitcoind JSON-RPC template source', () => {
  it('templates with the mempool and witness commitment; a mined block is accepted by the node', async () => {
    const node = new BitcoindEmulator();
    const url = await node.start();
    stops.push(() => node.stop());
    const source = new BitcoindRpc({ url, user: node.user, password: node.password, pollIntervalMs: 200 });
    await source.start();
    stops.push(() => source.stop());
    const cur = source.current()!;
    expect(cur.template.merkle_path.length).toBe(1); // the segwit transaction
    expect(cur.template.coinbase_tx_outputs_count).toBe(1); // the witness commitment
    expect(cur.template.coinbase_prefix[0]).toBe(0x01); // BIP34 push of height 101

    const authority = generateAuthorityKeyPair();
    const logs: string[] = [];
    const pool = new Pool({
      host: '127.0.0.1', port: 0, authoritySecret: authority.secretKey, certValiditySeconds: 3600, source,
      payoutScript: Uint8Array.of(0x51), coinbaseTag: '/rpc/', serverId: 1, sharesPerMinute: 60, shareBatchSize: 1,
      maxConnections: 10, maxChannelsPerConnection: 2, maxFramesPerSecond: 1000, log: (l) => logs.push(l),
    });
    const port = await pool.start();
    stops.push(() => pool.stop());
    const miner = new CpuMiner({ pools: [{ host: '127.0.0.1', port, authorityKey: authority.publicKey }], user: 'rpc', channel: 'extended', nominalHashrate: 1000, sliceSize: 500 });
    stops.push(() => miner.stop());
    await miner.start();
    const t0 = Date.now();
    // The pool counts a block once the node has answered its submitblock: wait for both.
    while ((node.height < 102 || pool.blocksFound.get() < 2) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    // With a target this easy every share is a block, so a few in flight arrive after the tip moved:
    // the node calls those stale. Nothing else may be rejected.
    expect(node.rejections.filter((r) => r !== 'inconclusive-not-best-prevblk')).toEqual([]);
    expect(node.height).toBeGreaterThanOrEqual(102); // the segwit block, then at least one more on the new tip
    expect(pool.blocksFound.get()).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('wrong credentials and missing segwit rules are clear errors', async () => {
    const node = new BitcoindEmulator();
    const url = await node.start();
    stops.push(() => node.stop());
    await expect(new BitcoindRpc({ url, user: 'x', password: 'y' }).start()).rejects.toThrow(/refused the RPC credentials/);
    const rpc = new BitcoindRpc({ url, user: node.user, password: node.password });
    await expect(rpc.call('getblocktemplate', [{}])).rejects.toThrow(/segwit rule set.*\(code -8\)/);
  });
});
