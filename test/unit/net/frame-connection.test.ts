import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { FrameConnection, PlainTransport } from '../../../agent/net/frame-connection.js';
import { readExactly, ReadTimeoutError } from '../../../agent/net/read-exactly.js';
import type { Frame } from '../../../agent/sv2/framing.js';
import { Sv2Error } from '../../../agent/sv2/errors.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

function listen(onSocket: (s: net.Socket) => void): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer(onSocket);
    servers.push(srv);
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port));
  });
}

function dial(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

describe('FrameConnection over TCP', () => {
  it('carries frames both ways', async () => {
    const port = await listen((s) => {
      const c = new FrameConnection(s, new PlainTransport());
      c.on('frame', (f) => c.send({ ...f, msgType: f.msgType + 1 }));
    });
    const client = new FrameConnection(await dial(port), new PlainTransport());
    const got: Frame[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('frame', (f) => {
        got.push(f);
        if (got.length === 50) resolve();
      }),
    );
    for (let i = 0; i < 50; i++) client.send({ extensionType: 0, channelMsg: true, msgType: i, payload: new Uint8Array(i * 100).fill(i) });
    await all;
    expect(got.map((f) => f.msgType)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(got[49]!.payload.length).toBe(4900);
    expect(got[49]!.payload.every((b) => b === 49)).toBe(true);
    client.close();
  });

  it('closes with a typed reason on an oversized frame', async () => {
    let serverSide!: FrameConnection;
    const closed = new Promise<Error | null>((resolve) => {
      void listen((s) => {
        serverSide = new FrameConnection(s, new PlainTransport(1000));
        serverSide.on('close', resolve);
      }).then(async (port) => {
        const raw = await dial(port);
        raw.write(Uint8Array.from([0, 0, 0x10, 0xff, 0xff, 0x00]));
      });
    });
    const reason = await closed;
    expect(reason).toBeInstanceOf(Sv2Error);
    expect((reason as Sv2Error).code).toBe('frame-too-large');
    expect(serverSide.isClosed).toBe(true);
  });

  it('readExactly returns the message and what followed it, or times out', async () => {
    const port = await listen((s) => {
      s.write(Buffer.alloc(10, 1));
      setTimeout(() => s.write(Buffer.concat([Buffer.alloc(54, 2), Buffer.from([9, 9, 9])])), 20);
    });
    const sock = await dial(port);
    const { bytes, rest } = await readExactly(sock, 64, 2000, 'act 1');
    expect(bytes.length).toBe(64);
    expect(bytes[0]).toBe(1);
    expect(bytes[63]).toBe(2);
    expect([...rest]).toEqual([9, 9, 9]);
    await expect(readExactly(sock, 1, 50, 'nothing')).rejects.toBeInstanceOf(ReadTimeoutError);
    sock.destroy();
  });
});
