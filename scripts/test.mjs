// `npm test`: runs vitest and ends with the plain summary line `N passed, N failed, N skipped`
// (skipped counts skip/todo tests, so a test that vanished for want of a tool still shows).
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'test-results.json');
mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--config', 'scripts/vitest.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const res = JSON.parse(readFileSync(out, 'utf8'));
  passed = res.numPassedTests;
  skipped = (res.numPendingTests ?? 0) + (res.numTodoTests ?? 0);
  // A suite that failed to load has no failed test of its own; count it once.
  failed = res.numFailedTests + (res.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).every((a) => a.status !== 'failed')).length;
} catch {
  failed = Math.max(failed, 1);
}
if (r.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(r.status === 0 && failed === 0 ? 0 : 1);
