// `hashagent template-provider --config tp.toml` as an operator runs it: the shipped example with
// a key from `hashagent keygen --out`, our pool (`[template_provider] type = "sv2"`) pointed at
// the spawned process over real TCP and real Noise, and a CPU miner behind the pool: a block is
// found and the Template Provider's source accepts it. RequestTransactionData is answered with
// the transactions the template was built with (their txids rebuild the template's merkle path).
// Bad config: file:line:key, exit 2; a busy port: exit 2 naming file, key and address; SIGHUP
// does not kill it.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli } from '../support/cli.js';
import { freePort, waitFor } from '../support/sv1-stack.js';
import { TdpClient } from '../../agent/templates/tdp-client.js';
import { decodeAuthorityPublicKey } from '../../agent/sv2/keys.js';
import { merklePathForFirst, sha256d, stripWitness } from '../../agent/bitcoin/index.js';
import { BitcoindEmulator, SEGWIT_TX } from '../support/bitcoind-emulator.js';

const dir = mkdtempSync(join(tmpdir(), 'hashagent-tp-'));
const children: ChildProcess[] = [];
const clients: TdpClient[] = [];
afterAll(async () => {
  for (const c of clients) c.stop();
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  rmSync(dir, { recursive: true, force: true });
});

const tpExample = readFileSync(new URL('../../agent/config/examples/tp.toml', import.meta.url), 'utf8');
const poolExample = readFileSync(new URL('../../agent/config/examples/pool.toml', import.meta.url), 'utf8');
expect(runCli(['keygen', '--out', join(dir, 'tp-authority.key')]).status).toBe(0);
expect(runCli(['keygen', '--out', join(dir, 'pool-authority.key')]).status).toBe(0);

