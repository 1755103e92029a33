// tp.toml: `hashagent template-provider`, an SV2 Template Provider (Template Distribution
// Protocol server, what sv2-tp is to Bitcoin Core) in front of bitcoind's RPC or the embedded chain.
import type { Fields, Infer } from './schema.js';
import { authorityKeyFields, authoritySecret, hostPort, peerLimitFields, readConfigDoc } from './read.js';
import { localSourceFields } from './template-source.js';

export const templateProviderSchema = {
  // 18447: sv2-tp's regtest port, the one pool.toml's [template_provider] address names by default.
  listen_address: { type: 'string', doc: 'SV2 Template Distribution listener (Noise)', default: '0.0.0.0:18447', check: hostPort },
  ...authorityKeyFields,
  cert_validity_sec: { type: 'integer', doc: 'lifetime of each connection certificate, seconds', default: 3600, min: 60, max: 31_536_000 },
  source: {
    type: 'table',
    doc: 'where templates come from',
    fields: {
      type: { type: 'string', doc: 'embedded (regtest-style chain in process) or bitcoind (JSON-RPC getblocktemplate/submitblock)', default: 'embedded', enum: ['embedded', 'bitcoind'] },
      ...localSourceFields,
    },
  },
  coinbase: {
    type: 'table',
    doc: "the most room a pool may ask the templates to leave for its coinbase outputs (CoinbaseOutputConstraints); a pool asking for more is refused",
    fields: {
      max_additional_size: { type: 'integer', doc: 'coinbase output bytes', default: 100_000, min: 0, max: 1_000_000 },
      max_additional_sigops: { type: 'integer', doc: 'coinbase output sigops', default: 400, min: 0, max: 65_535 },
    },
  },
  limits: {
    type: 'table',
    doc: 'limits against idle or probing peers',
    fields: peerLimitFields(16, 'SetupConnection and CoinbaseOutputConstraints'),
  },
} as const satisfies Fields;

export type TemplateProviderConfig = Infer<typeof templateProviderSchema> & { authority_secret_key: string };

/** Reads and checks tp.toml; its key file is read relative to it. Throws ConfigError. */
export function loadTemplateProviderConfig(file: string): TemplateProviderConfig {
  const doc = readConfigDoc(file, templateProviderSchema);
  return { ...doc.config, authority_secret_key: authoritySecret(doc) };
}
