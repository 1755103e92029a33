// Builds the native addon native/hashagent-io into dist/native/<linux-x64|linux-arm>/hashagent_io.node
// with Debian's compilers: the host gcc for x64, gcc-arm-linux-gnueabihf for armv7. The addon uses
// N-API only, whose headers (node_api.h, js_native_api*.h) are the same for every architecture and
// come with the installed Node (or Debian's libnode-dev): nothing is downloaded.
//
//   node scripts/build-native.mjs                 both targets; fails naming what is missing
//   node scripts/build-native.mjs --arch x64      one target
//   node scripts/build-native.mjs --optional      (npm run build) skips a target whose compiler is
//                                                 absent, saying so; CI=1 makes it required again
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native/hashagent-io/hashagent_io.c');

/** Target name (as the loader resolves it: `${platform}-${arch}`) → compiler and the Debian package that has it. */
export const TARGETS = {
  'linux-x64': { cc: 'gcc', pkg: 'gcc' },
  'linux-arm': { cc: 'arm-linux-gnueabihf-gcc', pkg: 'gcc-arm-linux-gnueabihf' },
};

export class NativeBuildError extends Error {
  name = 'NativeBuildError';
}

/** The folder holding node_api.h: HASHAGENT_NODE_INCLUDE, the running Node's own, or Debian's. */
export function napiIncludeDir(env = process.env) {
  const candidates = [env.HASHAGENT_NODE_INCLUDE, join(dirname(dirname(process.execPath)), 'include/node'), '/usr/include/node', '/usr/include/nodejs/src'];
  const dir = candidates.find((d) => d && existsSync(join(d, 'node_api.h')));
  if (!dir) throw new NativeBuildError(`node_api.h not found (looked in ${candidates.filter(Boolean).join(', ')}); install Debian's libnode-dev or set HASHAGENT_NODE_INCLUDE`);
  return dir;
}

const haveCompiler = (cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0;

/** Compiles one target; returns the output path. Throws NativeBuildError naming what is missing. */
export function buildTarget(target, { include = napiIncludeDir() } = {}) {
  const t = TARGETS[target];
  if (!t) throw new NativeBuildError(`unknown target ${target} (known: ${Object.keys(TARGETS).join(', ')})`);
  if (!haveCompiler(t.cc)) throw new NativeBuildError(`${target}: compiler ${t.cc} not found; install Debian's ${t.pkg}`);
  const outDir = join(root, 'dist/native', target);
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, 'hashagent_io.node');
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync(t.cc, ['-shared', '-fPIC', '-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter', '-fvisibility=hidden', '-I', include, '-o', tmp, source], { encoding: 'utf8' });
  if (r.status !== 0) throw new NativeBuildError(`${target}: ${t.cc} failed:\n${r.stderr || r.error?.message}`);
  renameSync(tmp, out); // a loader never sees a half-written binary
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--arch');
  const only = i >= 0 ? args[i + 1] : undefined;
  const optional = args.includes('--optional') && !process.env.CI;
  const targets = only ? [`linux-${only}`] : Object.keys(TARGETS);
  let failed = false;
  for (const target of targets) {
    try {
      console.log(`native: built ${buildTarget(target)}`);
    } catch (e) {
      if (!(e instanceof NativeBuildError)) throw e;
      console.error(`native: ${optional ? 'skipped' : 'FAILED'}: ${e.message}`);
      failed ||= !optional;
    }
  }
  if (failed) process.exit(1);
}
