// The `hashagent` entry point (package.json bin, bundled to dist/hashagent.js).
import { main } from './cli/main.js';
import { safeWrite } from './log.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Whatever a stopped bring-up left pending (a PLL ramp's timer, a link's drain) must not keep
    // a process that has powered down alive; stdout/stderr are synchronous on files and pipes.
    process.exit(code);
  },
  (e: unknown) => {
    safeWrite(process.stderr, `hashagent: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
