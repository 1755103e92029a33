// Declarative TOML schemas shared by every role's config: each field states its type, bounds,
// default and doc line; validation names the file, line and key of the first problem.
import { parse, TomlError } from 'smol-toml';

export type Field =
  | { type: 'string'; doc: string; default?: string; required?: boolean; enum?: readonly string[]; check?: (v: string) => string | null }
  | { type: 'integer'; doc: string; default?: number; required?: boolean; min?: number; max?: number }
  | { type: 'number'; doc: string; default?: number; required?: boolean; min?: number; max?: number }
  | { type: 'boolean'; doc: string; default?: boolean; required?: boolean }
  | { type: 'array'; doc: string; items: Field; default?: unknown[]; required?: boolean; minItems?: number; maxItems?: number }
  | { type: 'table'; doc: string; fields: Fields; required?: boolean }
  | { type: 'tables'; doc: string; fields: Fields; required?: boolean; minItems?: number; maxItems?: number };
export type Fields = Readonly<Record<string, Field>>;

type Base<F> = F extends { type: 'string' }
  ? string
  : F extends { type: 'integer' | 'number' }
    ? number
    : F extends { type: 'boolean' }
      ? boolean
      : F extends { type: 'array'; items: infer I }
        ? Base<I>[]
        : F extends { type: 'table'; fields: infer S extends Fields }
          ? Infer<S>
          : F extends { type: 'tables'; fields: infer S extends Fields }
            ? Infer<S>[]
            : never;
