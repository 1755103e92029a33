// SerialLink over a TCP or unix socket: how a QEMU chardev (`-serial tcp:…`) or an emulator in
// another process is reached. The baud rate is recorded, not enforced (the far end paces bytes).
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { TransportError, type SerialLink, type SerialLinkEvents } from './serial-link.js';

export class SocketLink extends EventEmitter<SerialLinkEvents> implements SerialLink {
  constructor(
    private readonly socket: net.Socket,
    public baudRate: number,
  ) {
    super();
    // Job frames are small and latency-bound: no Nagle coalescing (it cost an S9 ~80 % of its rate).
    socket.setNoDelay(true);
    socket.on('data', (b: Buffer) => this.emit('data', b));
    socket.on('close', () => this.emit('close', null));
    socket.on('error', (e) => this.emit('close', e));
  }

  /** `tcp://host:port` or `unix:/path`. */
  static connect(address: string, baudRate: number): Promise<SocketLink> {
    const m = /^tcp:\/\/(.+):(\d+)$/.exec(address);
    const opts: net.NetConnectOpts = m ? { host: m[1]!, port: Number(m[2]) } : address.startsWith('unix:') ? { path: address.slice(5) } : (null as never);
    if (!opts) return Promise.reject(new TransportError(`'${address}': expected tcp://host:port or unix:/path`));
    return new Promise((resolve, reject) => {
      const s = net.connect(opts);
      s.once('connect', () => resolve(new SocketLink(s, baudRate)));
      s.once('error', (e) => reject(new TransportError(`${address}: ${e.message}`)));
    });
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (e) => (e ? reject(new TransportError(e.message)) : resolve())));
  }

  async setBaudRate(baud: number): Promise<void> {
    this.baudRate = baud;
  }

  drain(): Promise<void> {
    return this.socket.writableNeedDrain ? new Promise((r) => this.socket.once('drain', () => r())) : Promise.resolve();
  }

  async flush(): Promise<void> {
    // Nothing is buffered on our side beyond what 'data' has already delivered.
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}
