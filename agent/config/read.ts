// The one reader of every role's config file (pool, translator, template provider, agent): read
// the file, parse the TOML (smol-toml) against the role's schema, and report every problem —
// the file's own or one a role finds later (a key file, an address) — as a ConfigError naming
// file:line:key. The checks several schemas share live here too.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Fields, Infer } from './schema.js';
import { ConfigError, keyName, locate, parseConfig } from './schema.js';
import { decodeSecretKey } from '../sv2/keys.js';
import { Sv2Error } from '../sv2/errors.js';

export type KeyPath = (string | number)[];

export interface ConfigDoc<S extends Fields> {
  file: string;
  text: string;
  /** The folder relative paths in the file are resolved against (the file's own). */
  dir: string;
  config: Infer<S>;
  /** Throws a ConfigError at the line that defines `path`. */
  fail(path: KeyPath, reason: string): never;
}

/** The text of a config file; ConfigError when it cannot be read. */
export function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, null, null, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** Config text → the validated document; `dir` is where its relative paths point. */
export function parseConfigDoc<S extends Fields>(text: string, schema: S, file: string, dir = '.'): ConfigDoc<S> {
  const config = parseConfig(text, schema, file);
  return {
    file,
    text,
    dir,
    config,
    fail(path, reason) {
      throw new ConfigError(file, locate(text, path), keyName(path), reason);
    },
  };
}

/** Reads and validates `file` against `schema`. */
export function readConfigDoc<S extends Fields>(file: string, schema: S): ConfigDoc<S> {
  return parseConfigDoc(readConfigText(file), schema, file, dirname(file));
}

// Checks shared by the schemas.
export const hostPort = (v: string): string | null =>
  !/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(v) ? 'expected "host:port"' : Number(v.slice(v.lastIndexOf(':') + 1)) > 65535 ? 'port above 65535' : null;
export const secretKey = (v: string): string | null => {
  try {
    decodeSecretKey(v);
    return null;
  } catch (e) {
    return e instanceof Sv2Error ? e.message : String(e);
  }
};
export const hexBytes = (v: string): string | null => (/^([0-9a-fA-F]{2})+$/.test(v) ? null : 'expected hex bytes');
export const hexMask = (v: string): string | null => (/^[0-9a-fA-F]{1,8}$/.test(v) ? null : 'expected up to 8 hex digits');

/** The limits every Noise listener (pool, template provider) has against idle and probing peers. */
export function peerLimitFields(perAddress: number, afterHandshake: string) {
  return {
    max_connections_per_address: { type: 'integer', doc: 'open connections from one address, handshake included', default: perAddress, min: 1 },
    handshake_timeout_sec: { type: 'integer', doc: `time a client has for the Noise handshake, then again for ${afterHandshake}; a quiet one is closed`, default: 10, min: 1, max: 600 },
  } as const satisfies Fields;
}

/** The schema keys of a role that holds an authority key: a key file (preferred) or the key inline. */
export const authorityKeyFields = {
  authority_secret_key_file: { type: 'string', doc: 'file holding the authority secret key (base58check), relative to this file: `hashagent keygen --out FILE` writes it' },
  authority_secret_key: { type: 'string', doc: 'the authority secret key itself, base58check (prefer authority_secret_key_file: a config file gets copied and shown)', check: secretKey },
} as const satisfies Fields;

/** The authority secret key a document names, read from its key file or inline (exactly one). */
export function authoritySecret(doc: ConfigDoc<typeof authorityKeyFields>): string {
  const { authority_secret_key: inline, authority_secret_key_file: keyFile } = doc.config;
  if ((inline === undefined) === (keyFile === undefined)) {
    if (inline === undefined) throw new ConfigError(doc.file, null, 'authority_secret_key_file', "missing: the file with the authority secret key (hashagent keygen --out FILE writes one)");
    doc.fail(['authority_secret_key'], 'give authority_secret_key_file or authority_secret_key, not both');
  }
  if (inline !== undefined) return inline;
  const path = resolve(doc.dir, keyFile!);
  let key: string;
  try {
    key = readFileSync(path, 'utf8').trim();
  } catch (e) {
    return doc.fail(['authority_secret_key_file'], `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const problem = secretKey(key);
  if (problem) doc.fail(['authority_secret_key_file'], `${path}: ${problem}`);
  return key;
}
