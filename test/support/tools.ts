// External tools the tests need. Off CI a missing tool skips the tests that need it (and the
// summary line counts them as skipped); with CI set it fails the run, so a broken install cannot
// make tests vanish.
import { spawnSync } from 'node:child_process';

/** Whether `name` runs (`name versionArg` exits 0); throws when it does not and `CI` is set. */
export function needTool(name: string, versionArg = '-V', env: NodeJS.ProcessEnv = process.env): boolean {
  const ok = spawnSync(name, [versionArg], { stdio: 'ignore' }).status === 0;
  if (!ok && env.CI) throw new Error(`CI is set and '${name}' is missing: the tests that need it would be skipped; install it (see .ci/run)`);
  return ok;
}

/** socat makes the pty pairs of the serial-path tests. */
export const haveSocat = needTool('socat');
