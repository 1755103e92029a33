// A hashing chip's I2C master as the chain emulator can embed it: the chip's I2C control register
// (BM1387: 0x20) takes a command word — bit 24 "do command", bits 23..16 the 8-bit device address
// (bit 16 = read), 15..8 the register, 7..0 the data — and runs it on the bus behind the chip's
// TF/RF pins; while it runs, reads show bit 31 (busy), then the data byte. The chain emulator
// calls `write` when the agent writes the register and `read` when it reads it. How a real chip
// signals a NACK is not documented in what we read; this model keeps busy set, so the agent's
// poll times out and the reading is unknown — never a number made of bus noise.
import { BusError } from '../../drivers/transport/bus.js';
import type { EmulatedI2cBus } from './i2c-bus.js';

const BUSY = 0x8000_0000;
const DO_COMMAND = 0x0100_0000;

export class I2cMasterModel {
  private value = 0;
  private pending: Promise<void> | null = null;
  /** Commands that ended in a NACK, for tests. */
  nacks = 0;

  constructor(private readonly bus: EmulatedI2cBus) {}

  write(word: number): void {
    if (!(word & DO_COMMAND)) return;
    const address = (word >>> 17) & 0x7f;
    const read = ((word >>> 16) & 1) === 1;
    const register = (word >>> 8) & 0xff;
    const data = word & 0xff;
    this.value = BUSY;
    this.pending = (read ? this.bus.readByte(address, register) : this.bus.writeByte(address, register, data).then(() => data)).then(
      (v) => {
        this.value = v & 0xff;
      },
      (e: unknown) => {
        if (!(e instanceof BusError)) throw e;
        this.nacks++;
        this.value = BUSY;
      },
    );
  }

  read(): number {
    return this.value >>> 0;
  }

  /** Resolves when the command in progress has finished (for emulators that answer synchronously). */
  async settled(): Promise<void> {
    await this.pending;
  }
}
