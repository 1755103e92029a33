// pool.toml: the SV2 pool's configuration (names follow the reference pool's config where one exists).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Fields, Infer } from './schema.js';
import { ConfigError, locate, logSection, parseConfig } from './schema.js';
import { addressToScript, type Network } from '../bitcoin/address.js';
import { decodeSecretKey } from '../sv2/keys.js';
import { Sv2Error } from '../sv2/errors.js';

const hostPort = (v: string) => (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(v) ? 'expected "host:port"' : Number(v.slice(v.lastIndexOf(':') + 1)) > 65535 ? 'port above 65535' : null);
const secret = (v: string) => {
  try {
    decodeSecretKey(v);
    return null;
  } catch (e) {
    return e instanceof Sv2Error ? e.message : String(e);
  }
};
const hex = (v: string) => (/^([0-9a-fA-F]{2})+$/.test(v) ? null : 'expected hex bytes');

export const poolSchema = {
  listen_address: { type: 'string', doc: 'SV2 listener (Noise)', default: '0.0.0.0:34254', check: hostPort },
  authority_secret_key_file: { type: 'string', doc: 'file holding the authority secret key (base58check), relative to this file: `hashagent keygen --out FILE` writes it' },
  authority_secret_key: { type: 'string', doc: 'the authority secret key itself, base58check (prefer authority_secret_key_file: a config file gets copied and shown)', check: secret },
  cert_validity_sec: { type: 'integer', doc: 'lifetime of each connection certificate, seconds', default: 3600, min: 60, max: 31_536_000 },
  coinbase_reward_script: { type: 'string', doc: 'payout scriptPubKey as hex (default OP_TRUE, for regtest); ignored when coinbase_reward_address is set', default: '51', check: hex },
  coinbase_reward_address: { type: 'string', doc: 'payout address (base58, bech32 or bech32m) on `network`' },
  network: { type: 'string', doc: 'network of coinbase_reward_address', default: 'regtest', enum: ['mainnet', 'testnet', 'signet', 'regtest'] },
  pool_signature: { type: 'string', doc: 'tag in the coinbase scriptSig', default: 'hashagent' },
  server_id: { type: 'integer', doc: 'first extranonce byte; unique per pool server', default: 1, min: 0, max: 255 },
  shares_per_minute: { type: 'number', doc: 'share rate each channel is set up for', default: 6, min: 0.1, max: 6000 },
  version_rolling_mask: { type: 'string', doc: 'version bits miners may roll, hex: 1fffffe0 (BIP323) or 1fffe000 (BIP320)', default: '1fffffe0', check: (v) => (/^[0-9a-fA-F]{1,8}$/.test(v) ? null : 'expected up to 8 hex digits') },
  share_batch_size: { type: 'integer', doc: 'accepted shares per SubmitShares.Success', default: 10, min: 1, max: 1000 },
  template_provider: {
    type: 'table',
    doc: 'where templates come from',
    fields: {
      type: { type: 'string', doc: 'embedded (regtest-style chain in process), bitcoind (JSON-RPC) or sv2 (a Template Provider such as sv2-tp)', default: 'embedded', enum: ['embedded', 'bitcoind', 'sv2'] },
      nbits: { type: 'integer', doc: 'embedded: compact network target', default: 0x1e00ffff, min: 1, max: 0xffffffff },
      template_interval_ms: { type: 'integer', doc: 'embedded: a fresh template (and a simulated mempool transaction) this often', default: 30_000, min: 100 },
      rpc_url: { type: 'string', doc: 'bitcoind: JSON-RPC URL, e.g. http://127.0.0.1:18443', default: 'http://127.0.0.1:18443' },
      rpc_user: { type: 'string', doc: 'bitcoind: rpcuser', default: '' },
      rpc_password: { type: 'string', doc: 'bitcoind: rpcpassword', default: '' },
      address: { type: 'string', doc: 'sv2: Template Provider host:port', default: '127.0.0.1:18447', check: hostPort },
      public_key: { type: 'string', doc: "sv2: the Template Provider's authority public key (base58check)" },
    },
  },
  vardiff: {
    type: 'table',
    doc: 'per-channel variable difficulty towards shares_per_minute',
    fields: {
      enabled: { type: 'boolean', doc: 'retarget channels with SetTarget', default: true },
      min_hashrate: { type: 'number', doc: 'floor of the estimated hashrate, H/s (bounds how easy a target gets)', default: 1000, min: 1 },
    },
  },
  limits: {
    type: 'table',
    doc: 'limits that close offenders and keep serving everyone else',
    fields: {
      max_connections: { type: 'integer', doc: 'open connections', default: 10_000, min: 1 },
      max_channels_per_connection: { type: 'integer', doc: 'channels per connection', default: 64, min: 1 },
      max_frames_per_second: { type: 'integer', doc: 'frames per connection per second', default: 1000, min: 1 },
      max_connections_per_address: { type: 'integer', doc: 'open connections from one address, handshake included (a farm behind NAT shares one)', default: 1024, min: 1 },
      handshake_timeout_sec: { type: 'integer', doc: 'time a client has for the Noise handshake, then again for SetupConnection; a quiet one is closed', default: 10, min: 1, max: 600 },
    },
  },
  monitoring_address: { type: 'string', doc: 'HTTP listener for /metrics and the status page', default: '127.0.0.1:9090', check: hostPort },
  log: logSection,
} as const satisfies Fields;

