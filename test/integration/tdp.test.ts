// The Template Distribution client against our TDP server in front of the embedded chain,
// over Noise on loopback: templates and prevhash arrive, a mined solution advances the chain.
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { TdpServer } from '../../agent/templates/tdp-server.js';
import { TdpClient } from '../../agent/templates/tdp-client.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { buildCoinbaseParts, buildHeader, concat, headerHash, meetsTarget, merkleRootFromPath, sha256d } from '../../agent/bitcoin/index.js';
import type { TemplatePrevHash } from '../../agent/templates/source.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

describe('Template Distribution Protocol', () => {
  it('client gets templates and prevhash; a solution is accepted and the tip advances', async () => {
    const tp = generateAuthorityKeyPair();
    const chain = new EmbeddedChain({ nbits: 0x207fffff, templateIntervalMs: 60_000 });
    const server = new TdpServer({ host: '127.0.0.1', port: 0, authoritySecret: tp.secretKey, source: chain });
    const port = await server.start();
    stops.push(() => server.stop());
    const client = new TdpClient({ host: '127.0.0.1', port, authorityKey: tp.publicKey });
    stops.push(() => client.stop());
    await client.start();
    const cur = client.current()!;
    expect(cur).not.toBeNull();
    expect(cur.template.coinbase_tx_value_remaining).toBe(5_000_000_000n);
    expect(cur.prevhash.n_bits).toBe(0x207fffff);

    // Mine block 1 on the template as a pool would.
    const t = cur.template;
    const parts = buildCoinbaseParts({
      version: t.coinbase_tx_version, scriptSigPrefix: t.coinbase_prefix, tag: new TextEncoder().encode('/tdp-test/'), extranonceSize: 4,
      sequence: t.coinbase_tx_input_sequence, outputs: [{ value: t.coinbase_tx_value_remaining, script: Uint8Array.of(0x51) }], locktime: t.coinbase_tx_locktime,
    });
    const coinbase = concat(parts.prefix, Uint8Array.of(1, 2, 3, 4), parts.suffix);
    const root = merkleRootFromPath(sha256d(coinbase), t.merkle_path);
    let nonce = 0;
    let header: Uint8Array;
    do {
      header = buildHeader({ version: t.version, prevHash: cur.prevhash.prev_hash, merkleRoot: root, ntime: cur.prevhash.header_timestamp, nbits: cur.prevhash.n_bits, nonce: nonce++ });
    } while (!meetsTarget(headerHash(header), cur.prevhash.target));
    const next = new Promise<TemplatePrevHash>((r) => client.once('prevhash', r));
    expect(await client.submitSolution({ template_id: t.template_id, version: t.version, header_timestamp: cur.prevhash.header_timestamp, header_nonce: nonce - 1, coinbase_tx: coinbase })).toEqual({ accepted: 'submitted' });
    const p = await next;
    expect(chain.height).toBe(1);
    expect(Buffer.from(p.prev_hash).equals(Buffer.from(headerHash(header)))).toBe(true);
    expect(client.current()!.template.coinbase_prefix[0]).toBe(0x52); // BIP34: height 2 is OP_2
  });

  it('a client with the wrong TP key is refused', async () => {
    const chain = new EmbeddedChain();
    const server = new TdpServer({ host: '127.0.0.1', port: 0, authoritySecret: generateAuthorityKeyPair().secretKey, source: chain });
    const port = await server.start();
    stops.push(() => server.stop());
    const client = new TdpClient({ host: '127.0.0.1', port, authorityKey: generateAuthorityKeyPair().publicKey });
    await expect(client.start()).rejects.toThrow(/authority key/);
  });
});
