// I2C and GPIO tunnelled over USB serial by the bitaxe-raw firmware (a Bitaxe attached to a Linux
// host shows two CDC-ACM ports: control and the raw ASIC UART). The control protocol, as mujina
// documents it: request `len:u16le id bus=0 page cmd data…` where len counts the whole packet;
// page 0x05 = I2C (0x20 write, 0x30 read, 0x40 write-read), 0x06 = GPIO (cmd = pin number,
// data [level] sets, empty data reads). Responses echo the id; format v0 is `len id data…` (len
// = data bytes only, errors not reliably signalled), v1 is `len id status data…` (len = total).
import { BusError, type Edge, type GpioPin, type I2cBus } from './bus.js';
import { checkAddress } from './i2c-address.js';
import type { SerialLink } from './serial-link.js';

export const BITAXE_RAW_PAGE = { i2c: 0x05, gpio: 0x06, adc: 0x07, led: 0x08, system: 0x09 } as const;
export const BITAXE_RAW_I2C = { setFrequency: 0x10, write: 0x20, read: 0x30, writeRead: 0x40 } as const;
export const BITAXE_RAW_ERROR: Record<number, string> = { 0x10: 'timeout', 0x11: 'invalid command', 0x12: 'buffer overflow', 0xff: 'error' };
/** bitaxe-raw's ASIC reset line (active low). */
export const BITAXE_RAW_RESET_PIN = 0;

export type BitaxeRawFormat = 'v0' | 'v1';

export function encodeBitaxeRawRequest(id: number, page: number, command: number, data: readonly number[]): Uint8Array {
  const len = 6 + data.length;
  return Uint8Array.of(len & 0xff, len >> 8, id & 0xff, 0, page, command, ...data);
}

interface Pending {
  resolve(data: Uint8Array): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** One control port: requests serialised by id, replies matched back, each with a timeout. */
export class BitaxeRawControl {
  private buffer = new Uint8Array(0);
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly link: SerialLink,
    readonly format: BitaxeRawFormat = 'v1',
    private readonly timeoutMs = 1000,
  ) {
    link.on('data', (b) => this.receive(b));
    link.on('close', (e) => this.failAll(new BusError(`bitaxe-raw control port closed${e ? `: ${e.message}` : ''}`)));
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }

  private receive(bytes: Uint8Array): void {
    const merged = new Uint8Array(this.buffer.length + bytes.length);
    merged.set(this.buffer);
    merged.set(bytes, this.buffer.length);
    this.buffer = merged;
    for (;;) {
      if (this.buffer.length < 2) return;
      const field = this.buffer[0]! | (this.buffer[1]! << 8);
      const total = this.format === 'v0' ? field + 3 : field;
      if (total < (this.format === 'v0' ? 3 : 4) || total > 4096) {
        this.buffer = new Uint8Array(0); // lost framing: drop and let timeouts report it
        return;
      }
      if (this.buffer.length < total) return;
      const frame = this.buffer.subarray(0, total);
      this.buffer = this.buffer.slice(total);
      this.settle(frame);
    }
  }

  private settle(frame: Uint8Array): void {
    const id = frame[2]!;
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (this.format === 'v0') return p.resolve(frame.slice(3));
    const status = frame[3]!;
    if (status === 0) return p.resolve(frame.slice(4));
    const text = status === 0xff && frame.length > 4 ? `: ${Buffer.from(frame.subarray(4)).toString('utf8')}` : '';
    p.reject(new BusError(`bitaxe-raw ${BITAXE_RAW_ERROR[status] ?? `status 0x${status.toString(16)}`}${text}`));
  }

  request(page: number, command: number, data: readonly number[], address?: number): Promise<Uint8Array> {
    const run = this.queue.then(
      () =>
        new Promise<Uint8Array>((resolve, reject) => {
          const id = this.nextId;
          this.nextId = (this.nextId + 1) & 0xff;
          const timer = setTimeout(() => {
            this.pending.delete(id);
            reject(new BusError(`bitaxe-raw request ${id} (page 0x${page.toString(16)}) got no reply in ${this.timeoutMs} ms`, address));
          }, this.timeoutMs);
          this.pending.set(id, { resolve, reject, timer });
          this.link.write(encodeBitaxeRawRequest(id, page, command, data)).catch((e: Error) => {
            clearTimeout(timer);
            this.pending.delete(id);
            reject(new BusError(`bitaxe-raw write: ${e.message}`, address));
          });
        }),
    );
    this.queue = run.catch(() => undefined);
    return run.catch((e: Error) => {
      throw e instanceof BusError ? new BusError(e.message, address ?? e.address) : new BusError(e.message, address);
    });
  }
}

