// Wires a translator from its configuration: the proxy and its /metrics.
import { Translator } from './translator.js';
import { serveMetrics } from '../../api/metrics.js';
import { splitHostPort } from '../../config/pool.js';
import { upstreamEndpoints, type TranslatorConfig } from '../../config/translator.js';

export interface RunningTranslator {
  translator: Translator;
  /** What SV1 miners connect to. */
  url: string;
  metricsUrl: string;
  stop(): Promise<void>;
}

const shown = (host: string) => (host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host);

export async function runTranslator(c: TranslatorConfig, log: (l: string) => void): Promise<RunningTranslator> {
  const listen = splitHostPort(c.listen_address);
  const translator = new Translator({
    host: listen.host, port: listen.port, upstreams: upstreamEndpoints(c), userIdentity: c.user_identity,
    aggregate: c.aggregate_channels, extranonce2Size: c.downstream_extranonce2_size, minMinerHashrate: c.min_individual_miner_hashrate,
    sharesPerMinute: c.shares_per_minute, versionRollingMask: parseInt(c.version_rolling_mask, 16), vardiff: c.vardiff.enabled, vardiffMinHashrate: c.vardiff.min_hashrate, maxConnections: c.limits.max_connections,
    maxLineBytes: c.limits.max_line_bytes, maxLinesPerSecond: c.limits.max_lines_per_second, maxWorkerLabels: c.limits.max_worker_labels, probeIntervalMs: c.probe_interval_sec * 1000, log,
  });
  const port = await translator.start();
  c.upstreams.forEach((u) => {
    if (u.insecure) log(`upstream ${u.url}: insecure = true, the pool's identity is NOT checked`);
  });
  const m = splitHostPort(c.monitoring_address);
  let metrics;
  try {
    metrics = await serveMetrics(translator.metrics, m.host, m.port);
  } catch (e) {
    await translator.stop();
    throw e;
  }
  return {
    translator,
    url: `stratum+tcp://${shown(listen.host)}:${port}`,
    metricsUrl: `http://${shown(m.host)}:${metrics.port}/metrics`,
    async stop() {
      metrics.server.close();
      await translator.stop();
    },
  };
}
