// Builds dist/hashagent.js once before the tests, so CLI tests run the real bundle. Gives the run
// its own temp folder (TMPDIR, inherited by the test workers and every process they start) and,
// at the end, fails the run if a test left a temp folder or a process behind (socat pty pairs,
// CLI children): each test must stop what it starts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needTool } from './tools.js';
import { leftoverProcesses } from './leftovers.js';

export default function setup(): () => Promise<void> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  needTool('socat'); // with CI set, a missing tool fails the run here, before any test
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  const runTmp = mkdtempSync(join(tmpdir(), 'hashagent-test-run-'));
  process.env.TMPDIR = runTmp;
  return async () => {
    // Give exiting children a moment (a SIGTERM'd emulator closes its socat pairs on the way out).
    let procs = leftoverProcesses(runTmp);
    for (let i = 0; i < 50 && procs.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      procs = leftoverProcesses(runTmp);
    }
    const files = readdirSync(runTmp);
    for (const p of procs) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(runTmp, { recursive: true, force: true });
    const problems = [...procs.map((p) => `process ${p.pid} still running: ${p.cmdline}`), ...files.map((f) => `temp folder or file left behind: ${f}`)];
    if (problems.length === 0) return;
    process.exitCode = 1; // vitest reports an error thrown here but would still exit 0
    throw new Error(`the tests left things behind (now removed):\n  ${problems.join('\n  ')}`);
  };
}