export class BitaxeRawI2cBus implements I2cBus {
  constructor(private readonly control: BitaxeRawControl) {}

  private async op(address: number, command: number, data: readonly number[], expect: number): Promise<Uint8Array> {
    checkAddress(address);
    const r = await this.control.request(BITAXE_RAW_PAGE.i2c, command, [address, ...data], address);
    if (r.length !== expect) throw new BusError(`bitaxe-raw I2C 0x${address.toString(16)}: expected ${expect} byte(s), got ${r.length}`, address);
    return r;
  }
  private writeRead(address: number, write: readonly number[], n: number): Promise<Uint8Array> {
    return this.op(address, BITAXE_RAW_I2C.writeRead, [...write, n], n);
  }
  private async write(address: number, bytes: readonly number[]): Promise<void> {
    checkAddress(address);
    await this.control.request(BITAXE_RAW_PAGE.i2c, BITAXE_RAW_I2C.write, [address, ...bytes], address);
  }

  async readByte(address: number, register: number): Promise<number> {
    return (await this.writeRead(address, [register], 1))[0]!;
  }
  writeByte(address: number, register: number, value: number): Promise<void> {
    return this.write(address, [register, value & 0xff]);
  }
  async readWord(address: number, register: number): Promise<number> {
    const b = await this.writeRead(address, [register], 2);
    return b[0]! | (b[1]! << 8);
  }
  writeWord(address: number, register: number, value: number): Promise<void> {
    return this.write(address, [register, value & 0xff, (value >> 8) & 0xff]);
  }
  readBlock(address: number, register: number, length: number): Promise<Uint8Array> {
    return this.writeRead(address, [register], length);
  }
  writeBlock(address: number, register: number, data: Uint8Array): Promise<void> {
    return this.write(address, [register, ...data]);
  }
  async transfer(address: number, write: Uint8Array, readLength: number): Promise<Uint8Array> {
    if (readLength > 255) throw new BusError(`bitaxe-raw reads at most 255 bytes`, address);
    if (readLength === 0) {
      await this.write(address, [...write]);
      return new Uint8Array(0);
    }
    if (write.length === 0) return this.op(address, BITAXE_RAW_I2C.read, [readLength], readLength);
    return this.writeRead(address, [...write], readLength);
  }
  async close(): Promise<void> {}
}

/** A GPIO of the tunnelled board. The protocol has no edge events, so watch() polls. */
export class BitaxeRawGpioPin implements GpioPin {
  constructor(
    private readonly control: BitaxeRawControl,
    readonly pin: number,
    readonly direction: 'in' | 'out',
    private readonly pollMs = 100,
  ) {}

  async read(): Promise<0 | 1> {
    const r = await this.control.request(BITAXE_RAW_PAGE.gpio, this.pin, []);
    if (r.length !== 1) throw new BusError(`bitaxe-raw GPIO ${this.pin}: expected 1 byte, got ${r.length}`);
    return r[0] ? 1 : 0;
  }

  async write(value: 0 | 1): Promise<void> {
    if (this.direction !== 'out') throw new BusError(`bitaxe-raw GPIO ${this.pin} is an input`);
    await this.control.request(BITAXE_RAW_PAGE.gpio, this.pin, [value]);
  }

  watch(edge: Edge, onChange: (value: 0 | 1) => void): () => void {
    let last: 0 | 1 | null = null;
    const timer = setInterval(() => {
      this.read().then(
        (v) => {
          if (last !== null && v !== last && (edge === 'both' || (edge === 'rising') === (v === 1))) onChange(v);
          last = v;
        },
        () => undefined,
      );
    }, this.pollMs);
    return () => clearInterval(timer);
  }

  async close(): Promise<void> {}
}
