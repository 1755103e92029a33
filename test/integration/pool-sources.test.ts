// pool.toml picks the template source: bitcoind over JSON-RPC, or a Template Provider over SV2.
import { afterEach, describe, expect, it } from 'vitest';
import { parsePoolConfig } from '../../agent/config/pool.js';
import { runPool } from '../../agent/roles/pool/run.js';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { TdpServer } from '../../agent/templates/tdp-server.js';
import { encodeAuthorityPublicKey, encodeSecretKey, generateAuthorityKeyPair, parsePoolUrl } from '../../agent/sv2/keys.js';
import { BitcoindEmulator } from '../support/bitcoind-emulator.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function mineOn(text: string, done: () => boolean): Promise<void> {
  const pool = generateAuthorityKeyPair();
  const config = parsePoolConfig(`authority_secret_key = "${encodeSecretKey(pool.secretKey)}"\nlisten_address = "127.0.0.1:0"\nmonitoring_address = "127.0.0.1:0"\nshares_per_minute = 60.0\n${text}`, 'test.toml');
  const running = await runPool(config, () => {});
  stops.push(() => running.stop());
  const url = parsePoolUrl(running.url);
  const miner = new CpuMiner({ pools: [{ host: url.host, port: url.port, authorityKey: url.authorityKey }], user: 'src', channel: 'extended', nominalHashrate: 1000, sliceSize: 500 });
  stops.push(() => miner.stop());
  await miner.start();
  const t0 = Date.now();
  while (!done() && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
}

describe('pool template sources from pool.toml', () => {
  it('type = "bitcoind": blocks reach the node', async () => {
    const node = new BitcoindEmulator();
    const rpc = await node.start();
    stops.push(() => node.stop());
    await mineOn(`[template_provider]\ntype = "bitcoind"\nrpc_url = "${rpc}"\nrpc_user = "${node.user}"\nrpc_password = "${node.password}"\n`, () => node.height >= 101);
    expect(node.height).toBeGreaterThanOrEqual(101);
  }, 30_000);

  it('type = "sv2": blocks reach the Template Provider', async () => {
    const tp = generateAuthorityKeyPair();
    const chain = new EmbeddedChain({ nbits: 0x207fffff });
    const server = new TdpServer({ host: '127.0.0.1', port: 0, authoritySecret: tp.secretKey, source: chain });
    const port = await server.start();
    stops.push(() => server.stop());
    await mineOn(`[template_provider]\ntype = "sv2"\naddress = "127.0.0.1:${port}"\npublic_key = "${encodeAuthorityPublicKey(tp.publicKey)}"\n`, () => chain.height >= 1);
    expect(chain.height).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
