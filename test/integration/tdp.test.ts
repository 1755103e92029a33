// The Template Distribution client against our TDP server in front of the embedded chain,
// over Noise on loopback: templates and prevhash arrive, a mined solution advances the chain.
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { TdpServer } from '../../agent/templates/tdp-server.js';
import { TdpClient } from '../../agent/templates/tdp-client.js';
import { Backoff } from '../../agent/net/failover.js';
import { freePort } from '../support/sv1-stack.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { buildCoinbaseParts, buildHeader, concat, headerHash, meetsTarget, merkleRootFromPath, parseTx, sha256d } from '../../agent/bitcoin/index.js';
import type { Solution } from '../../agent/templates/source.js';
import type { TemplatePrevHash } from '../../agent/templates/source.js';
import { serializeTx } from '../../agent/bitcoin/bip141.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});


/** A TDP server in front of `chain` and a client connected to it. */
async function tdpPair(chain: EmbeddedChain): Promise<TdpClient> {
  const tp = generateAuthorityKeyPair();
  const server = new TdpServer({ host: '127.0.0.1', port: 0, authoritySecret: tp.secretKey, source: chain });
  const port = await server.start();
  stops.push(() => server.stop());
  const client = new TdpClient({ host: '127.0.0.1', port, authorityKey: tp.publicKey });
  stops.push(() => client.stop());
  await client.start();
  return client;
}

/** A header on the client's current tip and template that meets the network target. */
function mine(cur: NonNullable<ReturnType<TdpClient['current']>>, coinbase: Uint8Array): { header: Uint8Array; nonce: number } {
  const root = merkleRootFromPath(sha256d(coinbase), cur.template.merkle_path);
  for (let nonce = 0; ; nonce++) {
    const header = buildHeader({ version: cur.template.version, prevHash: cur.prevhash.prev_hash, merkleRoot: root, ntime: cur.prevhash.header_timestamp, nbits: cur.prevhash.n_bits, nonce });
    if (meetsTarget(headerHash(header), cur.prevhash.target)) return { header, nonce };
  }
}

