// SerialLink over the `serialport` package: a tty or USB serial device.
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { TransportError, type SerialLink, type SerialLinkEvents } from './serial-link.js';

export class SerialPortLink extends EventEmitter<SerialLinkEvents> implements SerialLink {
  private constructor(
    private readonly port: SerialPort,
    public baudRate: number,
  ) {
    super();
    port.on('data', (b: Buffer) => this.emit('data', b));
    port.on('close', (e: Error | null) => this.emit('close', e ?? null));
    port.on('error', (e: Error) => this.emit('close', e));
  }

  static open(path: string, baudRate: number): Promise<SerialPortLink> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false });
      port.open((err) => (err ? reject(new TransportError(`cannot open ${path}: ${err.message}`)) : resolve(new SerialPortLink(port, baudRate))));
    });
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (e) => (e ? reject(new TransportError(e.message)) : resolve()));
    });
  }

  setBaudRate(baud: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.port.update({ baudRate: baud }, (e) => {
        if (e) return reject(new TransportError(`baud ${baud}: ${e.message}`));
        this.baudRate = baud;
        resolve();
      }),
    );
  }

  drain(): Promise<void> {
    return new Promise((resolve, reject) => this.port.drain((e) => (e ? reject(new TransportError(e.message)) : resolve())));
  }

  flush(): Promise<void> {
    return new Promise((resolve, reject) => this.port.flush((e) => (e ? reject(new TransportError(e.message)) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.port.isOpen ? this.port.close(() => resolve()) : resolve()));
  }
}
