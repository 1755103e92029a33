// A template source in this process from its config keys: the embedded chain or bitcoind's RPC
// (the pool's [template_provider] and the template provider's [source] share it).
import { EmbeddedChain } from '../../templates/embedded-chain.js';
import { BitcoindRpc } from '../../templates/bitcoind-rpc.js';
import type { LocalSourceConfig } from '../../config/template-source.js';

export function localTemplateSource(c: LocalSourceConfig): EmbeddedChain | BitcoindRpc {
  return c.type === 'bitcoind'
    ? new BitcoindRpc({ url: c.rpc_url, user: c.rpc_user, password: c.rpc_password })
    : new EmbeddedChain({ nbits: c.nbits, templateIntervalMs: c.template_interval_ms });
}
