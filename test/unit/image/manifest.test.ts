// The signed payload manifest (agent/image/manifest.ts) and `hashagent image`: a changed byte in
// any file, a missing or added file, a link, a wrong key or a forged signature is refused.
// Third-party checks: the RFC 8032 §7.1 TEST 1 key pair, OpenSSL verifying our signature
// (`openssl pkeyutl -verify -rawin`), coreutils' sha256sum agreeing with the manifest's hashes.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestError, generateImageKey, imagePublicKeyOf, signPayload, verifyPayload } from '../../../agent/image/manifest.js';
import { runCli } from '../../support/cli.js';
import { tempDir } from '../../support/processes.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function payload(): string {
  const t = tempDir('hashagent-manifest-');
  cleanups.push(t.remove);
  mkdirSync(join(t.dir, 'bin'));
  mkdirSync(join(t.dir, 'lib/deep'), { recursive: true });
  writeFileSync(join(t.dir, 'bin/hashagent'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  writeFileSync(join(t.dir, 'lib/deep/libx.so'), Buffer.alloc(3 << 20, 7)); // crosses the 1 MiB read size
  writeFileSync(join(t.dir, 'empty'), '');
  return t.dir;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('image manifest', () => {
  it('derives the RFC 8032 TEST 1 public key', () => {
    const secret = Uint8Array.from(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'));
    expect(hex(imagePublicKeyOf(secret))).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  });

  it('signs every file; sha256sum agrees and OpenSSL verifies the signature', () => {
    const dir = payload();
    const { secretKey, publicKey } = generateImageKey();
    const m = signPayload(dir, secretKey, '1.2.3');
    expect(m.files.map((f) => f.path)).toEqual(['bin/hashagent', 'empty', 'lib/deep/libx.so']);
    expect(m.files[0]!.mode).toBe(0o755);
    for (const f of m.files) {
      const sum = spawnSync('sha256sum', [join(dir, f.path)], { encoding: 'utf8' }).stdout.split(' ')[0];
      expect(f.sha256).toBe(sum);
    }
    expect(verifyPayload(dir, publicKey).files).toHaveLength(3);
    // OpenSSL: SubjectPublicKeyInfo DER for Ed25519 is a fixed 12-byte prefix + the raw key (RFC 8410).
    const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
    const pem = `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
    writeFileSync(join(dir, '..', 'pub.pem'), pem);
    cleanups.push(() => spawnSync('rm', ['-f', join(dir, '..', 'pub.pem'), join(dir, '..', 'sig.bin')]));
    writeFileSync(join(dir, '..', 'sig.bin'), Buffer.from(readFileSync(join(dir, 'manifest.sig'), 'utf8').trim(), 'hex'));
    const ok = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, '..', 'pub.pem'), '-rawin', '-in', join(dir, 'manifest.json'), '-sigfile', join(dir, '..', 'sig.bin')], { encoding: 'utf8' });
    expect(ok.stdout + ok.stderr).toMatch(/Signature Verified Successfully/);
  });

  const tamper: [string, (dir: string) => void, RegExp][] = [
    ['a changed byte in a large file', (d) => {
      const f = join(d, 'lib/deep/libx.so');
      const b = readFileSync(f);
      b[2_500_000] ^= 1;
      writeFileSync(f, b);
    }, /lib\/deep\/libx\.so: SHA-256 differs/],
    ['a changed byte in a script', (d) => writeFileSync(join(d, 'bin/hashagent'), '#!/bin/sh\necho HI\n'), /bin\/hashagent: SHA-256 differs/],
    ['a grown empty file', (d) => appendFileSync(join(d, 'empty'), 'x'), /empty: size 1, manifest says 0/],
    ['an added file', (d) => writeFileSync(join(d, 'lib/evil.so'), 'x'), /lib\/evil\.so: not in the manifest/],
    ['a link', (d) => symlinkSync('/etc/passwd', join(d, 'lib/link')), /lib\/link: not a regular file/],
    ['a changed manifest', (d) => writeFileSync(join(d, 'manifest.json'), readFileSync(join(d, 'manifest.json'), 'utf8').replace('"1.2.3"', '"1.2.4"')), /signature does not match/],
    ['a garbled signature', (d) => writeFileSync(join(d, 'manifest.sig'), 'zz'), /not an ed25519 signature/],
  ];
  for (const [what, change, why] of tamper) {
    it(`refuses ${what}`, () => {
      const dir = payload();
      const { secretKey, publicKey } = generateImageKey();
      signPayload(dir, secretKey, '1.2.3');
      change(dir);
      expect(() => verifyPayload(dir, publicKey)).toThrow(ManifestError);
      expect(() => verifyPayload(dir, publicKey)).toThrow(why);
    });
  }

  it('refuses a payload signed with another key', () => {
    const dir = payload();
    signPayload(dir, generateImageKey().secretKey, '1.2.3');
    expect(() => verifyPayload(dir, generateImageKey().publicKey)).toThrow(/signature does not match the public key/);
  });

  it('hashagent image keygen, sign and verify from the command line (exit 1 with the reason when tampered)', () => {
    const dir = payload();
    const keyDir = tempDir('hashagent-imgkey-');
    cleanups.push(keyDir.remove);
    const key = join(keyDir.dir, 'image.key');
    const gen = runCli(['image', 'keygen', '--out', key]);
    expect(gen.status).toBe(0);
    const pub = /public_key: ([0-9a-f]{64})/.exec(gen.stdout)![1]!;
    expect(spawnSync('stat', ['-c', '%a', key], { encoding: 'utf8' }).stdout.trim()).toBe('600');
    expect(readFileSync(key, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(runCli(['image', 'keygen', '--out', key]).status).toBe(2); // never over an existing key
    expect(runCli(['image', 'sign', dir, '--key', key]).status).toBe(0);
    expect(runCli(['image', 'verify', dir, '--pubkey', pub])).toMatchObject({ status: 0, stdout: expect.stringMatching(/verified 3 files/) });
    writeFileSync(join(dir, 'empty'), 'x');
    const bad = runCli(['image', 'verify', dir, '--pubkey', pub]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/empty: size 1/);
    expect(runCli(['image', 'verify', dir, '--pubkey', 'nothex']).status).toBe(2);
  });
});
