// A bus that exists only later: S9 sensors sit behind a hashing chip's I2C master, which is there
// once the chain driver has enumerated the chain. Until `attach`, every access is a BusError.
import { BusError, type I2cBus } from './bus.js';

export class DeferredI2cBus implements I2cBus {
  private bus: I2cBus | null = null;
  constructor(readonly what: string) {}

  attach(bus: I2cBus | null): void {
    this.bus = bus;
  }

  private get(address: number): I2cBus {
    if (!this.bus) throw new BusError(`${this.what} is not available yet`, address);
    return this.bus;
  }

  async readByte(a: number, r: number): Promise<number> {
    return this.get(a).readByte(a, r);
  }
  async writeByte(a: number, r: number, v: number): Promise<void> {
    return this.get(a).writeByte(a, r, v);
  }
  async readWord(a: number, r: number): Promise<number> {
    return this.get(a).readWord(a, r);
  }
  async writeWord(a: number, r: number, v: number): Promise<void> {
    return this.get(a).writeWord(a, r, v);
  }
  async readBlock(a: number, r: number, n: number): Promise<Uint8Array> {
    return this.get(a).readBlock(a, r, n);
  }
  async writeBlock(a: number, r: number, d: Uint8Array): Promise<void> {
    return this.get(a).writeBlock(a, r, d);
  }
  async transfer(a: number, w: Uint8Array, n: number): Promise<Uint8Array> {
    return this.get(a).transfer(a, w, n);
  }
  async close(): Promise<void> {
    await this.bus?.close();
  }
}
