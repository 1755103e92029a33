// Wires a Template Provider from its configuration: the template source and the TDP server.
import { TdpServer } from '../../templates/tdp-server.js';
import { EmbeddedChain } from '../../templates/embedded-chain.js';
import { listenAs } from '../../net/listen-error.js';
import { splitHostPort } from '../../config/pool.js';
import type { TemplateProviderConfig } from '../../config/template-provider.js';
import { decodeSecretKey, encodeAuthorityPublicKey, publicKeyOf } from '../../sv2/keys.js';
import { localTemplateSource } from './local-source.js';

export interface RunningTemplateProvider {
  server: TdpServer;
  /** The embedded chain, when that is the source. */
  chain: EmbeddedChain | null;
  /** host:port pools connect to, and the public key they check it with. */
  address: string;
  publicKey: string;
  stop(): Promise<void>;
}

export async function runTemplateProvider(c: TemplateProviderConfig, log: (l: string) => void): Promise<RunningTemplateProvider> {
  const secret = decodeSecretKey(c.authority_secret_key);
  const source = localTemplateSource(c.source);
  const listen = splitHostPort(c.listen_address);
  const server = new TdpServer({
    host: listen.host, port: listen.port, authoritySecret: secret, source, certValiditySeconds: c.cert_validity_sec,
    maxCoinbaseOutputSize: c.coinbase.max_additional_size, maxCoinbaseOutputSigops: c.coinbase.max_additional_sigops,
    maxConnectionsPerAddress: c.limits.max_connections_per_address, handshakeTimeoutMs: c.limits.handshake_timeout_sec * 1000, log,
  });
  let port: number;
  try {
    port = await listenAs('listen_address', c.listen_address, server.start());
  } catch (e) {
    await server.stop();
    source.stop();
    throw e;
  }
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    server,
    chain: source instanceof EmbeddedChain ? source : null,
    address: `${host}:${port}`,
    publicKey: encodeAuthorityPublicKey(publicKeyOf(secret)),
    async stop() {
      await server.stop();
      source.stop();
    },
  };
}
