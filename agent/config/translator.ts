// translator.toml: the SV1 → SV2 translator proxy (names follow the reference translator's
// config where one exists: downstream_extranonce2_size, aggregate_channels, user_identity).
import type { Fields, Infer } from './schema.js';
import { hexMask, hostPort, readConfigDoc } from './read.js';
import { parsePoolUrl } from '../sv2/keys.js';
import { Sv2Error } from '../sv2/errors.js';
import type { Endpoint } from '../net/failover.js';

const sv2Url = (v: string) => {
  try {
    return parsePoolUrl(v).scheme === 'stratum2+tcp' ? null : 'the translator connects upstream over SV2: expected a stratum2+tcp:// URL';
  } catch (e) {
    return e instanceof Sv2Error ? e.message : String(e);
  }
};

export const translatorSchema = {
  listen_address: { type: 'string', doc: 'SV1 listener for downstream miners', default: '0.0.0.0:34255', check: hostPort },
  user_identity: { type: 'string', doc: 'user_identity of the upstream channel (per-miner channels add ".miner<N>")', default: 'hashagent.translator' },
  aggregate_channels: { type: 'boolean', doc: 'one upstream channel for all miners (true) or one channel per miner', default: true },
  downstream_extranonce2_size: { type: 'integer', doc: 'extranonce2 bytes given to SV1 miners (cgminer handles at most 8)', default: 4, min: 2, max: 8 },
  min_individual_miner_hashrate: { type: 'number', doc: 'hashrate assumed for a new miner until vardiff measures it, H/s', default: 1e12, min: 1 },
  version_rolling_mask: { type: 'string', doc: 'version bits the upstream pool accepts rolled, hex (1fffffe0 BIP323, 1fffe000 BIP320, 0 none); miners get its intersection with what they ask', default: '1fffffe0', check: hexMask },
  shares_per_minute: { type: 'number', doc: 'share rate per miner that vardiff aims for', default: 6, min: 0.1, max: 6000 },
  probe_interval_sec: { type: 'integer', doc: 'while on a fallback upstream, how often the better ones are retried', default: 30, min: 1 },
  monitoring_address: { type: 'string', doc: 'HTTP listener for /metrics', default: '127.0.0.1:9092', check: hostPort },
  upstreams: {
    type: 'tables',
    doc: 'ordered failover list of SV2 pools (the first that answers is used)',
    required: true,
    minItems: 1,
    maxItems: 16,
    fields: {
      url: { type: 'string', doc: 'stratum2+tcp://HOST:PORT/<authority_pubkey>', required: true, check: sv2Url },
      insecure: { type: 'boolean', doc: 'allow a URL without an authority key (the pool is then NOT authenticated)', default: false },
    },
  },
  vardiff: {
    type: 'table',
    doc: 'per-miner variable difficulty towards shares_per_minute',
    fields: {
      enabled: { type: 'boolean', doc: 'retarget each miner (false: miners get the upstream channel target)', default: true },
      min_hashrate: { type: 'number', doc: 'the least hashrate vardiff (and a suggested difficulty) may go down to, H/s: small miners (CPU, USB sticks) find shares', default: 1000, min: 1 },
    },
  },
  limits: {
    type: 'table',
    doc: 'limits that close offenders and keep serving everyone else',
    fields: {
      max_connections: { type: 'integer', doc: 'open SV1 connections', default: 10_000, min: 1 },
      max_line_bytes: { type: 'integer', doc: 'longest accepted SV1 line; longer closes the connection', default: 16_384, min: 512, max: 1_048_576 },
      max_lines_per_second: { type: 'integer', doc: 'SV1 lines one miner may send per second; more closes the connection', default: 1000, min: 1 },
      max_worker_labels: { type: 'integer', doc: 'distinct worker label values in /metrics (later workers are counted as "other")', default: 100, min: 0, max: 10_000 },
    },
  },
} as const satisfies Fields;

export type TranslatorConfig = Infer<typeof translatorSchema>;

export function loadTranslatorConfig(file: string): TranslatorConfig {
  const doc = readConfigDoc(file, translatorSchema);
  doc.config.upstreams.forEach((u, i) => {
    if (!parsePoolUrl(u.url).authorityKey && !u.insecure) doc.fail(['upstreams', i, 'url'], 'no authority key (…/<authority_pubkey>); add it or set insecure = true');
  });
  return doc.config;
}

/** The validated upstream list as failover endpoints. */
export function upstreamEndpoints(c: TranslatorConfig): Endpoint[] {
  return c.upstreams.map((u) => {
    const url = parsePoolUrl(u.url);
    return { host: url.host, port: url.port, authorityKey: url.authorityKey, insecure: !url.authorityKey };
  });
}
