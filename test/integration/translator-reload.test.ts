// `hashagent translate` and SIGHUP (systemctl reload), with a real signal to the spawned process:
// the new upstream list takes effect (the translator moves to the pool now heading the list; as on
// any failover its SV1 miners reconnect for the new extranonce prefix), a new min_individual_miner_hashrate gives the next miner its
// difficulty, a changed listener is named as needing a restart and keeps working, and a broken
// file is logged and the running configuration kept.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../support/cli.js';
import { freePort, rawSv1Client, startPool, waitFor } from '../support/sv1-stack.js';
import { stopChild, tempDir } from '../support/processes.js';
import { encodeAuthorityPublicKey } from '../../agent/sv2/keys.js';

const tmp = tempDir('hashagent-translator-reload-');
afterAll(tmp.remove);
const example = readFileSync(new URL('../../agent/config/examples/translator.toml', import.meta.url), 'utf8');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const connections = (metrics: string) => Number(/^hashagent_pool_connections (\d+)/m.exec(metrics)?.[1] ?? NaN);

/** An SV1 miner that subscribes and authorizes; resolves with the difficulty it is given. */
async function sv1Miner(port: number): Promise<{ difficulty: number; miner: ReturnType<typeof rawSv1Client> }> {
  const miner = rawSv1Client(port, cleanups);
  miner.send('{"id":1,"method":"mining.subscribe","params":["reload-test/1.0"]}');
  miner.send('{"id":2,"method":"mining.authorize","params":["acct.rig","x"]}');
  await waitFor(() => miner.lines.some((l) => l.method === 'mining.set_difficulty'), 20_000, 'mining.set_difficulty');
  const difficulty = Number((miner.lines.find((l) => l.method === 'mining.set_difficulty')!.params as number[])[0]);
  return { difficulty, miner };
}

describe('hashagent translate: SIGHUP reload', () => {
  it('applies a new upstream list and miner hashrate live, names what needs a restart, keeps a broken file out', async () => {
    // A network target harder than any share target here (difficulty 1), so none is capped at it.
    const a = await startPool({ nbits: 0x1d00ffff });
    const b = await startPool({ nbits: 0x1d00ffff });
    cleanups.push(() => a.pool.stop(), () => b.pool.stop());
    const url = (p: typeof a) => `stratum2+tcp://127.0.0.1:${p.poolPort}/${encodeAuthorityPublicKey(p.authority.publicKey)}`;
    const sv1Port = await freePort();
    const file = join(tmp.dir, 'translator.toml');
    const config = (first: typeof a, second: typeof a, hashrate: string, listen = sv1Port) =>
      example
        .replace('listen_address = "0.0.0.0:34255"', `listen_address = "127.0.0.1:${listen}"`)
        .replace('monitoring_address = "127.0.0.1:9092"', 'monitoring_address = "127.0.0.1:0"')
        .replace('min_individual_miner_hashrate = 1e12', `min_individual_miner_hashrate = ${hashrate}`)
        .replace(/(\[\[upstreams\]\]\n(?:#.*\n)*)url = ".*"/, `$1url = "${url(first)}"\n\n[[upstreams]]\nurl = "${url(second)}"`);
    writeFileSync(file, config(a, b, '1e6'));
    const child = spawn(process.execPath, [CLI, 'translate', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => stopChild(child));
    const io = { out: '', err: '' };
    child.stdout.on('data', (d: Buffer) => (io.out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (io.err += d.toString()));
    await waitFor(() => /translator listening/.test(io.out) || child.exitCode !== null, 20_000, 'the translator');
    const first = await sv1Miner(sv1Port);
    await waitFor(() => connections(a.pool.metrics.render()) === 1, 20_000, 'the translator on pool A');
    expect(connections(b.pool.metrics.render())).toBe(0);

    // B heads the list now; new miners are assumed 100× faster; the listener changes (restart only).
    writeFileSync(file, config(b, a, '1e8', await freePort()));
    child.kill('SIGHUP');
    await waitFor(() => /SIGHUP: configuration reloaded/.test(io.out) || child.exitCode !== null, 10_000, 'the reload line');
    const line = /SIGHUP: configuration reloaded.*/.exec(io.out)![0];
    expect(line).toMatch(/applied: upstreams, min_individual_miner_hashrate/);
    expect(line).toMatch(/needs a restart \(still running with the old value\): listen_address$/);
    await waitFor(() => connections(b.pool.metrics.render()) === 1 && connections(a.pool.metrics.render()) === 0, 30_000, `the translator on pool B\n${io.out}`);
    // The old listener still serves (its change needs a restart); a miner connecting now gets
    // work from pool B, and its difficulty follows the new hashrate: 100× (vardiff rounds to
    // powers of two, so 64× to 128×).
    const second = await sv1Miner(sv1Port);
    await waitFor(() => second.miner.lines.some((l) => l.method === 'mining.notify'), 20_000, 'a job from pool B');
    const ratio = second.difficulty / first.difficulty;
    expect(ratio).toBeGreaterThanOrEqual(64);
    expect(ratio).toBeLessThanOrEqual(128);

    // A broken file: logged, nothing changes, still running.
    writeFileSync(file, 'listen_address = [\n');
    child.kill('SIGHUP');
    await waitFor(() => /SIGHUP: .*translator\.toml:\d+: .*keeping the running configuration/.test(io.out) || child.exitCode !== null, 10_000, 'the refused reload');
    expect(child.exitCode).toBeNull();
    expect(connections(b.pool.metrics.render())).toBe(1);
    expect(io.err).toBe('');
  }, 120_000);
});
