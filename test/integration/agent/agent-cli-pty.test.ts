// `hashagent mine` as a process on a Compac F whose chain is a real pty (socat) with
// `hashagent emulate` in a third process on the other end: the real serialport path, the CLI,
// /metrics from outside, SIGHUP reloading the pool list, and SIGTERM powering down before exit 0.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI } from '../../support/cli.js';
import { agentToml, startTestPool, until } from '../../support/agent-rig.js';

const haveSocat = spawnSync('socat', ['-V']).status === 0;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function spawnCli(args: string[], onLine: (l: string) => void): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  cleanups.push(() => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGKILL')))));
  return child;
}

describe('hashagent mine over a real pty', () => {
  it.skipIf(!haveSocat)('mines through serialport, serves /metrics, reloads pools on SIGHUP, powers down on SIGTERM', async () => {
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    let device = '';
    spawnCli(['emulate', '--board', 'gekko-compac-f', '--listen', 'pty'], (l) => {
      const m = /^chain 0: (.+)$/.exec(l);
      if (m) device = m[1]!;
    });
    await until('the emulator', () => device !== '', 10_000);
    expect(device).toMatch(/^\/dev\/pts\/\d+$/);
    const dir = mkdtempSync(join(tmpdir(), 'hashagent-mine-'));
    const file = join(dir, 'agent.toml');
    writeFileSync(file, agentToml('emulated-gekko-compac-f', [{ url: pool.url }], `[hash_chain.0]\nlink = "${device}"\n`));
    const lines: string[] = [];
    const agent = spawnCli(['mine', '--config', file, '--status-interval', '1'], (l) => lines.push(l));
    const metricsLine = () => lines.find((l) => / metrics: http/.test(l));
    await until('the agent mining', () => metricsLine() !== undefined, 30_000);
    const url = /metrics: (\S+)/.exec(metricsLine()!)![1]!;
    await until('an accepted share', () => pool.pool.shares.accepted.get() > 0, 60_000);
    const text = await (await fetch(url)).text();
    expect(text).toMatch(/^hashagent_chips\{chain="0",state="found"\} 1$/m);
    expect(text).toMatch(/^hashagent_hashrate_measured_hps\{window="5m"\} [1-9]/m);
    expect(lines.some((l) => /chain 0: 1 × BM1397 at \d+\.\d MHz, 3125000 baud/.test(l))).toBe(true);
    expect(pool.pool.shares.rejected.get()).toBe(0);
    // SIGHUP re-reads the pool list: a new pool, while the chain keeps hashing (no re-init).
    const other = await startTestPool();
    cleanups.push(() => other.stop());
    writeFileSync(file, agentToml('emulated-gekko-compac-f', [{ url: other.url }], `[hash_chain.0]\nlink = "${device}"\n`));
    agent.kill('SIGHUP');
    await until('shares on the reloaded pool', () => other.pool.shares.accepted.get() > 0, 60_000);
    expect(lines.some((l) => /SIGHUP: 1 pool\(s\) reloaded; the chains keep hashing/.test(l))).toBe(true);
    expect(lines.filter((l) => /chain 0: 1 × BM1397/.test(l)).length).toBe(1);
    // A broken file on SIGHUP is reported and the running list kept.
    writeFileSync(file, 'this is = = not toml');
    agent.kill('SIGHUP');
    await until('the reload error', () => lines.some((l) => /SIGHUP: .*agent\.toml.*keeping the current pool list/.test(l)), 10_000);
    const exited = new Promise<number | null>((r) => agent.once('exit', (code) => r(code)));
    agent.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.some((l) => /SIGTERM: stopping hashing, voltage off, resets held/.test(l))).toBe(true);
    expect(lines.some((l) => /all chains powered down/.test(l))).toBe(true);
  });
});