function run(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const io = { out: '', err: '', code: undefined as number | null | undefined };
  child.stdout!.on('data', (d: Buffer) => (io.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (io.err += d.toString()));
  child.on('exit', (c) => (io.code = c));
  return { child, io };
}

/** The example tp.toml with a free listener and `source` keys replaced. */
function tpToml(name: string, listen: string, source: Record<string, string> = {}): string {
  let text = tpExample.replace('"0.0.0.0:18447"', `"${listen}"`);
  for (const [k, v] of Object.entries(source)) text = text.replace(new RegExp(`^${k} = .*$`, 'm'), `${k} = ${v}`);
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Our pool from the example with [template_provider] type = "sv2" on `address`/`publicKey`, and a CPU miner on it. */
async function poolAndMinerOn(name: string, address: string, publicKey: string) {
  const poolFile = join(dir, name);
  writeFileSync(
    poolFile,
    poolExample
      .replace('"0.0.0.0:34254"', `"127.0.0.1:${await freePort()}"`)
      .replace('"127.0.0.1:9090"', '"127.0.0.1:0"')
      .replace('type = "embedded"', 'type = "sv2"')
      .replace('address = "127.0.0.1:18447"', `address = "${address}"`)
      .replace('# public_key = "9..."', `public_key = "${publicKey}"`),
  );
  const pool = run(['pool', '--config', poolFile]);
  await waitFor(() => /metrics: /.test(pool.io.out) || pool.io.code !== undefined, 30_000, 'the pool');
  expect(pool.io.err).toBe('');
  const url = /pool listening: (\S+)/.exec(pool.io.out)![1]!;
  return { pool, miner: run(['cpu-miner', '--pool', url, '--seconds', '120']) };
}

describe('hashagent template-provider', () => {
  it('our pool on the spawned Template Provider mines a block; RequestTransactionData is answered from the source', async () => {
    // A network target a CPU core meets in a few thousand hashes, and a mempool that gains a
    // segwit transaction every 300 ms, so templates carry transactions and a witness commitment.
    const tpFile = tpToml('tp.toml', `127.0.0.1:${await freePort()}`, { nbits: '0x1f00ffff', template_interval_ms: '300' });
    const tp = run(['template-provider', '--config', tpFile]);
    await waitFor(() => /public_key: \w+\n/.test(tp.io.out) || tp.io.code !== undefined, 30_000, 'the template provider');
    expect(tp.io.err).toBe('');
    const address = /template provider listening: (\S+)/.exec(tp.io.out)![1]!;
    const publicKey = /public_key: (\w+)/.exec(tp.io.out)![1]!;
    // The key printed at start is the one `keygen --out` printed for that file.
    expect(runCli(['keygen', '--secret-file', join(dir, 'tp-authority.key')]).stdout).toContain(`public_key: ${publicKey}`);

    // RequestTransactionData from a TDP client over real Noise, once the mempool has transactions.
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
    const client = new TdpClient({ host, port, authorityKey: decodeAuthorityPublicKey(publicKey) });
    clients.push(client);
    await client.start();
    const withTxs = await new Promise<bigint>((resolve) => {
      const check = () => {
        const t = client.current()?.template;
        if (t && t.merkle_path.length > 0) {
          client.off('template', check);
          resolve(t.template_id);
        }
      };
      client.on('template', check);
      check();
    });
    const template = client.current()!.template;
    expect(template.template_id).toBe(withTxs);
    const txs = await client.requestTransactionData(withTxs);
    expect(txs.length).toBeGreaterThan(0);
    // The answer is the template's own transactions: their txids rebuild its merkle path.
    const path = merklePathForFirst([new Uint8Array(32), ...txs.map((t) => sha256d(stripWitness(t)))]);
    expect(path.map((p) => Buffer.from(p).toString('hex'))).toEqual(template.merkle_path.map((p) => Buffer.from(p).toString('hex')));
    // A template id it never sent is refused as the spec names it.
    await expect(client.requestTransactionData(999_999_999n)).rejects.toThrow(/template-id-not-found/);
    client.stop();

    // Our pool with [template_provider] type = "sv2" on that address and key, and a CPU miner.
    const { pool, miner } = await poolAndMinerOn('pool.toml', address, publicKey);
    await waitFor(() => /solution accepted: block \d+/.test(tp.io.out) || tp.io.code !== undefined || pool.io.code !== undefined, 120_000, 'a block through the template provider');
    const log = `tp:\n${tp.io.out}${tp.io.err}\npool:\n${pool.io.out.slice(-3000)}${pool.io.err}\nminer:\n${miner.io.out.slice(-2000)}${miner.io.err}`;
    expect(tp.io.out, log).toMatch(/solution accepted: block 1 /);
    expect(pool.io.out, log).toMatch(/block candidate from .* submitted to the template provider/);
    expect(pool.io.out, log).not.toMatch(/rejected by the template source/);
    for (const p of [miner, pool, tp]) p.child.kill('SIGTERM');
    await waitFor(() => tp.io.code !== undefined && pool.io.code !== undefined, 20_000, 'exit');
    expect(tp.io.code).toBe(0);
  }, 240_000);

  it('[source] type = "bitcoind": the node\'s own transaction bytes answer RequestTransactionData; a block mined through our pool reaches the node', async () => {
    const node = new BitcoindEmulator();
    const rpc = await node.start();
    try {
      const tpFile = tpToml('tp-node.toml', `127.0.0.1:${await freePort()}`, { type: '"bitcoind"', rpc_url: `"${rpc}"`, rpc_user: '"rpcuser"', rpc_password: '"rpcpass"' });
      const tp = run(['template-provider', '--config', tpFile]);
      await waitFor(() => /public_key: \w+\n/.test(tp.io.out) || tp.io.code !== undefined, 30_000, 'the template provider');
      const address = /template provider listening: (\S+)/.exec(tp.io.out)![1]!;
      const publicKey = /public_key: (\w+)/.exec(tp.io.out)![1]!;
      const at = address.lastIndexOf(':');
      const client = new TdpClient({ host: address.slice(0, at), port: Number(address.slice(at + 1)), authorityKey: decodeAuthorityPublicKey(publicKey) });
      clients.push(client);
      await client.start();
      // getblocktemplate's `data`, witness included (BIP143's signed P2WPKH example), byte for byte.
      const txs = await client.requestTransactionData(client.current()!.template.template_id);
      expect(txs.map((t) => Buffer.from(t).toString('hex'))).toEqual([SEGWIT_TX]);
      client.stop();

      const { pool, miner } = await poolAndMinerOn('pool-node.toml', address, publicKey);
      // The node checks the block with bitcoinjs-lib: proof of work, merkle root, the witness
      // commitment and the coinbase's reserved value (BIP141), BIP34 height.
      await waitFor(() => node.height > 100 || node.rejections.length > 0 || tp.io.code !== undefined, 120_000, 'a block at the node');
      expect(node.rejections, `${tp.io.out}\n${pool.io.out.slice(-2000)}`).toEqual([]);
      expect(node.height).toBe(101);
      await waitFor(() => /solution accepted: block 101 /.test(tp.io.out), 20_000, 'the accepted line');
      for (const p of [miner, pool, tp]) p.child.kill('SIGTERM');
      await waitFor(() => tp.io.code !== undefined && pool.io.code !== undefined, 20_000, 'exit');
    } finally {
      node.stop();
    }
  }, 240_000);

  it('a bad tp.toml is exit 2 naming file:line:key; a busy port is exit 2 naming file, key and address; SIGHUP is logged', async () => {
    const bad = tpToml('bad.toml', '127.0.0.1:0', { type: '"electrum"' });
    const r = runCli(['template-provider', '--config', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.toml:\d+: source\.type: must be one of "embedded", "bitcoind", got "electrum"/);
    const line = Number(/bad\.toml:(\d+):/.exec(r.stderr)![1]);
    expect(readFileSync(bad, 'utf8').split('\n')[line - 1]).toBe('type = "electrum"');
    const noKey = join(dir, 'nokey.toml');
    writeFileSync(noKey, tpExample.replace('"tp-authority.key"', '"missing.key"'));
    const k = runCli(['template-provider', '--config', noKey]);
    expect(k.status).toBe(2);
    expect(k.stderr).toMatch(/nokey\.toml:\d+: authority_secret_key_file: cannot read .*missing\.key: ENOENT/);

    const busy = net.createServer().listen(0, '127.0.0.1');
    await new Promise((res) => busy.once('listening', res));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const file = tpToml('busy.toml', `127.0.0.1:${port}`);
      const { io } = run(['template-provider', '--config', file]);
      await waitFor(() => io.code !== undefined, 20_000, 'exit');
      expect(io.code).toBe(2);
      expect(io.err).toContain(`${file}: listen_address: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
      expect(io.err).not.toMatch(/\n\s+at /);
    } finally {
      busy.close();
    }

    const { child, io } = run(['template-provider', '--config', tpToml('hup.toml', '127.0.0.1:0')]);
    await waitFor(() => /template provider listening/.test(io.out) || io.code !== undefined, 20_000, 'listening');
    child.kill('SIGHUP');
    await waitFor(() => /SIGHUP/.test(io.out) || io.code !== undefined, 10_000, 'the SIGHUP line');
    expect(io.code).toBeUndefined();
    child.kill('SIGTERM');
    await waitFor(() => io.code !== undefined, 10_000, 'exit');
    expect(io.code).toBe(0);
  }, 60_000);
});
