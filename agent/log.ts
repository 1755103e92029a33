// Console lines that can never throw. A closed pipe (`hashagent start | head`), a full disk
// (`> /dev/full`) or a non-blocking terminal that is not drained must not end a process that
// drives hardware: a failed write is dropped, and the stream's 'error' event is the process
// guard's to count (agent/safety/process-guard.ts).

/** HH:MM:SS (UTC), the prefix of every console line. */
export function clock(at = new Date()): string {
  return at.toISOString().slice(11, 19);
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

/** A log function: one time-stamped line per call on `stream` (stdout by default). */
export function consoleLog(stream: NodeJS.WritableStream = process.stdout): (line: string) => void {
  return (line) => void safeWrite(stream, `${clock()} ${line}\n`);
}
