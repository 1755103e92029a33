// An I2C bus in software: device models attach at 7-bit addresses and see the raw transactions a
// real adapter puts on the wire (SMBus reads are "write the register, repeated start, read").
// Each model speaks its chip's real register protocol, so the real drivers run against it.
import { BusError, type I2cBus } from '../../drivers/transport/bus.js';
import { checkAddress } from '../../drivers/transport/i2c-address.js';

/** Thrown by a model to NACK a transaction. */
export class Nack extends Error {
  override readonly name = 'Nack';
}

export interface I2cDeviceModel {
  /** One write transaction's payload (START, address+W, bytes, STOP). */
  write(bytes: Uint8Array): void;
  /** One read transaction of `length` bytes. */
  read(length: number): Uint8Array;
}

interface Attached {
  model: I2cDeviceModel;
  /** Answers nothing: a dead part or a broken wire. */
  silent: boolean;
  /** NACK this many more transactions, then recover (a busy PIC, a glitch). */
  nacks: number;
  /** Transactions never complete (a part holding the clock low, an adapter that hangs). */
  stalled: boolean;
}

export class EmulatedI2cBus implements I2cBus {
  private readonly devices = new Map<number, Attached>();
  private closed = false;
  /** Transactions seen, for tests that count them. */
  transactions = 0;

  constructor(readonly name = 'i2c-emulated') {}

  attach(address: number, model: I2cDeviceModel): this {
    checkAddress(address);
    if (this.devices.has(address)) throw new Error(`${this.name}: 0x${address.toString(16)} is taken`);
    this.devices.set(address, { model, silent: false, nacks: 0, stalled: false });
    return this;
  }

  model<T extends I2cDeviceModel>(address: number): T {
    const d = this.devices.get(address);
    if (!d) throw new Error(`${this.name}: nothing at 0x${address.toString(16)}`);
    return d.model as T;
  }

  /** Fault: the device stops answering (true) or answers again (false). */
  silence(address: number, silent = true): void {
    this.entry(address).silent = silent;
  }

  /** Fault: transactions to `address` hang (never settle) until cleared. Unlike silence (a NACK,
   * reported at once), this is the fault only a timeout catches. */
  stall(address: number, stalled = true): void {
    this.entry(address).stalled = stalled;
  }

  /** Fault: the next `count` transactions to `address` are NACKed. */
  nackNext(address: number, count: number): void {
    this.entry(address).nacks = count;
  }

  private entry(address: number): Attached {
    const d = this.devices.get(address);
    if (!d) throw new Error(`${this.name}: nothing at 0x${address.toString(16)}`);
    return d;
  }

  // One transaction, asynchronous like a real adapter's; a NACK or absent device is a BusError.
  private async transact<T>(address: number, run: (m: I2cDeviceModel) => T): Promise<T> {
    await new Promise<void>((r) => setImmediate(r));
    if (this.closed) throw new BusError(`${this.name} is closed`, address);
    checkAddress(address);
    this.transactions++;
    const d = this.devices.get(address);
    if (d?.stalled) await new Promise<never>(() => undefined);
    if (!d || d.silent) throw new BusError(`${this.name}: no ACK from 0x${address.toString(16)}`, address);
    if (d.nacks > 0) {
      d.nacks--;
      throw new BusError(`${this.name}: 0x${address.toString(16)} NACKed`, address);
    }
    try {
      return run(d.model);
    } catch (e) {
      if (e instanceof Nack) throw new BusError(`${this.name}: 0x${address.toString(16)} NACKed: ${e.message}`, address);
      throw e;
    }
  }

  readByte(address: number, register: number): Promise<number> {
    return this.transact(address, (m) => {
      m.write(Uint8Array.of(register));
      return m.read(1)[0]!;
    });
  }
  async writeByte(address: number, register: number, value: number): Promise<void> {
    await this.transact(address, (m) => m.write(Uint8Array.of(register, value & 0xff)));
  }
  readWord(address: number, register: number): Promise<number> {
    return this.transact(address, (m) => {
      m.write(Uint8Array.of(register));
      const b = m.read(2);
      return b[0]! | (b[1]! << 8);
    });
  }
  async writeWord(address: number, register: number, value: number): Promise<void> {
    await this.transact(address, (m) => m.write(Uint8Array.of(register, value & 0xff, (value >> 8) & 0xff)));
  }
  readBlock(address: number, register: number, length: number): Promise<Uint8Array> {
    return this.transact(address, (m) => {
      m.write(Uint8Array.of(register));
      return m.read(length);
    });
  }
  async writeBlock(address: number, register: number, data: Uint8Array): Promise<void> {
    await this.transact(address, (m) => m.write(Uint8Array.of(register, ...data)));
  }
  transfer(address: number, write: Uint8Array, readLength: number): Promise<Uint8Array> {
    return this.transact(address, (m) => {
      if (write.length > 0) m.write(write);
      return readLength > 0 ? m.read(readLength) : new Uint8Array(0);
    });
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * Chips with an 8-bit register pointer: a write's first byte sets it, further bytes are written
 * at it (incrementing if the chip auto-increments); reads return registers from it.
 */
export abstract class PointerRegisterModel implements I2cDeviceModel {
  protected pointer = 0;
  constructor(private readonly autoIncrement = false) {}
  protected abstract readRegister(register: number): number;
  protected abstract writeRegister(register: number, value: number): void;

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pointer = bytes[0]!;
    for (let i = 1; i < bytes.length; i++) {
      this.writeRegister(this.pointer, bytes[i]!);
      if (this.autoIncrement) this.pointer = (this.pointer + 1) & 0xff;
    }
  }

  read(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      out[i] = this.readRegister(this.pointer) & 0xff;
      if (this.autoIncrement) this.pointer = (this.pointer + 1) & 0xff;
    }
    return out;
  }
}

/** Chips with 16-bit registers sent MSB first (INA260, TMP1075, LM75). */
export abstract class WordRegisterModel implements I2cDeviceModel {
  protected pointer = 0;
  protected abstract readRegister(register: number): number;
  protected abstract writeRegister(register: number, value: number): void;

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pointer = bytes[0]!;
    if (bytes.length >= 3) this.writeRegister(this.pointer, (bytes[1]! << 8) | bytes[2]!);
  }

  read(length: number): Uint8Array {
    const v = this.readRegister(this.pointer) & 0xffff;
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = i % 2 === 0 ? v >> 8 : v & 0xff;
    return out;
  }
}
