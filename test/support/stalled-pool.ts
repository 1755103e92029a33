// SV2 pools that complete the Noise handshake and then stop at one step: no SetupConnection
// answer, no channel answer, or a channel and no job. Each owes a client something forever.
import net from 'node:net';
import { acceptNoise } from '../../agent/net/noise-socket.js';
import { decodeFrame, messageFrame } from '../../agent/sv2/codec.js';
import { OpenExtendedMiningChannelSuccess, OpenStandardMiningChannelSuccess, SetupConnectionSuccess } from '../../agent/sv2/messages/index.js';
import { MAX_TARGET_LE } from '../../agent/bitcoin/index.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import type { Endpoint } from '../../agent/net/failover.js';

export type StallAt = 'setup' | 'channel' | 'job';

export interface StalledPool {
  endpoint: Endpoint;
  /** SV2 connections that completed the handshake. */
  sessions: number;
  stop(): Promise<void>;
}

export async function startStalledPool(at: StallAt): Promise<StalledPool> {
  const authority = generateAuthorityKeyPair();
  const sockets = new Set<net.Socket>();
  const pool = { sessions: 0 } as StalledPool;
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    acceptNoise(s, { authoritySecret: authority.secretKey }).then(
      (conn) => {
        pool.sessions++;
        conn.on('frame', (f) => {
          const m = decodeFrame(f);
          if (at !== 'setup' && m.key === 'SetupConnection') conn.send(messageFrame(SetupConnectionSuccess, { used_version: 2, flags: 0 }));
          if (at !== 'job') return;
          const common = { channel_id: 1, target: MAX_TARGET_LE, group_channel_id: 0 };
          if (m.key === 'OpenExtendedMiningChannel') conn.send(messageFrame(OpenExtendedMiningChannelSuccess, { ...common, request_id: m.fields.request_id, extranonce_size: 8, extranonce_prefix: new Uint8Array(4) }));
          if (m.key === 'OpenStandardMiningChannel') conn.send(messageFrame(OpenStandardMiningChannelSuccess, { ...common, request_id: m.fields.request_id, extranonce_prefix: new Uint8Array(4) }));
        });
      },
      () => {},
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  pool.endpoint = { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, authorityKey: authority.publicKey };
  pool.stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return pool;
}
