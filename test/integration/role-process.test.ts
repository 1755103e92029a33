// The pool and translator as processes an operator runs: SIGHUP (systemctl reload) does not kill
// them, and a listener that cannot be opened is exit 2 naming the file, the key and the address
// (never a stack trace, never a half-started pool).
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli } from '../support/cli.js';
import { freePort, waitFor } from '../support/sv1-stack.js';

const dir = mkdtempSync(join(tmpdir(), 'hashagent-roles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const poolExample = readFileSync(new URL('../../agent/config/examples/pool.toml', import.meta.url), 'utf8');
const translatorExample = readFileSync(new URL('../../agent/config/examples/translator.toml', import.meta.url), 'utf8');
runCli(['keygen', '--out', join(dir, 'pool-authority.key')]);

function poolToml(listen: string, monitoring: string): string {
  const file = join(dir, `pool-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, poolExample.replace('"0.0.0.0:34254"', `"${listen}"`).replace('"127.0.0.1:9090"', `"${monitoring}"`));
  return file;
}

function run(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const io = { out: '', err: '', code: undefined as number | null | undefined };
  child.stdout.on('data', (d: Buffer) => (io.out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (io.err += d.toString()));
  child.on('exit', (c) => (io.code = c));
  return { child, io };
}

describe('role processes', () => {
  it('pool: port 99999, a busy port and a busy metrics port are exit 2 naming file, key and address', async () => {
    const bad = runCli(['pool', '--config', poolToml('127.0.0.1:99999', '127.0.0.1:0')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/pool-\w+\.toml:\d+: listen_address: port above 65535/);
    const busy = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      for (const [file, key] of [[poolToml(`127.0.0.1:${port}`, '127.0.0.1:0'), 'listen_address'], [poolToml('127.0.0.1:0', `127.0.0.1:${port}`), 'monitoring_address']] as const) {
        const { io } = run(['pool', '--config', file]);
        await waitFor(() => io.code !== undefined, 20_000, 'the pool to exit');
        expect(io.code).toBe(2);
        expect(io.err).toContain(`${file}: ${key}: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
        expect(io.err).not.toMatch(/\n\s+at /); // no stack trace
      }
    } finally {
      busy.close();
    }
  }, 60_000);

  it('pool and translator: SIGHUP never kills them (logged; the translator reloads, see translator-reload.test.ts); SIGTERM then stops them', async () => {
    const translatorFile = join(dir, 'translator.toml');
    writeFileSync(translatorFile, translatorExample.replace('"0.0.0.0:34255"', `"127.0.0.1:${await freePort()}"`).replace('"127.0.0.1:9092"', '"127.0.0.1:0"'));
    for (const [args, ready] of [
      [['pool', '--config', poolToml('127.0.0.1:0', '127.0.0.1:0')], /pool listening/],
      [['translate', '--config', translatorFile], /translator listening/],
    ] as const) {
      const { child, io } = run([...args]);
      await waitFor(() => ready.test(io.out) || io.code !== undefined, 20_000, 'listening');
      child.kill('SIGHUP');
      await waitFor(() => /SIGHUP/.test(io.out) || io.code !== undefined, 10_000, 'the SIGHUP line');
      await new Promise((r) => setTimeout(r, 200));
      expect(io.code, io.out + io.err).toBeUndefined();
      child.kill('SIGTERM');
      await waitFor(() => io.code !== undefined, 10_000, 'exit');
      expect(io.code).toBe(0);
    }
  }, 60_000);
});
