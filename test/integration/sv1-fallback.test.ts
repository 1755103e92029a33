// The agent's fallback on real sockets: a stratum2+tcp pool entry with fallback_sv1. While the
// SV2 pool cannot be set up (nothing listening, a handshake with the wrong authority key, or a
// refused SetupConnection) the miner mines SV1 — the translator's SV1 side in front of another
// of our pools serves as that SV1 pool — and it switches back to SV2 as soon as the SV2 pool sets
// up, and away again when it goes. A consumer that really hashes the MiningJobs (the CPU miner)
// gets shares accepted on both sides.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { Sv2JobSource } from '../../agent/upstream/sv2-job-source.js';
import { acceptNoise } from '../../agent/net/noise-socket.js';
import { decodeFrame, messageFrame } from '../../agent/sv2/codec.js';
import { SetupConnectionError } from '../../agent/sv2/messages/index.js';
import { STALE } from '../../agent/roles/translator/translator.js';
import type { PoolConfigEntry } from '../../agent/config/agent.js';
import { poolListSource, PoolEntryError, type JobSourceFailover } from '../../agent/upstream/job-source-failover.js';
import { encodeAuthorityPublicKey, generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { freePort, startPool, startSv1Stack, waitFor } from '../support/sv1-stack.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


describe('fallback_sv1: SV2 fails ⇒ SV1 ⇒ SV2 again', () => {
  it('mines SV1 while the SV2 pool is down, returns to SV2 when it is up, falls back when it goes', async () => {
    const sv1 = await startSv1Stack();
    cleanups.push(() => sv1.stop());
    const keyB = generateAuthorityKeyPair();
    const portB = await freePort();
    const source: JobSourceFailover = poolListSource(
      [{ url: `stratum2+tcp://127.0.0.1:${portB}/${encodeAuthorityPublicKey(keyB.publicKey)}`, fallbackSv1: `stratum+tcp://127.0.0.1:${sv1.sv1Port}` }],
      { user: 'acct.rig', nominalHashrate: 100_000, retryIntervalMs: 300, connectTimeoutMs: 1000 },
    );
    const protocols: string[] = [];
    source.on('state', (s, info) => protocols.push(`${s}:${info.protocol}`));
    const miner = new CpuMiner({ pools: [], user: '', channel: 'extended', nominalHashrate: 0, sliceSize: 2000, source });
    const invalid: string[] = []; // stale shares (found just before a new block) are fine
    miner.on('result', (r) => r.error && r.error !== STALE && r.error !== 'stale-share' && invalid.push(r.error));
    cleanups.push(() => miner.stop());
    await miner.start();
    expect(source.activeIndex).toBe(1);
    await waitFor(() => sv1.pool.shares.accepted.get() >= 3, 30_000, 'SV1 shares through the translator');

    // The SV2 pool comes up: the next retry sets it up and the miner moves there.
    const b = await startPool({ port: portB, authority: keyB });
    cleanups.push(() => b.pool.stop());
    await waitFor(() => source.activeIndex === 0 && b.pool.shares.accepted.get() >= 3, 30_000, 'SV2 shares after switching back');
    const onSv1 = sv1.pool.shares.accepted.get();

    // It goes away again: back to SV1.
    await b.pool.stop();
    await waitFor(() => source.activeIndex === 1 && sv1.pool.shares.accepted.get() >= onSv1 + 3, 30_000, 'SV1 shares after SV2 went away');
    expect(invalid).toEqual([]);
    expect(sv1.pool.shares.rejected.get() + b.pool.shares.rejected.get()).toBe(0);
    expect(protocols.slice(0, 3)).toEqual(['up:sv1', 'down:sv1', 'up:sv2']);
    expect(protocols.slice(3, 5)).toEqual(['down:sv2', 'up:sv1']);
  });

  it('a handshake failure (wrong authority key) counts as "cannot set up": it mines SV1', async () => {
    const sv1 = await startSv1Stack();
    cleanups.push(() => sv1.stop());
    const b = await startPool();
    cleanups.push(() => b.pool.stop());
    const wrong = generateAuthorityKeyPair();
    const logs: string[] = [];
    const source = poolListSource(
      [{ url: `stratum2+tcp://127.0.0.1:${b.poolPort}/${encodeAuthorityPublicKey(wrong.publicKey)}`, fallbackSv1: `stratum+tcp://127.0.0.1:${sv1.sv1Port}` }],
      { user: 'acct.rig', nominalHashrate: 100_000, retryIntervalMs: 200, log: (l) => logs.push(l) },
    );
    const miner = new CpuMiner({ pools: [], user: '', channel: 'extended', nominalHashrate: 0, sliceSize: 2000, source });
    const invalid: string[] = []; // stale shares (found just before a new block) are fine
    miner.on('result', (r) => r.error && r.error !== STALE && r.error !== 'stale-share' && invalid.push(r.error));
    cleanups.push(() => miner.stop());
    await miner.start();
    await waitFor(() => sv1.pool.shares.accepted.get() >= 3, 30_000, 'SV1 shares');
    expect(source.activeIndex).toBe(1);
    expect(b.pool.shares.accepted.get()).toBe(0);
    expect(logs.some((l) => /pool 1 .* unavailable/.test(l))).toBe(true);
  });

  it('a SetupConnection.Error counts as "cannot set up": Sv2JobSource.start rejects and stops, the list mines SV1', async () => {
    const sv1 = await startSv1Stack();
    cleanups.push(() => sv1.stop());
    const authority = generateAuthorityKeyPair();
    let setups = 0;
    // A pool that completes the Noise handshake and then refuses every SetupConnection.
    const refusing = net.createServer(async (socket) => {
      const conn = await acceptNoise(socket, { authoritySecret: authority.secretKey }).catch(() => null);
      conn?.on('frame', (f) => {
        if (decodeFrame(f).key !== 'SetupConnection') return;
        setups++;
        conn.send(messageFrame(SetupConnectionError, { flags: 0, error_code: 'unsupported-feature-flags' }));
      });
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => refusing.close(() => r())));
    const port = (refusing.address() as net.AddressInfo).port;
    const alone = new Sv2JobSource({ pools: [{ host: '127.0.0.1', port, authorityKey: authority.publicKey }], user: 'u', nominalHashrate: 1 });
    await expect(alone.start()).rejects.toThrow(/pool refused the connection: unsupported-feature-flags/);
    await new Promise((r) => setTimeout(r, 700));
    expect(setups).toBe(1); // stopped: no reconnect loop behind the rejection
    const source = poolListSource(
      [{ url: `stratum2+tcp://127.0.0.1:${port}/${encodeAuthorityPublicKey(authority.publicKey)}`, fallbackSv1: `stratum+tcp://127.0.0.1:${sv1.sv1Port}` }],
      { user: 'acct.rig', nominalHashrate: 100_000, retryIntervalMs: 200 },
    );
    const miner = new CpuMiner({ pools: [], user: '', channel: 'extended', nominalHashrate: 0, sliceSize: 2000, source });
    cleanups.push(() => miner.stop());
    await miner.start();
    await waitFor(() => sv1.pool.shares.accepted.get() >= 3 && setups >= 3, 30_000, 'SV1 shares while SV2 keeps refusing');
    expect(source.activeIndex).toBe(1);
  });

  it('pool list entries are checked with typed errors', () => {
    const o = { user: 'u', nominalHashrate: 1 };
    expect(() => poolListSource([{ url: 'stratum+tcp://h:1', fallbackSv1: 'stratum+tcp://h:2' }], o)).toThrow(PoolEntryError);
    expect(() => poolListSource([{ url: 'stratum2+tcp://h:1' }], o)).toThrow(/no authority key/);
    expect(() => poolListSource([{ url: 'stratum2+tcp://h:1', fallbackSv1: 'stratum2+tcp://h:2' }], { ...o, insecure: true })).toThrow(/fallback_sv1 must be a stratum\+tcp/);
    expect(() => poolListSource([{ url: 'http://h:1' }], o)).toThrow(/pool 1: .*expected stratum2\+tcp/);
    // agent.toml's [[pools]] entries go in as they are (per-entry user, password, insecure).
    const fromToml: PoolConfigEntry[] = [{ url: 'stratum2+tcp://h:1', user: 'acct.rig', password: '', insecure: true, fallbackSv1: 'stratum+tcp://h:2' }];
    expect(poolListSource(fromToml, o).opts.sources).toHaveLength(2);
    expect(poolListSource([{ url: 'stratum+tcp://h:1' }, { url: 'stratum2+tcp://h:1', fallbackSv1: 'stratum+tcp://h:2' }], { ...o, insecure: true }).opts.sources.map((s) => s.name)).toEqual([
      'stratum+tcp://h:1', 'stratum2+tcp://h:1', 'stratum+tcp://h:2',
    ]);
  });
});
