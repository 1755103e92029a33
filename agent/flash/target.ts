// A flash target as the operator writes it: `user@board[:port]` (IPv6 in brackets: user@[::1]:22).
export interface Target {
  user: string;
  host: string;
  port: number;
  /** As given, for progress lines and the result table. */
  label: string;
}

export class TargetError extends Error {
  override readonly name = 'TargetError';
}

export function parseTarget(text: string): Target {
  const m = /^([A-Za-z0-9._-]+)@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new TargetError(`--host ${JSON.stringify(text)}: expected user@board[:port]`);
  const port = m[3] === undefined ? 22 : Number(m[3]);
  if (!(port >= 1 && port <= 65535)) throw new TargetError(`--host ${text}: port ${m[3]} is out of range`);
  return { user: m[1]!, host: m[2]!.replace(/^\[|\]$/g, ''), port, label: text };
}
