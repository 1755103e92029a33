// An armhf (armv7) Debian root folder holding the given packages, for running armv7 binaries
// under qemu-user (`qemu-arm-static -L <root>`) and for the ARM image. Packages are unpacked with
// `mmdebstrap --variant=extract` (no maintainer scripts, so no qemu and no initramfs triggers)
// from the Debian mirror the host's apt already uses; the folder is cached under build/armhf-root/
// by suite and package list, so a second call is free.
//
//   import { ensureArmhfRoot } from './scripts/armhf/root.mjs';
//   const root = await ensureArmhfRoot({ packages: ['nodejs'] });   // trixie: Node 20.19
//   node scripts/armhf/root.mjs nodejs libatomic1                    // same from a shell
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');

export class ArmhfRootError extends Error {
  name = 'ArmhfRootError';
}

/** The first Debian archive URI of the host's apt sources (deb822 or one-line), so no host is named here. */
export function hostDebianMirror(etc = '/etc/apt') {
  const files = [join(etc, 'sources.list'), ...(existsSync(join(etc, 'sources.list.d')) ? readdirSync(join(etc, 'sources.list.d')).filter((f) => /\.(list|sources)$/.test(f)).map((f) => join(etc, 'sources.list.d', f)) : [])];
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    const uris = [...text.matchAll(/^URIs:\s*(\S+)/gm), ...text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((m) => m[1]);
    const main = uris.find((u) => /\/debian\/?$/.test(u));
    if (main) return main.replace(/\/$/, '');
  }
  throw new ArmhfRootError(`no Debian archive in ${etc}/sources.list*; pass { mirror }`);
}

/**
 * Unpacks `packages` (and their dependencies) for armhf into build/armhf-root/<suite>-<hash>/ unless
 * already there; returns the folder. Needs mmdebstrap (Debian package mmdebstrap) and root or
 * user namespaces.
 */
export async function ensureArmhfRoot({ packages, suite = 'trixie', mirror, cacheDir = join(repo, 'build/armhf-root'), log = () => {} }) {
  if (!Array.isArray(packages) || packages.length === 0 || packages.some((p) => !/^[a-z0-9][a-z0-9+.-]*$/.test(p))) throw new ArmhfRootError('packages must be Debian package names');
  const list = [...new Set(packages)].sort();
  const key = createHash('sha256').update(`${suite}\n${list.join('\n')}`).digest('hex').slice(0, 12);
  const root = join(cacheDir, `${suite}-${key}`);
  if (existsSync(join(root, '.hashagent-complete'))) return root;
  if (spawnSync('mmdebstrap', ['--version'], { stdio: 'ignore' }).status !== 0) throw new ArmhfRootError('mmdebstrap is not installed (Debian package mmdebstrap)');
  const source = `deb ${mirror ?? hostDebianMirror()} ${suite} main`;
  const tmp = `${root}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  const args = ['--variant=extract', '--architectures=armhf', `--include=${list.join(',')}`, ...(process.getuid?.() === 0 ? [] : ['--mode=unshare']), suite, tmp, source];
  log(`mmdebstrap ${args.join(' ')}`);
  const stderr = await new Promise((resolve, reject) => {
    const child = spawn('mmdebstrap', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(err) : reject(new ArmhfRootError(`mmdebstrap failed (${code}):\n${err}`))));
  }).catch((e) => {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  });
  void stderr;
  // Merged /usr: the extract variant leaves out the /lib → usr/lib links that the loader path
  // (/lib/ld-linux-armhf.so.3) in every armhf binary needs.
  for (const d of ['bin', 'sbin', 'lib']) if (existsSync(join(tmp, 'usr', d)) && !existsSync(join(tmp, d))) symlinkSync(`usr/${d}`, join(tmp, d));
  writeFileSync(join(tmp, '.hashagent-complete'), `${suite}\n${list.join('\n')}\n`);
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  return root;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const packages = process.argv.slice(2);
  ensureArmhfRoot({ packages, log: (l) => console.error(l) }).then(
    (root) => console.log(root),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
