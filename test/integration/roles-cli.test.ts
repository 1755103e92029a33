import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, runCli } from '../support/cli.js';
import { tempDir } from '../support/processes.js';
import { startRawSv1Pool } from '../support/raw-sv1-pool.js';

describe('hashagent start (npm start)', () => {
  it('runs the demo: pool URL, metrics URL, accepted shares, none rejected', async () => {
    const child = spawn(process.execPath, [CLI, 'start', '--seconds', '8'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let metrics = '';
    child.stdout.on('data', async (d: Buffer) => {
      out += d.toString();
      const m = /metrics: (http:\S+)/.exec(out);
      if (m && !metrics) metrics = await fetch(m[1]!).then((r) => r.text()).catch(() => 'unreachable');
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(out).toMatch(/pool: +stratum2\+tcp:\/\/127\.0\.0\.1:\d+\/9\w+/);
    const last = out.trim().split('\n').pop()!;
    const accepted = Number(/shares accepted (\d+)/.exec(last)![1]);
    expect(accepted).toBeGreaterThan(0);
    expect(last).toMatch(/rejected 0/);
    expect(metrics).toContain('hashagent_pool_shares_total{result="accepted"}');
  }, 30_000);
});

describe('hashagent pool --config', () => {
  const tmp = tempDir('hashagent-');
  const dir = tmp.dir;
  afterAll(tmp.remove);
  const example = readFileSync(new URL('../../agent/config/examples/pool.toml', import.meta.url), 'utf8');
  it('exits 2 naming file, line and key for an unknown key, a wrong type and a bad value', () => {
    // The example's key file, as the README makes it.
    expect(runCli(['keygen', '--out', join(dir, 'pool-authority.key')]).status).toBe(0);
    expect(runCli(['keygen', '--out', join(dir, 'pool-authority.key')]).stderr).toMatch(/exists; a key file is never overwritten/);
    const cases: [string, RegExp][] = [
      [example.replace('server_id = 1', 'server_idd = 1'), /pool\.toml:\d+: server_idd: unknown key/],
      [example.replace('share_batch_size = 10', 'share_batch_size = "ten"'), /pool\.toml:\d+: share_batch_size: expected an integer/],
      [example.replace('max_connections = 10000', 'max_connections = 0'), /pool\.toml:\d+: limits\.max_connections: 0 is below the minimum 1/],
      [example.replace(/authority_secret_key_file = ".*"/, 'authority_secret_key = "nope"'), /authority_secret_key: secret key: not valid base58check/],
      // The key file is read relative to pool.toml; a missing one names the file, the key and the path.
      [example.replace(/authority_secret_key_file = ".*"/, 'authority_secret_key_file = "no-such.key"'), /pool\.toml:\d+: authority_secret_key_file: cannot read .*no-such\.key: ENOENT/],
      [example.replace(/authority_secret_key_file = ".*"/, ''), /authority_secret_key_file: missing/],
      [example.replace('network = "regtest"', 'network = "regtest"\ncoinbase_reward_address = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"'), /pool\.toml:\d+: coinbase_reward_address: .*prefix 'bc' is not 'bcrt'|is neither a regtest segwit address/],
    ];
    for (const [text, want] of cases) {
      const file = join(dir, 'pool.toml');
      writeFileSync(file, text);
      const r = runCli(['pool', '--config', file]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(want);
    }
    const line = example.split('\n').findIndex((l) => l.startsWith('server_id')) + 1;
    writeFileSync(join(dir, 'pool.toml'), example.replace('server_id = 1', 'server_idd = 1'));
    expect(runCli(['pool', '--config', join(dir, 'pool.toml')]).stderr).toContain(`pool.toml:${line}: server_idd`);
    expect(runCli(['pool']).status).toBe(2);
    expect(runCli(['pool', '--config', join(dir, 'missing.toml')]).stderr).toMatch(/missing\.toml: cannot read: ENOENT/);
  });
});

describe('hashagent cpu-miner', () => {
  it('refuses a URL without a key unless --insecure, and bad options', () => {
    const r = runCli(['cpu-miner', '--pool', 'stratum2+tcp://127.0.0.1:1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no authority key/);
    // SV1 URLs are mined through the built-in translator, alone, and need a reachable pool.
    expect(runCli(['cpu-miner', '--pool', 'stratum+tcp://127.0.0.1:1,stratum+tcp://127.0.0.1:2']).status).toBe(2);
    const sv1 = runCli(['cpu-miner', '--pool', 'stratum+tcp://127.0.0.1:1']);
    expect(sv1.status).toBe(1);
    expect(sv1.stderr).toMatch(/cannot connect/);
    expect(runCli(['cpu-miner', '--pool', 'stratum2+tcp://127.0.0.1:1', '--insecure', '--channel', 'group']).status).toBe(2);
    const refused = runCli(['cpu-miner', '--pool', 'stratum2+tcp://127.0.0.1:1', '--insecure']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/cannot connect/);
  });
});

describe('hashagent cpu-miner on an SV1 pool', () => {
  it('--suggest-difficulty sends mining.suggest_difficulty after authorize', async () => {
    // A pool that starts miners at a high difficulty needs the hint, or a CPU finds no share for minutes.
    const pool = await startRawSv1Pool({ extranonce1: '08000002', extranonce2Size: 4 });
    try {
      const child = spawn(process.execPath, [CLI, 'cpu-miner', '--pool', `stratum+tcp://127.0.0.1:${pool.port}`, '--suggest-difficulty', '0.5', '--seconds', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      expect(code).toBe(0);
      const methods = pool.received.map((m) => m['method']);
      expect(methods.indexOf('mining.suggest_difficulty')).toBeGreaterThan(methods.indexOf('mining.authorize'));
      expect(pool.received.find((m) => m['method'] === 'mining.suggest_difficulty')!['params']).toEqual([0.5]);
      expect(runCli(['cpu-miner', '--pool', `stratum+tcp://127.0.0.1:${pool.port}`, '--suggest-difficulty', '-1']).status).toBe(2);
    } finally {
      await pool.stop();
    }
  }, 30_000);
});
