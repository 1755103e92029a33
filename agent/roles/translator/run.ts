// Wires a translator from its configuration: the proxy and its /metrics; a reload applies what
// can change live and names what needs a restart.
import { Translator, type TranslatorLiveOptions } from './translator.js';
import { serveMetrics } from '../../api/metrics.js';
import { listenAs } from '../../net/listen-error.js';
import { splitHostPort } from '../../config/pool.js';
import { upstreamEndpoints, type TranslatorConfig } from '../../config/translator.js';

export interface RunningTranslator {
  translator: Translator;
  /** The configuration in effect (a reload updates what it applied). */
  config: TranslatorConfig;
  /** What SV1 miners connect to. */
  url: string;
  metricsUrl: string;
  stop(): Promise<void>;
}

const shown = (host: string) => (host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host);

/** The keys a reload applies live, as the translator's options. */
function liveOptions(c: TranslatorConfig): TranslatorLiveOptions {
  return {
    upstreams: upstreamEndpoints(c), sharesPerMinute: c.shares_per_minute, minMinerHashrate: c.min_individual_miner_hashrate, vardiffMinHashrate: c.vardiff.min_hashrate,
    maxConnections: c.limits.max_connections, maxLineBytes: c.limits.max_line_bytes, maxLinesPerSecond: c.limits.max_lines_per_second, maxWorkerLabels: c.limits.max_worker_labels,
  };
}

/** Keys that only a restart applies: listeners, channel layout, what miners were promised. */
const RESTART_KEYS = ['listen_address', 'monitoring_address', 'user_identity', 'aggregate_channels', 'downstream_extranonce2_size', 'version_rolling_mask', 'probe_interval_sec', 'vardiff.enabled'] as const;

function valueAt(c: TranslatorConfig, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c);
}

const LIVE_KEYS = ['upstreams', 'shares_per_minute', 'min_individual_miner_hashrate', 'vardiff.min_hashrate', 'limits'] as const;

export async function runTranslator(c: TranslatorConfig, log: (l: string) => void): Promise<RunningTranslator> {
  const listen = splitHostPort(c.listen_address);
  const translator = new Translator({
    ...liveOptions(c), host: listen.host, port: listen.port, userIdentity: c.user_identity, aggregate: c.aggregate_channels, extranonce2Size: c.downstream_extranonce2_size,
    versionRollingMask: parseInt(c.version_rolling_mask, 16), vardiff: c.vardiff.enabled, probeIntervalMs: c.probe_interval_sec * 1000, log,
  });
  const port = await listenAs('listen_address', c.listen_address, translator.start());
  c.upstreams.forEach((u) => {
    if (u.insecure) log(`upstream ${u.url}: insecure = true, the pool's identity is NOT checked`);
  });
  const m = splitHostPort(c.monitoring_address);
  let metrics;
  try {
    metrics = await listenAs('monitoring_address', c.monitoring_address, serveMetrics(translator.metrics, m.host, m.port));
  } catch (e) {
    await translator.stop();
    throw e;
  }
  return {
    translator,
    config: c,
    url: `stratum+tcp://${shown(listen.host)}:${port}`,
    metricsUrl: `http://${shown(m.host)}:${metrics.port}/metrics`,
    async stop() {
      metrics.server.close();
      await translator.stop();
    },
  };
}

/**
 * SIGHUP: applies the upstream list, share rate, vardiff bounds and limits of `next` while miners
 * stay connected; logs each changed key that needs a restart (and keeps its running value).
 */
export function reloadTranslator(r: RunningTranslator, next: TranslatorConfig, log: (l: string) => void): void {
  const same = (k: string) => JSON.stringify(valueAt(r.config, k)) === JSON.stringify(valueAt(next, k));
  const changed = LIVE_KEYS.filter((k) => !same(k));
  const restart = RESTART_KEYS.filter((k) => !same(k));
  next.upstreams.forEach((u) => {
    if (u.insecure && !r.config.upstreams.some((o) => o.url === u.url && o.insecure)) log(`upstream ${u.url}: insecure = true, the pool's identity is NOT checked`);
  });
  const live = liveOptions(next);
  if (same('upstreams')) live.upstreams = r.translator.opts.upstreams;
  r.translator.reconfigure(live);
  // What was not applied keeps its running value, so the next reload compares against the truth.
  r.config = { ...next, ...Object.fromEntries(RESTART_KEYS.filter((k) => !k.includes('.')).map((k) => [k, r.config[k as keyof TranslatorConfig]])), vardiff: { ...next.vardiff, enabled: r.config.vardiff.enabled } } as TranslatorConfig;
  log(`SIGHUP: configuration reloaded; ${changed.length ? `applied: ${changed.join(', ')}` : 'nothing that applies live changed'}${restart.length ? `; needs a restart (still running with the old value): ${restart.join(', ')}` : ''}`);
}
