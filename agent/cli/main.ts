// Subcommand table and dispatch for `hashagent` (agent/cli.ts runs it).
import { UsageError, type Command } from './command.js';
import { ProcessGuard } from '../safety/process-guard.js';
import { safeWrite } from '../log.js';
import { cpuMiner } from './cpu-miner.js';
import { detect } from './detect.js';
import { emulate } from './emulate.js';
import { flash } from './flash.js';
import { image } from './image.js';
import { keygen } from './keygen.js';
import { mine } from './mine.js';
import { pool } from './pool.js';
import { start } from './start.js';
import { sv2 } from './sv2.js';
import { templateProvider } from './template-provider.js';
import { translate } from './translate.js';
import { version } from './version.js';

// One line per subcommand; keep alphabetical.
const commands: Command[] = [cpuMiner, detect, emulate, flash, image, keygen, mine, pool, start, sv2, templateProvider, translate, version];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: hashagent <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "run 'hashagent <command> --help' for a command's options",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') return version.run([], {});
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`hashagent: unknown command '${name}'\n\n${overview()}\n`);
    return 2;
  }
  // A command that drives hardware is guarded before it parses a single argument: from here on,
  // a signal or a fault anywhere ends in a power-down, and output errors never end the process.
  const guard = cmd.drivesHardware ? new ProcessGuard().install() : undefined;
  if (rest.includes('--help') || rest.includes('-h')) {
    safeWrite(process.stdout, cmd.usage + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest, guard ? { guard } : {});
  } catch (e) {
    if (e instanceof UsageError) {
      safeWrite(process.stderr, `hashagent ${cmd.name}: ${e.message}\n\nusage: ${cmd.usage}\n`);
      return 2;
    }
    if (!guard) throw e;
    // The guard's fault path: power down first, then report and exit non-zero.
    await guard.powerDown();
    safeWrite(process.stderr, `hashagent ${cmd.name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

