// The shape of one `hashagent` subcommand. Each lives in its own module under agent/cli/.
import type { ProcessGuard } from '../safety/process-guard.js';

export interface CommandContext {
  /** Installed before the command runs when it drives hardware (signals, faults ⇒ power-down). */
  guard?: ProcessGuard;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full usage text, printed on --help and on bad arguments. */
  usage: string;
  /** Drives hardware (real or emulated): the process guard is installed before anything else. */
  drivesHardware?: boolean;
  /** Returns the process exit code. Throw UsageError for bad arguments (exit 2). */
  run(args: string[], ctx: CommandContext): Promise<number>;
}

/** Bad command-line arguments: the CLI prints the message and the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ParsedArgs {
  flags: Map<string, string | true>;
  positional: string[];
}

/**
 * Minimal, strict flag parser: `--name value`, `--name=value`, boolean `--name`.
 * `valueFlags` take a value; `boolFlags` do not; anything else is a UsageError.
 */
export function parseArgs(args: string[], valueFlags: readonly string[], boolFlags: readonly string[] = []): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-' || !a.startsWith('-')) {
      positional.push(a);
      continue;
    }
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    const eq = a.indexOf('=');
    const name = (eq >= 0 ? a.slice(0, eq) : a).replace(/^--?/, '');
    if (valueFlags.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, v);
    } else if (boolFlags.includes(name) && eq < 0) {
      flags.set(name, true);
    } else {
      throw new UsageError(`unknown option ${a}`);
    }
  }
  return { flags, positional };
}
