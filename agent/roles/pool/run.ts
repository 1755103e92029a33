// Wires a pool from its configuration: template source, pool, /metrics.
import type http from 'node:http';
import { EmbeddedChain } from '../../templates/embedded-chain.js';
import { localTemplateSource } from '../template-provider/local-source.js';
import { TdpClient } from '../../templates/tdp-client.js';
import type { TemplateSource } from '../../templates/source.js';
import { Pool } from './pool.js';
import { serveMetrics } from '../../api/metrics.js';
import { payoutScript, splitHostPort, type ResolvedPoolConfig } from '../../config/pool.js';
import { decodeAuthorityPublicKey, decodeSecretKey, encodeAuthorityPublicKey, publicKeyOf } from '../../sv2/keys.js';

import { listenAs } from '../../net/listen-error.js';

export interface RunningPool {
  pool: Pool;
  /** The embedded chain, when that is the template source. */
  chain: EmbeddedChain | null;
  url: string;
  metricsUrl: string;
  stop(): Promise<void>;
}

/** Binds `port`, or any free port when it is taken and `fallback` is set. */
async function listenWithFallback<T>(bind: (port: number) => Promise<T>, port: number, fallback: boolean, key: string, address: string): Promise<T> {
  const bound = bind(port).catch((e: NodeJS.ErrnoException) => {
    if (fallback && e.code === 'EADDRINUSE') return bind(0);
    throw e;
  });
  return listenAs(key, address, bound);
}

export async function runPool(c: ResolvedPoolConfig, log: (l: string) => void, opts: { portFallback?: boolean } = {}): Promise<RunningPool> {
  const secret = decodeSecretKey(c.authority_secret_key);
  const tp = c.template_provider;
  let chain: EmbeddedChain | null = null;
  let source: TemplateSource;
  if (tp.type === 'sv2') {
    const a = splitHostPort(tp.address);
    source = new TdpClient({ host: a.host, port: a.port, authorityKey: tp.public_key ? decodeAuthorityPublicKey(tp.public_key) : null, insecure: !tp.public_key, log });
    if (!tp.public_key) log(`template provider ${tp.address}: no public_key configured, its identity is NOT checked`);
  } else {
    source = localTemplateSource(tp);
    if (source instanceof EmbeddedChain) chain = source;
  }
  const listen = splitHostPort(c.listen_address);
  let pool!: Pool;
  const port = await listenWithFallback(
    async (p) => {
      pool = new Pool({
        host: listen.host, port: p, authoritySecret: secret, certValiditySeconds: c.cert_validity_sec, source,
        payoutScript: payoutScript(c), coinbaseTag: `/${c.pool_signature}/`, serverId: c.server_id,
        sharesPerMinute: c.shares_per_minute, shareBatchSize: c.share_batch_size, maxConnections: c.limits.max_connections,
        maxChannelsPerConnection: c.limits.max_channels_per_connection, maxFramesPerSecond: c.limits.max_frames_per_second,
        maxConnectionsPerAddress: c.limits.max_connections_per_address, handshakeTimeoutMs: c.limits.handshake_timeout_sec * 1000,
        versionRollingMask: parseInt(c.version_rolling_mask, 16),
        vardiff: c.vardiff.enabled ? { minHashrate: c.vardiff.min_hashrate } : false, log,
      });
      return pool.start();
    },
    listen.port,
    opts.portFallback ?? false,
    'listen_address',
    c.listen_address,
  );
  const m = splitHostPort(c.monitoring_address);
  let metrics: { server: http.Server; port: number };
  try {
    metrics = await listenWithFallback<{ server: http.Server; port: number }>((p) => serveMetrics(pool.metrics, m.host, p), m.port, opts.portFallback ?? false, 'monitoring_address', c.monitoring_address);
  } catch (e) {
    await pool.stop(); // not half-started: all or nothing
    throw e;
  }
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host;
  return {
    pool,
    chain,
    url: `stratum2+tcp://${host}:${port}/${encodeAuthorityPublicKey(publicKeyOf(secret))}`,
    metricsUrl: `http://${m.host === '0.0.0.0' ? '127.0.0.1' : m.host}:${metrics.port}/metrics`,
    async stop() {
      metrics.server.close();
      await pool.stop();
    },
  };
}
