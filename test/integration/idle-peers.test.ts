// Servers against peers that connect and go quiet, or only probe: each step a peer owes has a
// deadline (Noise handshake, SetupConnection, SV1 subscribe, HTTP headers), failed handshakes
// are logged as a summary, and one address cannot hold more than its share.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { Pool } from '../../agent/roles/pool/pool.js';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { TdpServer } from '../../agent/templates/tdp-server.js';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { Metrics, serveMetrics } from '../../agent/api/metrics.js';
import { connectNoise } from '../../agent/net/noise-socket.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import type { FrameConnection } from '../../agent/net/frame-connection.js';
import { startSv1Stack, waitFor } from '../support/sv1-stack.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function pool(o: Partial<ConstructorParameters<typeof Pool>[0]> = {}) {
  const authority = generateAuthorityKeyPair();
  const lines: string[] = [];
  const p = new Pool({
    host: '127.0.0.1', port: 0, authoritySecret: authority.secretKey, certValiditySeconds: 3600, source: new EmbeddedChain({ nbits: 0x1f00ffff }),
    payoutScript: Uint8Array.of(0x51), coinbaseTag: '/t/', serverId: 1, sharesPerMinute: 600, shareBatchSize: 1,
    maxConnections: 20, maxChannelsPerConnection: 4, maxFramesPerSecond: 1000, handshakeTimeoutMs: 300, log: (l) => lines.push(l), ...o,
  });
  cleanups.push(() => p.stop());
  return { p, authority, lines };
}

/** A connection that completed the handshake and then says nothing: resolves when the server closes it. */
function closedBy(c: FrameConnection): Promise<void> {
  return new Promise((r) => (c.isClosed ? r() : c.on('close', () => r())));
}

describe('idle and probing peers', () => {
  it('pool: 20 clients that finish the handshake and never send SetupConnection are closed, and a real miner then mines', async () => {
    const { p, authority } = pool();
    const port = await p.start();
    const idle = await Promise.all(Array.from({ length: 20 }, () => connectNoise({ host: '127.0.0.1', port, authorityKey: authority.publicKey })));
    cleanups.push(() => idle.forEach((c) => c.close()));
    await Promise.all(idle.map(closedBy));
    const miner = new CpuMiner({ pools: [{ host: '127.0.0.1', port, authorityKey: authority.publicKey }], user: 'real', channel: 'extended', nominalHashrate: 2e5 });
    cleanups.push(() => miner.stop());
    await miner.start();
    await waitFor(() => miner.stats.accepted > 0, 30_000, 'shares');
  });

  it('pool: 200 failed handshakes make a summary, not 200 log lines; one address is capped', async () => {
    const { p, lines } = pool({ maxConnections: 1000, maxConnectionsPerAddress: 5 });
    const port = await p.start();
    let closed = 0;
    const socks = Array.from({ length: 200 }, () => {
      const s = net.connect(port, '127.0.0.1', () => s.write(Buffer.alloc(64, 0xee)));
      s.on('error', () => {});
      s.on('close', () => closed++);
      s.resume(); // read what the server sends, or its close is never seen
      return s;
    });
    cleanups.push(() => socks.forEach((s) => s.destroy()));
    await waitFor(() => closed === 200, 30_000, 'every probe closed');
    expect(lines.filter((l) => /handshake|refused/.test(l)).length).toBeLessThanOrEqual(2);
    expect(lines.some((l) => /more than 5 connections from one address/.test(l) || /failed handshakes/.test(l))).toBe(true);
  });

  it('TDP server: a client that finishes the handshake and never sends SetupConnection is closed', async () => {
    const tp = generateAuthorityKeyPair();
    const server = new TdpServer({ host: '127.0.0.1', port: 0, authoritySecret: tp.secretKey, source: new EmbeddedChain(), handshakeTimeoutMs: 300 });
    const port = await server.start();
    cleanups.push(() => server.stop());
    const c = await connectNoise({ host: '127.0.0.1', port, authorityKey: tp.publicKey });
    cleanups.push(() => c.close());
    await closedBy(c);
  });

  it('translator: an SV1 socket that never subscribes is closed', async () => {
    const s = await startSv1Stack({ minerSetupTimeoutMs: 300 });
    cleanups.push(() => s.stop());
    const sock = net.connect(s.sv1Port, '127.0.0.1');
    sock.on('error', () => {});
    await new Promise<void>((r) => sock.on('close', () => r()));
  });

  it('/metrics: half-sent requests are closed at the headers deadline; one address gets 16 sockets at most', async () => {
    const { server, port } = await serveMetrics(new Metrics(), '127.0.0.1', 0, { headersTimeoutMs: 300 });
    cleanups.push(() => new Promise((r) => server.close(r)));
    const closed: number[] = [];
    const t0 = Date.now();
    const socks = Array.from({ length: 40 }, () => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'));
      s.on('error', () => {});
      s.on('close', () => closed.push(Date.now() - t0));
      s.resume();
      return s;
    });
    cleanups.push(() => socks.forEach((s) => s.destroy()));
    await waitFor(() => closed.length === 40, 10_000, 'every half-sent request closed');
    // 24 refused at once, 16 held until their headers deadline.
    expect(closed.filter((ms) => ms < 250).length).toBeGreaterThanOrEqual(24);
    expect(await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.status)).toBe(200);
  });
});
