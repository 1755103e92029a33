// Reconnect and failover of the SV2 client (the CPU miner's connection manager).
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { Pool } from '../../agent/roles/pool/pool.js';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { Backoff } from '../../agent/net/failover.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';

const authority = generateAuthorityKeyPair();
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function startPool(port = 0, host = '127.0.0.1'): Promise<Pool> {
  const pool = new Pool({
    host, port, authoritySecret: authority.secretKey, certValiditySeconds: 3600, source: new EmbeddedChain({ nbits: 0x1f00ffff }),
    payoutScript: Uint8Array.of(0x51), coinbaseTag: '/t/', serverId: 1, sharesPerMinute: 600, shareBatchSize: 1,
    maxConnections: 100, maxChannelsPerConnection: 2, maxFramesPerSecond: 1000,
  });
  await pool.start();
  stops.push(() => pool.stop());
  return pool;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - t0;
}

const miner = (ports: number[]) => {
  const m = new CpuMiner({ pools: ports.map((port) => ({ host: '127.0.0.1', port, authorityKey: authority.publicKey })), probeIntervalMs: 300, user: 'f', channel: 'extended', nominalHashrate: 100_000, sliceSize: 1000 });
  stops.push(() => m.stop());
  return m;
};

describe('Backoff', () => {
  it('grows exponentially under a cap, with full jitter, and resets', () => {
    const b = new Backoff(100, 1000, () => 0.999);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([99, 199, 399, 799, 999]);
    b.reset();
    expect(b.next()).toBe(99);
    expect(new Backoff(100, 1000, () => 0).next()).toBe(0);
  });
});

describe('reconnect and failover', () => {
  it('a pool restart mid-mining: the client reconnects and mines on', async () => {
    const first = await startPool();
    const port = first.port;
    const m = miner([port]);
    await m.start();
    await until(() => first.shares.accepted.get() >= 3, 15_000, 'shares on the first pool');
    await first.stop();
    const second = await startPool(port);
    const took = await until(() => second.shares.accepted.get() >= 3, 15_000, 'shares after the restart');
    expect(took).toBeLessThan(15_000);
    expect(second.shares.rejected.get()).toBe(0);
  });

  it('first pool down: the second is used within seconds; the client returns when the first is back', async () => {
    const downPort = await freePort();
    const backup = await startPool();
    const m = miner([downPort, backup.port]);
    const t0 = Date.now();
    await m.start();
    await until(() => backup.shares.accepted.get() >= 2, 10_000, 'shares on the backup');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(m.activePool).toBe(1);
    const primary = await startPool(downPort);
    await until(() => m.activePool === 0 && primary.shares.accepted.get() >= 2, 15_000, 'return to the primary');
    expect(primary.shares.rejected.get()).toBe(0);
  });

  it('obeys Reconnect: moves to the new address, keeping the authority key', async () => {
    const a = await startPool();
    const b = await startPool();
    const m = miner([a.port]);
    await m.start();
    await until(() => a.shares.accepted.get() >= 2, 10_000, 'shares on the first pool');
    a.reconnectAll('127.0.0.1', b.port);
    await until(() => b.shares.accepted.get() >= 2, 10_000, 'shares after Reconnect');
    expect(b.shares.rejected.get()).toBe(0);
  });

  it('connects by DNS name as well as by IP', async () => {
    // Both sides resolve 'localhost' the same way, whether to 127.0.0.1 or ::1.
    const p = await startPool(0, 'localhost');
    const m = new CpuMiner({ pools: [{ host: 'localhost', port: p.port, authorityKey: authority.publicKey }], user: 'dns', channel: 'standard', nominalHashrate: 100_000, sliceSize: 1000 });
    stops.push(() => m.stop());
    await m.start();
    await until(() => p.shares.accepted.get() >= 1, 10_000, 'a share via localhost');
    expect(m.activePool).toBe(0);
  });

  it('no pool reachable at start: start() fails with the reason', async () => {
    const m = miner([await freePort()]);
    await expect(m.start()).rejects.toThrow(/ECONNREFUSED/);
  });
});
