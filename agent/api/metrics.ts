// A tiny Prometheus text registry: counters and gauges with fixed, bounded label sets.
import http from 'node:http';
import { limitPerAddress } from '../net/peer-limits.js';

type Labels = Record<string, string>;

interface Series {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

export class Metrics {
  private readonly series = new Map<string, Series>();

  private get(name: string, type: Series['type'], help: string): Series {
    let s = this.series.get(name);
    if (!s) {
      s = { help, type, values: new Map() };
      this.series.set(name, s);
    }
    return s;
  }

  counter(name: string, help: string, labels: Labels = {}) {
    const s = this.get(name, 'counter', help);
    const key = JSON.stringify(labels);
    if (!s.values.has(key)) s.values.set(key, { labels, value: 0 });
    const entry = s.values.get(key)!;
    return { inc: (by = 1) => void (entry.value += by), get: () => entry.value };
  }

  /** A counter whose value is read from elsewhere when rendered (it must only grow). */
  counterFrom(name: string, help: string, read: () => number, labels: Labels = {}) {
    this.readSeries(name, 'counter', help, read, labels);
  }

  gauge(name: string, help: string, read: () => number, labels: Labels = {}) {
    this.readSeries(name, 'gauge', help, read, labels);
  }

  private readSeries(name: string, type: Series['type'], help: string, read: () => number, labels: Labels) {
    const s = this.get(name, type, help);
    const entry = { labels, value: 0 };
    Object.defineProperty(entry, 'value', { get: read, enumerable: true });
    s.values.set(JSON.stringify(labels), entry);
  }

  render(): string {
    const out: string[] = [];
    for (const [name, s] of this.series) {
      out.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
      for (const { labels, value } of s.values.values()) {
        const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
        out.push(`${name}${l ? `{${l}}` : ''} ${value}`);
      }
    }
    return out.join('\n') + '\n';
  }
}

export interface MetricsServerOptions {
  /** A request's headers must be in within this (default 5 s): half-sent requests are closed. */
  headersTimeoutMs?: number;
  /** Open connections from one address (default 16). */
  maxConnectionsPerAddress?: number;
  /** Other paths (the REST API, the page): true when it answered the request. */
  handle?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
}

/** Serves /metrics (and what `handle` takes) on host:port (port 0 = any free port); resolves with the bound port. */
export function serveMetrics(metrics: Metrics, host: string, port: number, o: MetricsServerOptions = {}): Promise<{ server: http.Server; port: number }> {
  const headersMs = o.headersTimeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const server = http.createServer(
      // Node checks these deadlines every connectionsCheckingInterval: keep it below them.
      { headersTimeout: headersMs, requestTimeout: headersMs * 2, keepAliveTimeout: headersMs, connectionsCheckingInterval: Math.max(100, Math.min(1000, headersMs / 2)) },
      (req, res) => {
        if (req.url === '/metrics') {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end(metrics.render());
        } else if (!o.handle?.(req, res)) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found: try /metrics\n');
        }
      },
    );
    // A socket that never sends a byte is no request yet: idle sockets go too.
    server.setTimeout(headersMs * 2, (socket) => socket.destroy());
    limitPerAddress(server, o.maxConnectionsPerAddress ?? 16);
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}