describe('Template Distribution Protocol', () => {
  it('client gets templates and prevhash; a solution is accepted and the tip advances', async () => {
    const chain = new EmbeddedChain({ nbits: 0x207fffff, templateIntervalMs: 60_000 });
    const client = await tdpPair(chain);
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
    const { header, nonce } = mine(cur, coinbase);
    const next = new Promise<TemplatePrevHash>((r) => client.once('prevhash', r));
    expect(await client.submitSolution({ template_id: t.template_id, version: t.version, header_timestamp: cur.prevhash.header_timestamp, header_nonce: nonce, coinbase_tx: coinbase })).toEqual({ accepted: 'submitted' });
    const p = await next;
    expect(chain.height).toBe(1);
    expect(Buffer.from(p.prev_hash).equals(Buffer.from(headerHash(header)))).toBe(true);
    expect(client.current()!.template.coinbase_prefix[0]).toBe(0x52); // BIP34: height 2 is OP_2
  });

  it('SubmitSolution carries the coinbase with its BIP141 witness when the template commits to witnesses', async () => {
    // sv2-spec 07 §7.7 (SubmitSolution): the full coinbase with marker, flag and witness; sv2-tp
    // hands it to Bitcoin Core unchanged, which rejects a committing block without the reserved
    // value (bad-witness-nonce-size). So the bytes on the wire must carry it, not the source's fix-up.
    const chain = new EmbeddedChain({ nbits: 0x207fffff, templateIntervalMs: 60_000 });
    chain.mempool.push(segwitTx());
    const seen: Solution[] = [];
    const submit = chain.submitSolution.bind(chain);
    chain.submitSolution = (s) => (seen.push({ ...s, coinbase_tx: s.coinbase_tx.slice() }), submit(s));
    const client = await tdpPair(chain);
    const cur = client.current()!;
    const t = cur.template;
    expect(t.coinbase_tx_outputs_count).toBe(1);
    // The miner's coinbase (as a pool builds it for the txid): the template's outputs, no witness.
    const parts = buildCoinbaseParts({
      version: t.coinbase_tx_version, scriptSigPrefix: t.coinbase_prefix, tag: new TextEncoder().encode('/tdp-test/'), extranonceSize: 4, sequence: t.coinbase_tx_input_sequence,
      outputs: [{ value: t.coinbase_tx_value_remaining, script: Uint8Array.of(0x51) }, { value: 0n, script: t.coinbase_tx_outputs.subarray(9) }], locktime: t.coinbase_tx_locktime,
    });
    const coinbase = concat(parts.prefix, Uint8Array.of(1, 2, 3, 4), parts.suffix);
    expect(parseTx(coinbase).hasWitness).toBe(false);
    const { nonce } = mine(cur, coinbase);
    const next = new Promise<TemplatePrevHash>((r) => client.once('prevhash', r));
    await client.submitSolution({ template_id: t.template_id, version: t.version, header_timestamp: cur.prevhash.header_timestamp, header_nonce: nonce, coinbase_tx: coinbase });
    await next;
    expect(chain.height).toBe(1);
    const sent = parseTx(seen[0]!.coinbase_tx);
    expect(sent.hasWitness).toBe(true);
    expect(sent.inputs[0]!.witness).toEqual([new Uint8Array(32)]);
    // Same transaction otherwise: its txid is the one the miner hashed.
    expect(Buffer.from(sha256d(serializeTx(sent, false))).equals(Buffer.from(sha256d(coinbase)))).toBe(true);
  });

  it('a client that connects after the source refreshed its template can start work at once', async () => {
    // sv2-spec 07: SetNewPrevHash names a template the client received (a future one). After a
    // refresh the source's newest template is not the one its tip was announced with.
    const tp = generateAuthorityKeyPair();
    const chain = new EmbeddedChain({ nbits: 0x207fffff, templateIntervalMs: 20 });
    const server = new TdpServer({ host: '127.0.0.1', port: 0, authoritySecret: tp.secretKey, source: chain });
    const port = await server.start();
    stops.push(() => server.stop());
    stops.push(() => chain.stop());
    await new Promise<void>((r) => chain.once('template', () => r()));
    const client = new TdpClient({ host: '127.0.0.1', port, authorityKey: tp.publicKey });
    stops.push(() => client.stop());
    // The source keeps refreshing (every 20 ms), so later non-future templates may replace the
    // work after start(); what must hold is that the first SetNewPrevHash names a future template
    // this client already received.
    const futures: bigint[] = [];
    let firstPrevhash: TemplatePrevHash | null = null;
    client.on('template', (t: { template_id: bigint; future_template: boolean }) => { if (!firstPrevhash && t.future_template) futures.push(t.template_id); });
    client.once('prevhash', (p: TemplatePrevHash) => { firstPrevhash = p; });
    await client.start();
    expect(firstPrevhash).not.toBeNull();
    expect(futures).toContain(firstPrevhash!.template_id);
    const cur = client.current();
    expect(cur).not.toBeNull();
    expect(Buffer.from(cur!.prevhash.prev_hash).equals(Buffer.from(chain.current()!.prevhash.prev_hash))).toBe(true);
  });

  it('a Template Provider that restarts: the client keeps the last template meanwhile and reconnects', async () => {
    const tp = generateAuthorityKeyPair();
    const port = await freePort();
    const first = new TdpServer({ host: '127.0.0.1', port, authoritySecret: tp.secretKey, source: new EmbeddedChain({ nbits: 0x207fffff, templateIntervalMs: 60_000 }) });
    await first.start();
    const client = new TdpClient({ host: '127.0.0.1', port, authorityKey: tp.publicKey, backoff: new Backoff(20, 100) });
    stops.push(() => client.stop());
    await client.start();
    const before = client.current()!;
    await first.stop();
    await new Promise((r) => setTimeout(r, 300)); // a few failed reconnects
    expect(client.current()).toBe(before);
    const again = new Promise<TemplatePrevHash>((r) => client.once('prevhash', r));
    const second = new TdpServer({ host: '127.0.0.1', port, authoritySecret: tp.secretKey, source: new EmbeddedChain({ nbits: 0x207fffff, templateIntervalMs: 60_000 }) });
    await second.start();
    stops.push(() => second.stop());
    await again;
    expect(client.current()!.template.template_id).toBeGreaterThan(0n);
  });

  it('CoinbaseOutputConstraints above what the provider allows: refused, and a client asking within them is served', async () => {
    // sv2-spec 07 (CoinbaseOutputConstraints): the server must leave that much room in its
    // templates; ours refuses what it cannot promise (there is no error message for it: it closes).
    const chain = new EmbeddedChain({ nbits: 0x207fffff, templateIntervalMs: 60_000 });
    const tp = generateAuthorityKeyPair();
    const lines: string[] = [];
    const server = new TdpServer({ host: '127.0.0.1', port: 0, authoritySecret: tp.secretKey, source: chain, maxCoinbaseOutputSize: 200, maxCoinbaseOutputSigops: 10, log: (l) => lines.push(l) });
    const port = await server.start();
    stops.push(() => server.stop());
    for (const [size, sigops] of [[201, 4], [100, 11]] as const) {
      const greedy = new TdpClient({ host: '127.0.0.1', port, authorityKey: tp.publicKey, coinbaseOutputMaxAdditionalSize: size, coinbaseOutputMaxAdditionalSigops: sigops });
      stops.push(() => greedy.stop());
      await expect(greedy.start()).rejects.toThrow(/closed/);
      expect(greedy.current()).toBeNull();
    }
    expect(lines.join('\n')).toMatch(/CoinbaseOutputConstraints 201 bytes \/ 4 sigops above this provider's 200 \/ 10/);
    const fits = new TdpClient({ host: '127.0.0.1', port, authorityKey: tp.publicKey, coinbaseOutputMaxAdditionalSize: 200, coinbaseOutputMaxAdditionalSigops: 10 });
    stops.push(() => fits.stop());
    await fits.start();
    expect(fits.current()).not.toBeNull();
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

/** One segwit transaction for the mempool, so the template commits to witnesses. */
function segwitTx(): Uint8Array {
  // version 2, marker+flag, 1 input (prevout 0x11…, index 0, empty scriptSig), 1 OP_TRUE output, witness [01 aa], locktime 0
  return Buffer.from('02000000' + '0001' + '01' + '11'.repeat(32) + '00000000' + '00' + 'ffffffff' + '01' + 'e803000000000000' + '01' + '51' + '01' + '01aa' + '00000000', 'hex');
}
