// `hashagent translate --config translator.toml` as shipped (the built CLI in a child process):
// config errors name file, line and key; a running translator in front of our pool serves an
// SV1 miner (the CPU miner through `hashagent cpu-miner --pool stratum+tcp://…`) and /metrics.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, runCli } from '../support/cli.js';
import { loadTranslatorConfig } from '../../agent/config/translator.js';
import { encodeAuthorityPublicKey } from '../../agent/sv2/keys.js';
import { freePort, startPool } from '../support/sv1-stack.js';
import { stopChild, tempDir } from '../support/processes.js';

const tmp = tempDir('hashagent-translator-');
const dir = tmp.dir;
afterAll(tmp.remove);
const example = readFileSync(new URL('../../agent/config/examples/translator.toml', import.meta.url), 'utf8');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


describe('hashagent translate --config', () => {
  it('the example has every key and loads; errors exit 2 with file:line: key', () => {
    const file = join(dir, 'translator.toml');
    writeFileSync(file, example);
    expect(loadTranslatorConfig(file).listen_address).toBe('0.0.0.0:34255');
    const cases: [string, RegExp][] = [
      [example.replace('aggregate_channels = true', 'aggregate_channel = true'), /translator\.toml:\d+: aggregate_channel: unknown key/],
      [example.replace('downstream_extranonce2_size = 4', 'downstream_extranonce2_size = 9'), /translator\.toml:\d+: downstream_extranonce2_size: 9 is above the maximum 8/],
      [example.replace(/url = ".*"/, 'url = "stratum+tcp://127.0.0.1:3333"'), /translator\.toml:\d+: upstreams\[0\]\.url: .*stratum2\+tcp/],
      [example.replace(/url = "(stratum2\+tcp:\/\/127\.0\.0\.1:34254)\/\w+"/, 'url = "$1"'), /translator\.toml:\d+: upstreams\[0\]\.url: no authority key/],
      [example.replace('max_line_bytes = 16384', 'max_line_bytes = 10'), /limits\.max_line_bytes: 10 is below the minimum 512/],
    ];
    for (const [text, want] of cases) {
      writeFileSync(file, text);
      const r = runCli(['translate', '--config', file]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(want);
    }
    expect(runCli(['translate']).status).toBe(2);
  });

  it('serves an SV1 CPU miner in front of our pool, with /metrics', async () => {
    const { pool, poolPort, authority } = await startPool();
    cleanups.push(() => pool.stop());
    const [sv1Port, metricsPort] = [await freePort(), await freePort()];
    const file = join(dir, 'run.toml');
    writeFileSync(
      file,
      example
        .replace('listen_address = "0.0.0.0:34255"', `listen_address = "127.0.0.1:${sv1Port}"`)
        .replace('monitoring_address = "127.0.0.1:9092"', `monitoring_address = "127.0.0.1:${metricsPort}"`)
        .replace('min_individual_miner_hashrate = 1e12', 'min_individual_miner_hashrate = 100000.0')
        .replace('shares_per_minute = 6.0', 'shares_per_minute = 600.0')
        .replace(/url = ".*"/, `url = "stratum2+tcp://127.0.0.1:${poolPort}/${encodeAuthorityPublicKey(authority.publicKey)}"`),
    );
    const translator = spawn(process.execPath, [CLI, 'translate', '--config', file, '--seconds', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => stopChild(translator));
    let out = '';
    translator.stdout.on('data', (d: Buffer) => (out += d.toString()));
    while (!/translator listening/.test(out)) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain(`translator listening: stratum+tcp://127.0.0.1:${sv1Port}`);
    const miner = spawn(process.execPath, [CLI, 'cpu-miner', '--pool', `stratum+tcp://127.0.0.1:${sv1Port}`, '--user', 'acct.cli', '--seconds', '6'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => stopChild(miner));
    let minerOut = '';
    miner.stdout.on('data', (d: Buffer) => (minerOut += d.toString()));
    expect(await new Promise((r) => miner.on('exit', r))).toBe(0);
    const done = /(\d+) accepted, (\d+) rejected/.exec(minerOut)!;
    expect(Number(done[1])).toBeGreaterThan(0);
    expect(pool.shares.accepted.get()).toBeGreaterThan(0);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/hashagent_translator_shares_total\{worker="acct.cli",result="accepted"\} [1-9]/);
    expect(metrics).toContain('hashagent_translator_upstream_up 1');
  }, 40_000);
});
