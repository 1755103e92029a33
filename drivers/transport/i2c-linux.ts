// I2cBus on a Linux /dev/i2c-N adapter through the `i2c-bus` native addon. Every failure —
// missing adapter, NACK, timeout — becomes a BusError naming the bus and the device.
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { BusError, type I2cBus } from './bus.js';
import { checkAddress } from './i2c-address.js';

// The addon ships no types; this is the part of its promise API we use.
interface PromisifiedBus {
  readByte(addr: number, cmd: number): Promise<number>;
  writeByte(addr: number, cmd: number, byte: number): Promise<void>;
  readWord(addr: number, cmd: number): Promise<number>;
  writeWord(addr: number, cmd: number, word: number): Promise<void>;
  readI2cBlock(addr: number, cmd: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  writeI2cBlock(addr: number, cmd: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number }>;
  i2cRead(addr: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  i2cWrite(addr: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}
interface I2cBusModule {
  openPromisified(busNumber: number, options?: { forceAccess?: boolean }): Promise<PromisifiedBus>;
}

/** SMBus I2C-block transfers carry at most 32 bytes. */
const SMBUS_BLOCK_MAX = 32;

export class LinuxI2cBus implements I2cBus {
  private closed = false;
  private constructor(
    private readonly bus: PromisifiedBus,
    readonly device: string,
  ) {}

  /** Opens /dev/i2c-`busNumber`; `devRoot` is for boards whose device nodes live elsewhere. */
  static async open(busNumber: number, devRoot = '/dev'): Promise<LinuxI2cBus> {
    const device = `${devRoot}/i2c-${busNumber}`;
    try {
      await access(device);
    } catch (e) {
      throw new BusError(`cannot open ${device}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const mod = createRequire(import.meta.url)('i2c-bus') as I2cBusModule;
    try {
      return new LinuxI2cBus(await mod.openPromisified(busNumber), device);
    } catch (e) {
      throw new BusError(`cannot open ${device}: ${(e as Error).message}`);
    }
  }

  // One transfer at a time: the addon runs calls on libuv's thread pool, and a write-then-read
  // (EEPROM pointer, PMBus) must not interleave with another caller's access to the same part.
  private queue: Promise<unknown> = Promise.resolve();

  private io<T>(address: number, what: string, op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.closed) throw new BusError(`${this.device} is closed`, address);
      checkAddress(address);
      try {
        return await op();
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new BusError(`${this.device} 0x${address.toString(16)} ${what}: ${err.code ?? err.message}`, address);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  readByte(address: number, register: number): Promise<number> {
    return this.io(address, `read 0x${register.toString(16)}`, () => this.bus.readByte(address, register));
  }
  writeByte(address: number, register: number, value: number): Promise<void> {
    return this.io(address, `write 0x${register.toString(16)}`, () => this.bus.writeByte(address, register, value));
  }
  readWord(address: number, register: number): Promise<number> {
    return this.io(address, `read word 0x${register.toString(16)}`, () => this.bus.readWord(address, register));
  }
  writeWord(address: number, register: number, value: number): Promise<void> {
    return this.io(address, `write word 0x${register.toString(16)}`, () => this.bus.writeWord(address, register, value));
  }
  readBlock(address: number, register: number, length: number): Promise<Uint8Array> {
    return this.io(address, `read block 0x${register.toString(16)}`, async () => {
      const r = await this.bus.readI2cBlock(address, register, length, Buffer.alloc(length));
      if (r.bytesRead !== length) throw new Error(`short read: ${r.bytesRead} of ${length} bytes`);
      return new Uint8Array(r.buffer.subarray(0, length));
    });
  }
  writeBlock(address: number, register: number, data: Uint8Array): Promise<void> {
    return this.io(address, `write block 0x${register.toString(16)}`, async () => {
      await this.bus.writeI2cBlock(address, register, data.length, Buffer.from(data));
    });
  }

  /**
   * Write then read. A one-byte write followed by a read of ≤ 32 bytes goes out as one SMBus
   * I2C-block read (repeated start, as PMBus wants); anything else is a plain write and a plain
   * read (the addon has no combined I2C_RDWR), which pointer-based parts and the PIC accept.
   */
  transfer(address: number, write: Uint8Array, readLength: number): Promise<Uint8Array> {
    return this.io(address, 'transfer', async () => {
      if (write.length === 1 && readLength > 0 && readLength <= SMBUS_BLOCK_MAX) {
        const r = await this.bus.readI2cBlock(address, write[0]!, readLength, Buffer.alloc(readLength));
        return new Uint8Array(r.buffer.subarray(0, r.bytesRead));
      }
      if (write.length > 0) await this.bus.i2cWrite(address, write.length, Buffer.from(write));
      if (readLength === 0) return new Uint8Array(0);
      const r = await this.bus.i2cRead(address, readLength, Buffer.alloc(readLength));
      if (r.bytesRead !== readLength) throw new Error(`short read: ${r.bytesRead} of ${readLength} bytes`);
      return new Uint8Array(r.buffer);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.bus.close();
  }
}
