// A scripted SV1 pool on a real TCP socket: it answers configure/subscribe/authorize the way
// real pools do, records every line a client sends, and lets a test push any line (real
// historical jobs, malformed input, client.reconnect) to the connected clients.
import net from 'node:net';

export interface RawSv1Pool {
  port: number;
  /** Every parsed line received, per connection in order of arrival. */
  received: Record<string, unknown>[];
  connections: number;
  broadcast(line: string): void;
  /** Bytes as given, no newline added (an unterminated line). */
  broadcastRaw(data: string): void;
  stop(): Promise<void>;
}

export async function startRawSv1Pool(o: { extranonce1: string; extranonce2Size: number; mask?: string; onSubscribed?: (send: (l: string) => void) => void; port?: number }): Promise<RawSv1Pool> {
  const sockets = new Set<net.Socket>();
  const received: Record<string, unknown>[] = [];
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = '';
    const send = (l: string) => s.write(l.endsWith('\n') ? l : l + '\n');
    s.on('data', (c) => {
      buf += c.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = JSON.parse(line) as { id: number; method: string; params: unknown[] };
        received.push(m);
        if (m.method === 'mining.configure') send(JSON.stringify({ id: m.id, result: { 'version-rolling': !!o.mask, 'version-rolling.mask': o.mask ?? '00000000' }, error: null }));
        else if (m.method === 'mining.subscribe') {
          // A flat subscription pair, as some pools send it.
          send(JSON.stringify({ id: m.id, result: [['mining.notify', 'ae6812eb4cd7735a302a8a9dd95cf71f'], o.extranonce1, o.extranonce2Size], error: null }));
          o.onSubscribed?.(send);
        } else if (m.method === 'mining.authorize') send(JSON.stringify({ id: String(m.id), result: true, error: null }));
        else if (m.method === 'mining.submit') send(JSON.stringify({ id: m.id, result: false, error: null, 'reject-reason': 'Stale' }));
        else send(JSON.stringify({ id: m.id, result: true, error: null }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(o.port ?? 0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    get connections() {
      return connections;
    },
    broadcast(line) {
      for (const s of sockets) s.write(line + '\n');
    },
    broadcastRaw(data) {
      for (const s of sockets) s.write(data);
    },
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
