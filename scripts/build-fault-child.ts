// Bundles scripts/fault-child.ts next to the CLI bundle (dist/), so the native packages it leaves
// external resolve from node_modules. Used by the power-down test and agent.fault_power_down.
import { build } from 'esbuild';
import { join } from 'node:path';

export async function buildFaultChild(root: string, name = 'fault-child.mjs'): Promise<string> {
  const outfile = join(root, 'dist', name);
  await build({
    entryPoints: [join(root, 'scripts', 'fault-child.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    external: ['serialport', '@serialport/*', 'i2c-bus', 'onoff'], logLevel: 'warning',
    // Bundled CommonJS dependencies may call require(); give ESM output one (as scripts/build.mjs does).
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return outfile;
}
