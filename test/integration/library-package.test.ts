// The library as another project sees it: imported by its package name, `hashagent/sv2`,
// from the bundle in dist/ (built by the global test setup), running the README's example.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('hashagent/sv2 package subpath', () => {
  it("runs the README's library example unchanged", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const m = /## The SV2 library[\s\S]*?```js\n([\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', m![1]!], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^pool URL: stratum2\+tcp:\/\/127\.0\.0\.1:34254\/9\w{50}$/m);
    expect(r.stdout).toContain('share for job 7');
    expect(r.stdout).toMatch(/truncated - SetupConnection\.max_version: need 2 byte/);
  });
  it('declares its types', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.exports['./sv2'].types).toBe('./dist/types/agent/sv2/index.d.ts');
    // Declarations are emitted by `npm install` (prepare) and `node scripts/build.mjs --types`.
    if (existsSync(new URL('../../dist/types/agent/sv2/index.d.ts', import.meta.url))) {
      const dts = readFileSync(new URL('../../dist/types/agent/sv2/index.d.ts', import.meta.url), 'utf8');
      expect(dts).toContain("export * from './codec.js'");
    }
  });
});
