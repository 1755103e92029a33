// An I2cBus through a hashing chip's own I2C master, the way S9 boards reach their TMP451-family
// sensors (bOSminer uses chip 61 of 63). The chain driver supplies register access; this turns
// SMBus byte reads and writes into the chip's I2C control register: bit 31 busy, bit 24 "do
// command", bits 23..16 the 8-bit device address (bit 16 = read), 15..8 register, 7..0 data.
// Layout from bOSminer's BM1387 driver as summarised in the digest; not yet checked on hardware.
import { BusError, type I2cBus } from './bus.js';
import { checkAddress } from './i2c-address.js';

export interface ChipRegisterAccess {
  readRegister(chip: number, register: number): Promise<number>;
  writeRegister(chip: number, register: number, value: number): Promise<void>;
}

export const BM1387_I2C_CONTROL = 0x20;
const BUSY = 0x8000_0000;
const DO_COMMAND = 0x0100_0000;

export interface ChipI2cOptions {
  /** Chip index on the chain whose master is wired to the sensor. */
  chip: number;
  register?: number;
  /** Polls of the busy flag before giving up. */
  polls?: number;
  pollDelayMs?: number;
}

export class ChipI2cBus implements I2cBus {
  private readonly register: number;
  private readonly polls: number;
  private readonly pollDelayMs: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly chain: ChipRegisterAccess,
    private readonly opts: ChipI2cOptions,
  ) {
    this.register = opts.register ?? BM1387_I2C_CONTROL;
    this.polls = opts.polls ?? 20;
    this.pollDelayMs = opts.pollDelayMs ?? 5;
  }

  private command(address: number, read: boolean, register: number, data: number): Promise<number> {
    checkAddress(address);
    const run = this.queue.then(async () => {
      const word = (DO_COMMAND | (((address << 1) | (read ? 1 : 0)) << 16) | ((register & 0xff) << 8) | (data & 0xff)) >>> 0;
      await this.chain.writeRegister(this.opts.chip, this.register, word);
      for (let i = 0; i < this.polls; i++) {
        const v = (await this.chain.readRegister(this.opts.chip, this.register)) >>> 0;
        if (!(v & BUSY)) return v & 0xff;
        await new Promise((r) => setTimeout(r, this.pollDelayMs));
      }
      throw new BusError(`chip ${this.opts.chip} I2C master stayed busy for 0x${address.toString(16)}`, address);
    });
    this.queue = run.catch(() => undefined);
    return run.catch((e) => {
      throw e instanceof BusError ? e : new BusError(`chip ${this.opts.chip} I2C master: ${(e as Error).message}`, address);
    });
  }

  readByte(address: number, register: number): Promise<number> {
    return this.command(address, true, register, 0);
  }
  async writeByte(address: number, register: number, value: number): Promise<void> {
    await this.command(address, false, register, value);
  }
  private unsupported(address: number, what: string): never {
    throw new BusError(`a chip's I2C master does byte transfers only (${what})`, address);
  }
  async readWord(address: number, _register?: number): Promise<number> {
    return this.unsupported(address, 'word read');
  }
  async writeWord(address: number, _register?: number, _value?: number): Promise<void> {
    this.unsupported(address, 'word write');
  }
  async readBlock(address: number, _register?: number, _length?: number): Promise<Uint8Array> {
    return this.unsupported(address, 'block read');
  }
  async writeBlock(address: number, _register?: number, _data?: Uint8Array): Promise<void> {
    this.unsupported(address, 'block write');
  }
  async transfer(address: number, _write?: Uint8Array, _readLength?: number): Promise<Uint8Array> {
    return this.unsupported(address, 'raw transfer');
  }
  async close(): Promise<void> {}
}
