// SerialLink implementations: `serialport` on a real pty pair made by socat, the socket link on a
// real TCP server, and the in-process pair the emulator will use.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { SerialPortLink } from '../../../drivers/transport/serialport-link.js';
import { SocketLink } from '../../../drivers/transport/socket-link.js';
import type { SerialLink } from '../../../drivers/transport/serial-link.js';
import { linkedPair } from '../../../drivers/transport/in-process-link.js';
import { haveSocat } from '../../support/tools.js';
import { ptyPair as openPtyPair } from '../../support/processes.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function collect(link: SerialLink, n: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const parts: Uint8Array[] = [];
    let have = 0;
    const on = (b: Uint8Array) => {
      parts.push(b);
      have += b.length;
      if (have >= n) {
        link.off('data', on);
        resolve(Buffer.concat(parts));
      }
    };
    link.on('data', on);
  });
}

async function ptyPair(): Promise<[string, string]> {
  const pty = await openPtyPair('hashagent-pty-');
  cleanups.push(pty.close);
  return [pty.a, pty.b];
}

describe.skipIf(!haveSocat)('SerialPortLink on a pty pair (socat)', () => {
  it('carries bytes both ways and changes baud rate', async () => {
    const [pa, pb] = await ptyPair();
    const a = await SerialPortLink.open(pa, 115_200);
    const b = await SerialPortLink.open(pb, 115_200);
    cleanups.push(() => a.close(), () => b.close());
    const frame = Uint8Array.from(Buffer.from('55aa520500000a', 'hex'));
    const got = collect(b, frame.length);
    await a.write(frame);
    await a.drain();
    expect(Buffer.from(await got).toString('hex')).toBe('55aa520500000a');
    await a.setBaudRate(1_000_000);
    expect(a.baudRate).toBe(1_000_000);
    const back = collect(a, 3);
    await b.write(Uint8Array.of(1, 2, 3));
    expect([...(await back)]).toEqual([1, 2, 3]);
  });
  it('a missing device is a clear TransportError', async () => {
    await expect(SerialPortLink.open('/nonexistent/ttyX', 115_200)).rejects.toThrow(/cannot open \/nonexistent\/ttyX/);
  });
});

describe('SocketLink', () => {
  it('talks to a real TCP server (how a QEMU chardev is reached)', async () => {
    const srv = net.createServer((s) => s.pipe(s)); // echo
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => srv.close(r)));
    const link = await SocketLink.connect(`tcp://127.0.0.1:${(srv.address() as net.AddressInfo).port}`, 115_200);
    cleanups.push(() => link.close());
    const got = collect(link, 4);
    await link.write(Uint8Array.of(0xaa, 0x55, 1, 2));
    expect([...(await got)]).toEqual([0xaa, 0x55, 1, 2]);
    await expect(SocketLink.connect('serial:/dev/x', 1)).rejects.toThrow(/expected tcp/);
  });
});


describe('in-process linked pair', () => {
  it('delivers asynchronously, in order, both ways', async () => {
    const [drv, dev] = linkedPair(115_200);
    let delivered = 0;
    dev.on('data', (b: Uint8Array) => (delivered += b.length));
    const got = collect(dev, 6);
    void drv.write(Uint8Array.of(1, 2, 3));
    void drv.write(Uint8Array.of(4, 5, 6));
    expect(delivered).toBe(0); // nothing is delivered inside write()
    expect([...(await got)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(delivered).toBe(6);
    const back = collect(drv, 1);
    await dev.write(Uint8Array.of(9));
    expect([...(await back)]).toEqual([9]);
  });
  it('paces bytes at the line rate and garbles them across a baud mismatch', async () => {
    const [drv, dev] = linkedPair(10_000, { paced: true }); // 1,000 bytes/s
    const t0 = performance.now();
    const got = collect(dev, 50);
    await drv.write(new Uint8Array(50));
    await got;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45); // 50 bytes at 1 ms each
    await dev.setBaudRate(20_000);
    const garbled = collect(dev, 4);
    await drv.write(Uint8Array.of(0x55, 0xaa, 0x52, 0x05));
    expect([...(await garbled)]).not.toEqual([0x55, 0xaa, 0x52, 0x05]);
  });
});