export type PoolConfig = Infer<typeof poolSchema>;

/** A pool configuration whose authority secret key has been read (from the file or inline). */
export type ResolvedPoolConfig = PoolConfig & { authority_secret_key: string };

export function loadPoolConfig(file: string): ResolvedPoolConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, null, null, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parsePoolConfig(text, file, dirname(file));
}

/** pool.toml text → a checked configuration; a key file is read relative to `dir`. */
export function parsePoolConfig(text: string, file: string, dir = '.'): ResolvedPoolConfig {
  const c = parseConfig(text, poolSchema, file);
  const inline = c.authority_secret_key;
  const keyFile = c.authority_secret_key_file;
  if ((inline === undefined) === (keyFile === undefined)) {
    throw new ConfigError(file, inline !== undefined ? locate(text, ['authority_secret_key']) : null, 'authority_secret_key_file', inline === undefined ? 'missing: the file with the pool\'s authority secret key (hashagent keygen --out FILE writes one)' : 'give authority_secret_key_file or authority_secret_key, not both');
  }
  let key = inline;
  if (keyFile !== undefined) {
    const path = resolve(dir, keyFile);
    const at = locate(text, ['authority_secret_key_file']);
    try {
      key = readFileSync(path, 'utf8').trim();
    } catch (e) {
      throw new ConfigError(file, at, 'authority_secret_key_file', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const problem = secret(key);
    if (problem) throw new ConfigError(file, at, 'authority_secret_key_file', `${path}: ${problem}`);
  }
  if (c.coinbase_reward_address !== undefined) {
    try {
      addressToScript(c.coinbase_reward_address, c.network as Network);
    } catch (e) {
      throw new ConfigError(file, locate(text, ['coinbase_reward_address']), 'coinbase_reward_address', e instanceof Error ? e.message : String(e));
    }
  }
  return { ...c, authority_secret_key: key! };
}

/** The payout scriptPubKey the configuration names. */
export function payoutScript(c: PoolConfig): Uint8Array {
  return c.coinbase_reward_address !== undefined
    ? addressToScript(c.coinbase_reward_address, c.network as Network)
    : Uint8Array.from(Buffer.from(c.coinbase_reward_script, 'hex'));
}

export function splitHostPort(v: string): { host: string; port: number } {
  const i = v.lastIndexOf(':');
  return { host: v.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(v.slice(i + 1)) };
}
