// Bundles the CLI (dist/hashagent.js), the SV2 library (dist/sv2.js + .d.ts) and, with
// --bench, the benchmark runner (dist/bench.js). Native addons stay external.
import { build } from 'esbuild';
import { readFileSync, chmodSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const native = ['serialport', '@serialport/*', 'i2c-bus', 'onoff'];
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // No comments or indentation, and every character ASCII: V8 keeps a script's whole source in
  // the heap (for lazy compilation), and one non-Latin-1 character makes it two bytes a character.
  // Names are kept, so stack traces stay readable without the source map.
  minifyWhitespace: true,
  charset: 'ascii',
  logLevel: 'warning',
  define: { __HASHAGENT_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies may call require(); give ESM output one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

await build({ ...common, entryPoints: ['agent/cli.ts'], outfile: 'dist/hashagent.js', external: native,
  banner: { js: '#!/usr/bin/env node\n' + common.banner.js } });
chmodSync(join(root, 'dist/hashagent.js'), 0o755);

// The library keeps its dependencies external: consumers install them from package.json.
await build({ ...common, entryPoints: ['agent/sv2/index.ts'], outfile: 'dist/sv2.js', packages: 'external', banner: {} });

if (process.argv.includes('--bench')) {
  // esbuild stays external: its JavaScript API cannot be bundled (agent.fault_power_down builds with it).
  await build({ ...common, entryPoints: ['scripts/bench/index.ts'], outfile: 'dist/bench.js', external: [...native, 'esbuild'] });
}

// The native addon (UIO, GPIO character device) for every target whose compiler is here; a
// missing cross compiler is reported, not fatal, except under CI where .ci/run installs them.
execFileSync(process.execPath, [join(root, 'scripts/build-native.mjs'), '--optional'], { stdio: 'inherit', cwd: root });

if (process.argv.includes('--types')) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'scripts/tsconfig.lib.json'], { stdio: 'inherit', cwd: root });
}
