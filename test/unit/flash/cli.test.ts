// `hashagent flash` refusals that need no board: bad targets, a broken agent.toml and a payload
// that does not match its signed manifest are refused before any connection (the known_hosts file
// is never created); a good payload is verified here, then an unreachable board fails with ssh's
// own reason in the result table and a non-zero exit. Real OpenSSH client; the QEMU tier
// (test/qemu/flash-cases.ts) covers a real board.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../support/cli.js';
import { tempDir } from '../../support/processes.js';
import { needTool } from '../../support/tools.js';
import { generateImageKey, signPayload } from '../../../agent/image/manifest.js';
import { parseTarget } from '../../../agent/flash/target.js';
import { forEachBounded, resultTable } from '../../../agent/flash/fleet.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const tmp = tempDir('hashagent-flash-cli-');
afterAll(() => tmp.remove());

function payload(name: string) {
  const dir = join(tmp.dir, name);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'bin/hashagent'), '#!/bin/sh\necho payload\n');
  const key = generateImageKey();
  signPayload(dir, key.secretKey, 'test');
  return { dir, pub: hex(key.publicKey) };
}

describe('hashagent flash: refusals before any connection', () => {
  const knownHosts = join(tmp.dir, 'kh');
  const base = ['--known-hosts', knownHosts, '--host', 'root@127.0.0.1:1'];

  it('parses user@board[:port] and refuses anything else', () => {
    expect(parseTarget('root@10.0.0.2')).toMatchObject({ user: 'root', host: '10.0.0.2', port: 22 });
    expect(parseTarget('admin@[fe80::1]:2222')).toMatchObject({ host: 'fe80::1', port: 2222 });
    for (const bad of ['10.0.0.2', 'root@', 'root@host:0', 'root@host:70000', 'ro ot@host', 'root@host;rm']) expect(() => parseTarget(bad)).toThrow(/user@board|out of range/);
    const r = runCli(['flash', '--host', 'nouser', '--restore']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/expected user@board\[:port\]/);
  });

  it('refuses a broken agent.toml with its line and key, and sends nothing', () => {
    const f = join(tmp.dir, 'broken.toml');
    writeFileSync(f, '[[pools]]\nurl = "stratum+tcp://10.0.0.1:3333"\nuser = "u"\n[board]\nname = "qemu-vexpress"\n[fans]\nspeed = "fast"\n');
    const r = runCli(['flash', ...base, '--config', f]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/broken\.toml:\d+: /);
    expect(r.stderr).toMatch(/nothing was sent/);
    expect(existsSync(knownHosts)).toBe(false);
  });

  it('refuses a payload with a changed byte, or checked with another key, before upload', () => {
    const p = payload('tampered');
    writeFileSync(join(p.dir, 'bin/hashagent'), '#!/bin/sh\necho evil\n');
    let r = runCli(['flash', ...base, '--payload', p.dir, '--pubkey', p.pub]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refused before upload: .*bin\/hashagent: (size|SHA-256)/s);
    const q = payload('other-key');
    r = runCli(['flash', ...base, '--payload', q.dir, '--pubkey', hex(generateImageKey().publicKey)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/signature does not match the public key/);
    expect(existsSync(knownHosts)).toBe(false);
  });

  it.skipIf(!needTool('ssh', '-V'))('a good payload is verified here; an unreachable board fails in the table, exit 1', () => {
    const p = payload('good');
    const r = runCli(['flash', ...base, '--host', 'root@127.0.0.1:2', '--payload', p.dir, '--pubkey', p.pub]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/payload test: 1 files verified here/);
    expect(r.stdout).toMatch(/^root@127\.0\.0\.1:1\s+FAILED\s+.*ssh failed/m);
    expect(r.stdout).toMatch(/^root@127\.0\.0\.1:2\s+FAILED\s+.*ssh failed/m);
  });

  it('runs at most N boards at once and keeps the results in order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await forEachBounded([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
    expect(resultTable([{ target: 'root@a', ok: true, outcome: 'mining', board: 'antminer-s9', gapSeconds: 1.5 }])).toMatch(/^root@a\s+ok\s+antminer-s9\s+1\.50 s\s+mining$/m);
  });
});
