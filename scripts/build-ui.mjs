// Builds the operator's pages (ui/agent, ui/pool) into dist/ui/<name>.html: one self-contained
// file each (script, styles and uPlot inlined by esbuild), no CDN, so they work offline on the
// board. Prints the gzipped size of each (the bench's ui.bundle_bytes reads the same).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PAGES = ['agent', 'pool'];

/** Builds every page; returns { name: { path, bytes, gzipBytes } }. */
export async function buildUi() {
  const out = {};
  mkdirSync(join(root, 'dist/ui'), { recursive: true });
  for (const name of PAGES) {
    const r = await build({
      absWorkingDir: root,
      entryPoints: [`ui/${name}/main.ts`],
      bundle: true,
      write: false,
      outdir: 'dist/ui',
      platform: 'browser',
      format: 'iife',
      target: 'es2020',
      minify: true,
      charset: 'utf8',
      logLevel: 'warning',
      legalComments: 'none',
    });
    const js = r.outputFiles.find((f) => f.path.endsWith('.js')).text;
    const css = readFileSync(join(root, 'ui/style.css'), 'utf8') + (r.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '');
    // A `</script>` inside the code would end the element early: escape it.
    const html = readFileSync(join(root, `ui/${name}/index.html`), 'utf8')
      .replace('/*STYLE*/', () => css)
      .replace('/*SCRIPT*/', () => js.replace(/<\/script/gi, '<\\/script'));
    const path = join(root, `dist/ui/${name}.html`);
    writeFileSync(path, html);
    out[name] = { path, bytes: Buffer.byteLength(html), gzipBytes: gzipSync(html, { level: 9 }).length };
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, s] of Object.entries(await buildUi())) console.log(`ui: ${name}.html ${s.bytes} bytes, ${s.gzipBytes} gzipped`);
}