type Present<F> = F extends { default: unknown } | { required: true } | { type: 'table' | 'tables' } ? true : false;
/** The validated value of a schema: fields with a default or `required` are always present. */
export type Infer<S extends Fields> = {
  -readonly [K in keyof S as Present<S[K]> extends true ? K : never]: Base<S[K]>;
} & {
  -readonly [K in keyof S as Present<S[K]> extends true ? never : K]?: Base<S[K]>;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly key: string | null,
    readonly reason: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${reason}`);
  }
}

/** Parses TOML text and validates it against `schema`; throws ConfigError. */
export function parseConfig<S extends Fields>(text: string, schema: S, file: string): Infer<S> {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      throw new ConfigError(file, e.line, null, `invalid TOML: ${e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}`);
    }
    throw e;
  }
  const fail = (path: (string | number)[], reason: string): never => {
    throw new ConfigError(file, locate(text, path), keyName(path), reason);
  };
  return validateTable(doc, schema, [], fail) as Infer<S>;
}

type Fail = (path: (string | number)[], reason: string) => never;

function validateTable(value: unknown, fields: Fields, path: (string | number)[], fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'expected a table');
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!Object.hasOwn(fields, k)) {
      const known = Object.keys(fields);
      fail([...path, k], `unknown key${known.length ? ` (expected one of: ${known.join(', ')})` : ''}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fields)) {
    const v = validateField(obj[k], f, [...path, k], fail);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function validateField(v: unknown, f: Field, path: (string | number)[], fail: Fail): unknown {
  if (v === undefined) {
    if (f.type === 'table') return validateTable({}, f.fields, path, fail);
    if (f.type === 'tables') {
      if (f.required || (f.minItems ?? 0) > 0) fail(path, `missing (${f.doc})`);
      return [];
    }
    if ('default' in f && f.default !== undefined) return Array.isArray(f.default) ? [...f.default] : f.default;
    if (f.required) fail(path, `missing required key (${f.doc})`);
    return undefined;
  }
  switch (f.type) {
    case 'string':
      if (typeof v !== 'string') fail(path, `expected a string, got ${describe(v)}`);
      if (f.enum && !f.enum.includes(v as string)) fail(path, `must be one of ${f.enum.map((e) => `"${e}"`).join(', ')}, got "${v}"`);
      if (f.check) {
        const why = f.check(v as string);
        if (why) fail(path, why);
      }
      return v;
    case 'integer':
    case 'number': {
      if (typeof v !== 'number' || Number.isNaN(v)) fail(path, `expected ${f.type === 'integer' ? 'an integer' : 'a number'}, got ${describe(v)}`);
      const n = v as number;
      if (f.type === 'integer' && !Number.isInteger(n)) fail(path, `expected an integer, got ${n}`);
      if (f.min !== undefined && n < f.min) fail(path, `${n} is below the minimum ${f.min}`);
      if (f.max !== undefined && n > f.max) fail(path, `${n} is above the maximum ${f.max}`);
      return n;
    }
    case 'boolean':
      if (typeof v !== 'boolean') fail(path, `expected true or false, got ${describe(v)}`);
      return v;
    case 'array': {
      if (!Array.isArray(v)) fail(path, `expected an array, got ${describe(v)}`);
      const a = v as unknown[];
      if (f.minItems !== undefined && a.length < f.minItems) fail(path, `needs at least ${f.minItems} item(s)`);
      if (f.maxItems !== undefined && a.length > f.maxItems) fail(path, `allows at most ${f.maxItems} item(s)`);
      return a.map((item, i) => validateField(item, f.items, [...path, i], fail));
    }
    case 'table':
      return validateTable(v, f.fields, path, fail);
    case 'tables': {
      if (!Array.isArray(v)) fail(path, `expected an array of tables ([[${keyName(path)}]]), got ${describe(v)}`);
      const a = v as unknown[];
      if (f.minItems !== undefined && a.length < f.minItems) fail(path, `needs at least ${f.minItems} entr${f.minItems === 1 ? 'y' : 'ies'}`);
      if (f.maxItems !== undefined && a.length > f.maxItems) fail(path, `allows at most ${f.maxItems} entries`);
      return a.map((item, i) => validateTable(item, f.fields, [...path, i], fail));
    }
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return v.constructor?.name === 'TomlDate' ? 'a date' : 'a table';
  if (typeof v === 'string') return `the string "${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  return `${typeof v} ${String(v)}`;
}

export function keyName(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * The 1-based line where `path` is defined, found by following [table] / [[array]] headers and
 * `key =` lines; falls back to the nearest enclosing table's line, or null.
 */
export function locate(text: string, path: (string | number)[]): number | null {
  const lines = text.split(/\r?\n/);
  const arrayCounts = new Map<string, number>();
  let current: (string | number)[] = [];
  let best: { line: number; depth: number } | null = null;
  const consider = (p: (string | number)[], line: number) => {
    let depth = 0;
    while (depth < p.length && depth < path.length && p[depth] === path[depth]) depth++;
    if (depth === p.length && depth > 0 && (!best || depth > best.depth)) best = { line, depth };
  };
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.trim();
    let m: RegExpMatchArray | null;
    if ((m = s.match(/^\[\[\s*([^\]]+?)\s*\]\]/))) {
      const key = splitKey(m[1]!);
      const name = key.join('.');
      const idx = arrayCounts.get(name) ?? 0;
      arrayCounts.set(name, idx + 1);
      current = [...key, idx];
      consider(key, i + 1);
      consider(current, i + 1);
    } else if ((m = s.match(/^\[\s*([^\]]+?)\s*\]/))) {
      current = splitKey(m[1]!);
      consider(current, i + 1);
    } else if ((m = s.match(/^((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\-\s])+?)\s*=/))) {
      consider([...current, ...splitKey(m[1]!)], i + 1);
    }
  }
  return best ? (best as { line: number }).line : null;
}

function splitKey(k: string): string[] {
  return k.split('.').map((p) => p.trim().replace(/^["']|["']$/g, ''));
}

/** A commented TOML rendering of a schema's defaults, for docs and `--print-default-config`. */
export function documentSchema(fields: Fields, prefix = ''): string {
  const out: string[] = [];
  const nested: string[] = [];
  for (const [k, f] of Object.entries(fields)) {
    if (f.type === 'table') {
      nested.push(`\n# ${f.doc}\n[${prefix}${k}]\n${documentSchema(f.fields, `${prefix}${k}.`)}`);
    } else if (f.type === 'tables') {
      nested.push(`\n# ${f.doc}\n[[${prefix}${k}]]\n${documentSchema(f.fields, `${prefix}${k}.`)}`);
    } else {
      const dflt = 'default' in f && f.default !== undefined ? JSON.stringify(f.default) : null;
      out.push(`# ${f.doc}${f.required ? ' (required)' : ''}`);
      out.push(dflt !== null ? `${k} = ${dflt}` : `# ${k} =`);
    }
  }
  return out.join('\n') + nested.join('\n');
}
