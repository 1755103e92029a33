// The operator's page at `/`: one self-contained HTML file (script, styles and the chart library
// inlined) that scripts/build-ui.mjs builds from ui/ with esbuild; no CDN, so it works offline on
// the board. Read once, kept with its gzip copy, answered with a strict Content-Security-Policy.
import type http from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Where a built page is: beside the bundle (dist/ui/), or the repository's dist/ when run from source. */
export function pagePath(name: string): string | null {
  for (const p of [join(HERE, 'ui', `${name}.html`), join(HERE, '..', '..', 'dist', 'ui', `${name}.html`)]) {
    try {
      readFileSync(p, { flag: 'r' }).length;
      return p;
    } catch {
      // next candidate
    }
  }
  return null;
}

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Serves the page `name` at / and /index.html; false for other paths. */
export function pageHandler(name: 'agent' | 'pool'): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  let page: { plain: Buffer; gzip: Buffer } | null = null;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/' && path !== '/index.html') return false;
    if (!page) {
      const file = pagePath(name);
      if (!file) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('the page is not built: run `npm run build` (scripts/build-ui.mjs); the API is at /api/v1/ and /metrics\n');
        return true;
      }
      const plain = readFileSync(file);
      page = { plain, gzip: gzipSync(plain, { level: 9 }) };
    }
    const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gz ? page.gzip : page.plain;
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': body.length,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
      vary: 'accept-encoding',
      ...(gz ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

/** The first handler that answers. */
export function firstOf(...hs: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean)[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => hs.some((h) => h(req, res));
}
