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
import { ACT1_SIZE, ACT2_SIZE, NoiseInitiator, NoiseResponder } from '../../agent/sv2/noise/handshake.js';
import { ExactBytes } from '../../agent/sv2/noise/collect.js';
import type { NoiseSession } from '../../agent/sv2/encrypted-framing.js';

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

/** Feeds socket data to a collector until it completes; resolves with the message and the rest. */
function collect(sock: net.Socket, size: number): Promise<{ bytes: Uint8Array; rest: Uint8Array }> {
  const c = new ExactBytes(size);
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const got = c.push(chunk);
      if (got) {
        sock.off('data', onData);
        sock.pause();
        resolve(got);
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
  });
}

/** Resolves with the first `n` frames the session decodes from the socket (after `rest`). */
function frames(sock: net.Socket, session: NoiseSession, rest: Uint8Array, n: number): Promise<Frame[]> {
  const out = session.decode(rest);
  return new Promise((resolve, reject) => {
    if (out.length >= n) return resolve(out);
    sock.on('data', (chunk) => {
      try {
        out.push(...session.decode(chunk));
      } catch (e) {
        reject(e);
      }
      if (out.length >= n) resolve(out);
    });
    sock.resume();
  });
}

describe('the pure library on raw node:net sockets', () => {
  it('handshakes, then carries frames both ways, with act 2 and the first frame in one write', async () => {
    const big = Uint8Array.from({ length: 150_000 }, (_, i) => (i * 31) & 0xff); // three chunks
    const toServer: Frame[] = [
      { extensionType: 0, channelMsg: false, msgType: 0x00, payload: Uint8Array.of(1, 2, 3) },
      { extensionType: 0, channelMsg: true, msgType: 0x1f, payload: big },
      { extensionType: 0x4001, channelMsg: false, msgType: 7, payload: new Uint8Array(0) },
    ];
    const greeting: Frame = { extensionType: 0, channelMsg: false, msgType: 0x01, payload: Uint8Array.of(9) };
    const srv = net.createServer();
    servers.push(srv);
    const serverGot = new Promise<Frame[]>((resolve, reject) =>
      srv.on('connection', async (sock) => {
        try {
          const { bytes, rest } = await collect(sock, ACT1_SIZE);
          const { reply, session } = new NoiseResponder({ authoritySecret: authority.secretKey }).act2(bytes);
          sock.write(Buffer.concat([reply, session.encryptFrame(greeting)]));
          const got = await frames(sock, session, rest, toServer.length);
          sock.write(Buffer.concat(got.map((f) => session.encryptFrame(f)))); // send them back
          resolve(got);
        } catch (e) {
          reject(e);
        }
      }),
    );
    const port = await new Promise<number>((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as net.AddressInfo).port)));
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const init = new NoiseInitiator({ authorityKey: authority.publicKey });
    sock.write(init.act1());
    const { bytes, rest } = await collect(sock, ACT2_SIZE);
    expect(rest.length).toBeGreaterThan(0); // the greeting rode along with act 2
    const session = init.act2(bytes);
    const [hello] = await frames(sock, session, rest, 1);
    expect(hello).toEqual(greeting);
    sock.removeAllListeners('data');
    for (const f of toServer) sock.write(session.encryptFrame(f));
    const [got, echoed] = await Promise.all([serverGot, frames(sock, session, new Uint8Array(0), toServer.length)]);
    sock.end();
    expect(got.map((f) => f.payload.length)).toEqual([3, 150_000, 0]);
    expect(Buffer.from(got[1]!.payload).equals(Buffer.from(big))).toBe(true);
    expect(echoed).toEqual(toServer);
  });
});

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
