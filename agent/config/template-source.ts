// The keys of a template source in this process (the embedded chain or bitcoind over JSON-RPC):
// pool.toml's [template_provider] and tp.toml's [source] take the same ones.
import type { Fields, Infer } from './schema.js';

export const localSourceFields = {
  nbits: { type: 'integer', doc: 'embedded: compact network target', default: 0x1e00ffff, min: 1, max: 0xffffffff },
  template_interval_ms: { type: 'integer', doc: 'embedded: a fresh template (and a simulated mempool transaction) this often', default: 30_000, min: 100 },
  rpc_url: { type: 'string', doc: 'bitcoind: JSON-RPC URL, e.g. http://127.0.0.1:18443', default: 'http://127.0.0.1:18443' },
  rpc_user: { type: 'string', doc: 'bitcoind: rpcuser', default: '' },
  rpc_password: { type: 'string', doc: 'bitcoind: rpcpassword', default: '' },
} as const satisfies Fields;

export type LocalSourceConfig = Infer<typeof localSourceFields> & { type: string };
