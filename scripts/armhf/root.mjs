// armhf pieces from Debian: `mmdebstrap --variant=extract` unpacks the named packages and their
// dependencies into a folder without running anything inside it (no qemu-user, no maintainer
// scripts, no update-initramfs: the 37-minute trap of a chroot install). The .deb files are kept
// in a cache folder named after nothing but their file names (package_version_arch.deb), so a
// second run downloads only what changed in the archive; the extraction itself takes seconds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIRRORS = {
  bookworm: ['deb http://deb.debian.org/debian bookworm main', 'deb http://deb.debian.org/debian-security bookworm-security main'],
  trixie: ['deb http://deb.debian.org/debian trixie main', 'deb http://deb.debian.org/debian-security trixie-security main'],
};

export class ArmhfRootError extends Error {}

/**
 * Extracts `packages` (with their dependencies) for armhf from Debian `suite` into a folder under
 * `cacheDir` and returns it. `sources` overrides the apt source lines (a local mirror).
 * @param {{ suite: string, packages: string[], cacheDir: string, sources?: string[], log?: (l: string) => void }} o
 * @returns {Promise<{ root: string, debs: string[] }>}
 */
export async function ensureArmhfRoot(o) {
  const sources = o.sources ?? MIRRORS[o.suite];
  if (!sources) throw new ArmhfRootError(`no apt sources known for suite '${o.suite}'; pass sources`);
  const have = spawnSync('mmdebstrap', ['--version'], { stdio: 'ignore' });
  if (have.status !== 0) throw new ArmhfRootError('mmdebstrap is missing (apt-get install mmdebstrap)');
  const name = createHash('sha256').update(JSON.stringify([o.suite, [...o.packages].sort(), sources])).digest('hex').slice(0, 12);
  const debs = join(o.cacheDir, 'debs', o.suite);
  const root = join(o.cacheDir, `root-${o.suite}-${name}`);
  const tmp = `${root}.tmp`;
  mkdirSync(debs, { recursive: true });
  rmSync(tmp, { recursive: true, force: true });
  const args = [
    '--variant=extract', '--architectures=armhf', '--mode=root', `--include=${o.packages.join(',')}`,
    // Keep the downloaded .debs: in through the setup hook, out through the extract hook (the
    // extract variant runs no customize hooks).
    '--skip=essential/unlink', '--skip=cleanup/apt/cache',
    '--setup-hook=mkdir -p "$1"/var/cache/apt/archives/',
    `--setup-hook=sync-in ${debs} /var/cache/apt/archives/`,
    `--extract-hook=sync-out /var/cache/apt/archives ${debs}`,
    o.suite, tmp, ...sources,
  ];
  const t0 = Date.now();
  const r = spawnSync('mmdebstrap', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new ArmhfRootError(`mmdebstrap ${o.suite} (${o.packages.join(', ')}) failed:\n${(r.stderr || '').split('\n').slice(-15).join('\n')}`);
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  const got = readdirSync(debs).filter((f) => f.endsWith('.deb')).sort();
  writeFileSync(join(root, '.armhf-debs'), got.join('\n') + '\n');
  o.log?.(`armhf ${o.suite}: ${o.packages.join(', ')} -> ${root} (${got.length} debs cached, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return { root, debs: got };
}

/** Whether an earlier ensureArmhfRoot left `root` complete. */
export const armhfRootReady = (root) => existsSync(join(root, '.armhf-debs'));
