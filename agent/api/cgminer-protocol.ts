// The cgminer API wire format, as cgminer's api.c and API-README define it (bmminer and bosminer
// speak the same): a request is one JSON object {"command", "parameter"} or plain text `cmd|param`;
// `a+b` joins report commands into one reply keyed by command; every reply opens with a STATUS
// section, carries "id":1 (JSON) and ends with a NUL byte. JSON requests get JSON, text gets text.

export type Severity = 'S' | 'I' | 'W' | 'E' | 'F';
export type Field = string | number | boolean;
export type Row = Record<string, Field>;

/** Status codes: cgminer's MSG_* numbers; 200-202 are bosminer's extensions; 300+ are ours
 * (bosminer puts custom codes above 300 too). */
export const Code = {
  POOL: 7,
  DEVS: 9,
  NODEVS: 10,
  SUMMARY: 11,
  INVALID_COMMAND: 14,
  MISSING_ID: 15,
  VERSION: 22,
  INVALID_JSON: 23,
  MISSING_COMMAND: 24,
  CONFIG: 33,
  ACCESS_DENIED: 45,
  PGA_COUNT: 59,
  DEVDETAILS: 69,
  STATS: 70,
  MISSING_CHECK: 71,
  CHECK: 72,
  COIN: 78,
  ASC_COUNT: 104,
  ASC: 106,
  INVALID_ASC: 107,
  TEMPCTRL: 200,
  TEMPS: 201,
  FANS: 202,
  TOO_MANY_CONNECTIONS: 301,
  REQUEST_TOO_LARGE: 302,
} as const;

export interface Reply {
  severity: Severity;
  code: number;
  msg: string;
  /** The detail section. `single`: one record whose section name leads it in text replies
   * (SUMMARY, VERSION…); list sections (POOLS, DEVS…) have their name in JSON only, as in api.c. */
  section?: { name: string; rows: Row[]; single?: boolean };
}

export const ok = (code: number, msg: string, name: string, rows: Row[], single = false): Reply => ({ severity: 'S', code, msg, section: { name, rows, single } });
export const fail = (code: number, msg: string): Reply => ({ severity: 'E', code, msg });

export type Request =
  | { kind: 'command'; json: boolean; command: string; parameter: string | null }
  | { kind: 'invalid'; json: boolean; reply: Reply };

/** Parses one complete request (trailing NULs and whitespace ignored). */
export function parseRequest(text: string): Request {
  const t = text.replace(/[\0\s]+$/, '').replace(/^\s+/, '');
  if (!t.startsWith('{')) {
    const bar = t.indexOf('|');
    return { kind: 'command', json: false, command: bar < 0 ? t : t.slice(0, bar), parameter: bar < 0 ? null : t.slice(bar + 1) };
  }
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return { kind: 'invalid', json: true, reply: fail(Code.INVALID_JSON, 'Invalid JSON') };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { kind: 'invalid', json: true, reply: fail(Code.INVALID_JSON, 'Invalid JSON') };
  const o = v as Record<string, unknown>;
  if (!('command' in o)) return { kind: 'invalid', json: true, reply: fail(Code.MISSING_COMMAND, "Missing JSON 'command'") };
  if (typeof o.command !== 'string') return { kind: 'invalid', json: true, reply: fail(Code.INVALID_COMMAND, 'Invalid command') };
  // api.c takes a string, an integer or a real as the parameter and ignores anything else.
  const p = o.parameter;
  const parameter = typeof p === 'string' ? p : typeof p === 'number' && Number.isFinite(p) ? String(p) : null;
  return { kind: 'command', json: true, command: o.command, parameter };
}

/**
 * Where a request that arrives in pieces ends: a JSON object at its closing brace (strings and
 * escapes skipped), plain text at a newline or NUL. Null: not complete yet.
 */
export function requestEnd(buf: string): number | null {
  const start = buf.search(/\S/);
  if (start < 0) return null;
  if (buf[start] !== '{') {
    const i = buf.search(/[\n\0]/);
    return i < 0 ? null : i;
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (--depth === 0) return i + 1;
    }
  }
  return null;
}

export interface Envelope {
  /** Seconds since the epoch at the request (api.c's `When`). */
  when: number;
  description: string;
}

function statusRow(r: Reply, e: Envelope): Row {
  const row: Row = { STATUS: r.severity, When: e.when, Code: r.code, Msg: r.msg };
  // api.c gives no description to "Invalid command", so random probes learn nothing of the miner.
  if (r.code !== Code.INVALID_COMMAND) row.Description = e.description;
  return row;
}

function jsonReply(r: Reply, e: Envelope): Record<string, unknown> {
  const o: Record<string, unknown> = { STATUS: [statusRow(r, e)] };
  if (r.section) o[r.section.name] = r.section.rows;
  o.id = 1;
  return o;
}

/** Text form: `\` before `,` `|` `=` `\` in values (API-README, "reply strings"). */
const escapeText = (v: Field) => String(v).replace(/[\\,|=]/g, (c) => `\\${c}`);
const textRow = (row: Row) => `${Object.entries(row).map(([k, v]) => `${k}=${escapeText(v)}`).join(',')}|`;

function textReply(r: Reply, e: Envelope): string {
  let s = textRow(statusRow(r, e));
  if (r.section) {
    if (r.section.single) s += `${r.section.name},`;
    s += r.section.rows.map(textRow).join('');
  }
  return s;
}

/** One command's reply, NUL-terminated. */
export function render(r: Reply, json: boolean, e: Envelope): Buffer {
  return Buffer.from(`${json ? JSON.stringify(jsonReply(r, e)) : textReply(r, e)}\0`);
}

/** A joined reply: JSON {"cmd":[reply],…,"id":1}; text CMD=cmd|reply… . */
export function renderJoined(parts: { command: string; reply: Reply }[], json: boolean, e: Envelope): Buffer {
  if (json) {
    // Keys are client-supplied command names: no prototype, so "__proto__" is just a key.
    const o: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const p of parts) o[p.command] = [jsonReply(p.reply, e)];
    o.id = 1;
    return Buffer.from(`${JSON.stringify(o)}\0`);
  }
  return Buffer.from(`${parts.map((p) => `CMD=${escapeText(p.command)}|${textReply(p.reply, e)}`).join('')}\0`);
}
