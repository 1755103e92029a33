// The one log module of every role. Console lines can never throw: a closed pipe (`hashagent
// start | head`), a full disk (`> /dev/full`) or a non-blocking terminal that is not drained must
// not end a process that drives hardware: a failed write is dropped, and the stream's 'error'
// event is the process guard's to count (agent/safety/process-guard.ts).
//
// One timestamp format everywhere (ISO 8601 UTC with milliseconds, what journald and log
// shippers parse), four levels, and two formats: text (`<time> <LEVEL> <msg>`) and json (one
// object a line: time, level, role, msg, fields).

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A log function: a message, its level (info when left out) and structured fields. Code that
 * only knows `(line: string) => void` can take one. */
export type Log = (msg: string, level?: LogLevel, fields?: Record<string, unknown>) => void;

/** The timestamp of every log line and event: 2026-12-05T06:27:43.123Z. */
export function timestamp(at = new Date()): string {
  return at.toISOString();
}

/** Writes `text` to `stream`; false (never an exception) when the stream cannot take it. */
export function safeWrite(stream: NodeJS.WritableStream, text: string): boolean {
  try {
    const s = stream as { destroyed?: boolean; writableEnded?: boolean };
    if (s.destroyed || s.writableEnded) return false;
    return stream.write(text);
  } catch {
    return false;
  }
}

export interface ConsoleLogOptions {
  /** Lines below this level are dropped (default info). */
  level?: LogLevel;
  format?: LogFormat;
  /** Which role writes (json's `role`): agent, pool, translator, cpu-miner. */
  role?: string;
  stream?: NodeJS.WritableStream;
  /** Injected clock (tests). */
  now?: () => Date;
}

/** One line per call on `stream` (stdout by default), at or above `level`. */
export function consoleLog(o: ConsoleLogOptions = {}): Log {
  const stream = o.stream ?? process.stdout;
  const max = LOG_LEVELS.indexOf(o.level ?? 'info');
  const now = o.now ?? (() => new Date());
  const role = o.role ?? 'hashagent';
  return (msg, level = 'info', fields) => {
    if (LOG_LEVELS.indexOf(level) > max) return;
    const time = timestamp(now());
    const line =
      o.format === 'json'
        ? JSON.stringify({ time, level, role, msg, ...(fields ? { fields } : {}) })
        : `${time} ${level.toUpperCase().padEnd(5)} ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`;
    safeWrite(stream, line + '\n');
  };
}

/** A level or format named on the command line or in a config file; null when it is none. */
export function parseLogLevel(v: unknown): LogLevel | null {
  return (LOG_LEVELS as readonly unknown[]).includes(v) ? (v as LogLevel) : null;
}
export function parseLogFormat(v: unknown): LogFormat | null {
  return (LOG_FORMATS as readonly unknown[]).includes(v) ? (v as LogFormat) : null;
}
