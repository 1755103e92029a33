// pool.toml: the SV2 pool's configuration (names follow the reference pool's config where one exists).
import type { Fields, Infer } from './schema.js';
import { authorityKeyFields, authoritySecret, hexBytes, hexMask, hostPort, parseConfigDoc, peerLimitFields, readConfigText } from './read.js';
import { dirname } from 'node:path';
import { localSourceFields } from './template-source.js';
import { addressToScript, type Network } from '../bitcoin/address.js';

export const poolSchema = {
  listen_address: { type: 'string', doc: 'SV2 listener (Noise)', default: '0.0.0.0:34254', check: hostPort },
  ...authorityKeyFields,
  cert_validity_sec: { type: 'integer', doc: 'lifetime of each connection certificate, seconds', default: 3600, min: 60, max: 31_536_000 },
  coinbase_reward_script: { type: 'string', doc: 'payout scriptPubKey as hex (default OP_TRUE, for regtest); ignored when coinbase_reward_address is set', default: '51', check: hexBytes },
  coinbase_reward_address: { type: 'string', doc: 'payout address (base58, bech32 or bech32m) on `network`' },
  network: { type: 'string', doc: 'network of coinbase_reward_address', default: 'regtest', enum: ['mainnet', 'testnet', 'signet', 'regtest'] },
  pool_signature: { type: 'string', doc: 'tag in the coinbase scriptSig', default: 'hashagent' },
  server_id: { type: 'integer', doc: 'first extranonce byte; unique per pool server', default: 1, min: 0, max: 255 },
  shares_per_minute: { type: 'number', doc: 'share rate each channel is set up for', default: 6, min: 0.1, max: 6000 },
  version_rolling_mask: { type: 'string', doc: 'version bits miners may roll, hex: 1fffffe0 (BIP323) or 1fffe000 (BIP320)', default: '1fffffe0', check: hexMask },
  share_batch_size: { type: 'integer', doc: 'accepted shares per SubmitShares.Success', default: 10, min: 1, max: 1000 },
  template_provider: {
    type: 'table',
    doc: 'where templates come from',
    fields: {
      type: { type: 'string', doc: 'embedded (regtest-style chain in process), bitcoind (JSON-RPC) or sv2 (a Template Provider such as sv2-tp)', default: 'embedded', enum: ['embedded', 'bitcoind', 'sv2'] },
      ...localSourceFields,
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
      // 1024 from one address: a farm behind NAT shares one.
      ...peerLimitFields(1024, 'SetupConnection'),
    },
  },
  monitoring_address: { type: 'string', doc: 'HTTP listener for /metrics', default: '127.0.0.1:9090', check: hostPort },
} as const satisfies Fields;

export type PoolConfig = Infer<typeof poolSchema>;

/** A pool configuration whose authority secret key has been read (from the file or inline). */
export type ResolvedPoolConfig = PoolConfig & { authority_secret_key: string };

export function loadPoolConfig(file: string): ResolvedPoolConfig {
  return parsePoolConfig(readConfigText(file), file, dirname(file));
}

/** pool.toml text → a checked configuration; a key file is read relative to `dir`. */
export function parsePoolConfig(text: string, file: string, dir = '.'): ResolvedPoolConfig {
  const doc = parseConfigDoc(text, poolSchema, file, dir);
  const c = doc.config;
  const key = authoritySecret(doc);
  if (c.coinbase_reward_address !== undefined) {
    try {
      addressToScript(c.coinbase_reward_address, c.network as Network);
    } catch (e) {
      doc.fail(['coinbase_reward_address'], e instanceof Error ? e.message : String(e));
    }
  }
  return { ...c, authority_secret_key: key };
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
