// --log-level and --log-format of every role's command: they win over the config file's [log].
import { UsageError, type ParsedArgs } from './command.js';
import { LOG_FORMATS, LOG_LEVELS, consoleLog, parseLogFormat, parseLogLevel, type Log } from '../log.js';

/** The value flags to hand parseArgs. */
export const LOG_FLAGS = ['log-level', 'log-format'] as const;

export const LOG_USAGE = `--log-level ${LOG_LEVELS.join('|')} (default: [log] level, else info)\n  --log-format ${LOG_FORMATS.join('|')} (default: [log] format, else text; json: one object a line)`;

/** The console log for `role`: flags first, then the config's [log], then info/text. */
export function logFromFlags(flags: ParsedArgs['flags'], role: string, cfg?: { level: string; format: string }): Log {
  const lv = flags.get('log-level');
  const fm = flags.get('log-format');
  // The config's values were checked against the same lists by its schema.
  const level = parseLogLevel(lv ?? cfg?.level ?? 'info');
  const format = parseLogFormat(fm ?? cfg?.format ?? 'text');
  if (!level) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  if (!format) throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}`);
  return consoleLog({ level, format, role });
}
