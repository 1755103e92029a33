// A full NX handshake between our initiator and responder over a real TCP socket, then
// encrypted SV2 messages both ways.
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { acceptNoise, connectNoise } from '../../agent/net/noise-socket.js';
import type { FrameConnection } from '../../agent/net/frame-connection.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { decodeFrame, messageFrame } from '../../agent/sv2/codec.js';
import { SetupConnection, SetupConnectionSuccess, NewExtendedMiningJob, SubmitSharesExtended } from '../../agent/sv2/messages/index.js';
import type { Frame } from '../../agent/sv2/framing.js';

const authority = generateAuthorityKeyPair();
const servers: net.Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

function startEchoServer(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer(async (sock) => {
      let conn: FrameConnection;
      try {
        conn = await acceptNoise(sock, { authoritySecret: authority.secretKey });
      } catch {
        return;
      }
      conn.on('frame', (f) => {
        const m = decodeFrame(f);
        if (m.key === 'SetupConnection') conn.send(messageFrame(SetupConnectionSuccess, { used_version: 2, flags: 0 }));
        else conn.send(f); // echo everything else
      });
    });
    servers.push(srv);
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port));
  });
}

function next(conn: FrameConnection): Promise<Frame> {
  return new Promise((resolve) => conn.once('frame', resolve));
}

describe('Noise over TCP', () => {
  it('handshakes and carries messages both ways, large and empty ones too', async () => {
    const port = await startEchoServer();
    const conn = await connectNoise({ host: '127.0.0.1', port, authorityKey: authority.publicKey });
    conn.send(
      messageFrame(SetupConnection, {
        protocol: 0, min_version: 2, max_version: 2, flags: 4, endpoint_host: '127.0.0.1', endpoint_port: port,
        vendor: 'hashagent', hardware_version: 'test', firmware: '0', device_id: '',
      }),
    );
    const ok = decodeFrame(await next(conn));
    expect(ok.key).toBe('SetupConnection.Success');

    const job = {
      channel_id: 7, job_id: 1, min_ntime: null, version: 0x20000000, version_rolling_allowed: true,
      merkle_path: Array.from({ length: 12 }, (_, i) => new Uint8Array(32).fill(i)),
      coinbase_tx_prefix: new Uint8Array(60_000).fill(1), coinbase_tx_suffix: new Uint8Array(60_000).fill(2),
    };
    conn.send(messageFrame(NewExtendedMiningJob, job)); // > 65,519 bytes: two chunks
    const back = decodeFrame(await next(conn));
    expect(back.key === 'NewExtendedMiningJob' && back.fields).toEqual(job);

    const share = { channel_id: 7, sequence_number: 1, job_id: 1, nonce: 5, ntime: 6, version: 0x20000000, extranonce: new Uint8Array(8) };
    const frames: Promise<Frame>[] = [];
    for (let i = 0; i < 100; i++) {
      frames.push(next(conn).then((f) => f));
      conn.send(messageFrame(SubmitSharesExtended, { ...share, sequence_number: i }));
      await frames[i];
    }
    const seqs = (await Promise.all(frames)).map((f) => {
      const m = decodeFrame(f);
      return m.key === 'SubmitSharesExtended' ? m.fields.sequence_number : -1;
    });
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i));
    conn.send({ extensionType: 0x4001, channelMsg: false, msgType: 3, payload: new Uint8Array(0) }); // header-only frame
    const empty = await next(conn);
    expect(empty.payload.length).toBe(0);
    expect(empty.extensionType).toBe(0x4001);
    conn.close();
  });

  it('a wrong authority key is refused with a clear message', async () => {
    const port = await startEchoServer();
    await expect(connectNoise({ host: '127.0.0.1', port, authorityKey: generateAuthorityKeyPair().publicKey })).rejects.toThrow(
      /signature does not verify against the configured authority key/,
    );
  });

  it('a server that never answers times out', async () => {
    const srv = net.createServer(() => {});
    servers.push(srv);
    const port = await new Promise<number>((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as net.AddressInfo).port)));
    await expect(connectNoise({ host: '127.0.0.1', port, authorityKey: authority.publicKey, timeoutMs: 200 })).rejects.toThrow(/timed out/);
  });
});
