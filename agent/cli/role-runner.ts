// The one runner of the server roles (pool, translator, template provider): --config, load the
// file (a bad one is exit 2 naming file:line:key), start (a port that cannot be opened is exit 2
// naming file, key and address; any other failure exit 1 with one line), log where it listens,
// SIGHUP re-reads the file and applies what the role can change live (systemctl reload never
// kills it), SIGINT/SIGTERM (or --seconds) stop it cleanly, exit 0.
import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { ConfigError } from '../config/schema.js';
import { ListenError } from '../net/listen-error.js';
import { consoleLog, safeWrite } from '../log.js';
import { untilSignal } from './signals.js';

export interface Role<C, R extends { stop(): Promise<void> }> {
  name: string;
  summary: string;
  usage: string;
  /** What the log calls it ("pool", "translator", "template provider"). */
  title: string;
  /** Reads and checks the config file; throws ConfigError. */
  load(file: string): C;
  start(config: C, log: (line: string) => void): Promise<R>;
  /** Lines logged once it listens. */
  banner(running: R): string[];
  /**
   * SIGHUP with a freshly read, valid file: apply what can change live and log what needs a
   * restart. Without it the role says it does not reload and keeps running.
   */
  reload?(running: R, next: C, log: (line: string) => void): void;
}

/** `load(file)`, or exit code 2 with the ConfigError's file:line: key line on stderr (every role, the agent too). */
export function loadOrExit<C>(command: string, load: (file: string) => C, file: string): { config: C } | { exit: number } {
  try {
    return { config: load(file) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    safeWrite(process.stderr, `hashagent ${command}: ${e.message}\n`);
    return { exit: 2 };
  }
}

export function roleCommand<C, R extends { stop(): Promise<void> }>(role: Role<C, R>): Command {
  return {
    name: role.name,
    summary: role.summary,
    usage: role.usage,
    async run(args) {
      const { flags, positional } = parseArgs(args, ['config', 'seconds']);
      if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
      const file = flags.get('config');
      if (typeof file !== 'string') throw new UsageError('--config is required');
      const seconds = flags.has('seconds') ? Number(flags.get('seconds')) : undefined;
      if (seconds !== undefined && !(seconds > 0)) throw new UsageError('--seconds must be a positive number');
      const fail = (why: string, code: number) => (safeWrite(process.stderr, `hashagent ${role.name}: ${why}\n`), code);
      const loaded = loadOrExit(role.name, role.load, file);
      if ('exit' in loaded) return loaded.exit;
      const config = loaded.config;
      const log = consoleLog();
      let running: R;
      try {
        running = await role.start(config, log);
      } catch (e) {
        if (e instanceof ListenError) return fail(`${file}: ${e.message}`, 2);
        return fail(e instanceof Error ? e.message : String(e), 1);
      }
      const onHup = () => {
        if (!role.reload) return log(`SIGHUP: the ${role.title} does not reload its configuration; restart it to apply changes (still running)`);
        let next: C;
        try {
          next = role.load(file);
        } catch (e) {
          return log(`SIGHUP: ${e instanceof Error ? e.message : String(e)}; keeping the running configuration`);
        }
        role.reload(running, next, log);
      };
      process.on('SIGHUP', onHup);
      for (const line of role.banner(running)) log(line);
      await untilSignal(seconds);
      process.off('SIGHUP', onHup);
      log('stopping');
      await running.stop();
      return 0;
    },
  };
}
