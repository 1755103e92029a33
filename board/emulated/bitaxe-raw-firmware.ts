// The bitaxe-raw firmware's control port, in software: serves tunnelled I2C and GPIO requests
// from the device side of a serial link onto an emulated bus and pins, answering in the v0 or v1
// response format. Lets the Bitaxe board run through the real tunnel driver.
import { BusError } from '../../drivers/transport/bus.js';
import { BITAXE_RAW_I2C, BITAXE_RAW_PAGE, type BitaxeRawFormat } from '../../drivers/transport/i2c-bitaxe-raw.js';
import type { SerialLink } from '../../drivers/transport/serial-link.js';
import { BRIDGE_INFO } from '../../drivers/transport/bitaxe-raw-variant.js';
import type { EmulatedI2cBus } from './i2c-bus.js';
import type { EmulatedGpioPin } from './gpio.js';

const STATUS = { ok: 0x00, timeout: 0x10, invalid: 0x11 } as const;

export class BitaxeRawFirmware {
  private buffer = new Uint8Array(0);

  constructor(
    private readonly link: SerialLink,
    private readonly bus: EmulatedI2cBus,
    private readonly pins: ReadonlyMap<number, EmulatedGpioPin>,
    readonly format: BitaxeRawFormat = 'v1',
    /** Set: the newer bridge build, which answers page 0x00 GetInfo (bridge_protocol.rs). */
    private readonly bridge?: { major: number; minor: number; version: string },
  ) {
    link.on('data', (b) => this.receive(b));
  }

  private receive(bytes: Uint8Array): void {
    const merged = new Uint8Array(this.buffer.length + bytes.length);
    merged.set(this.buffer);
    merged.set(bytes, this.buffer.length);
    this.buffer = merged;
    while (this.buffer.length >= 2) {
      const len = this.buffer[0]! | (this.buffer[1]! << 8);
      if (len < 6) {
        this.buffer = new Uint8Array(0);
        return;
      }
      if (this.buffer.length < len) return;
      const req = this.buffer.slice(0, len);
      this.buffer = this.buffer.slice(len);
      void this.serve(req);
    }
  }

  private async reply(id: number, status: number, data: readonly number[]): Promise<void> {
    if (this.format === 'v0') {
      const body = status === STATUS.ok ? data : [0xff, status];
      await this.link.write(Uint8Array.of(body.length & 0xff, body.length >> 8, id, ...body));
    } else {
      const len = 4 + data.length;
      await this.link.write(Uint8Array.of(len & 0xff, len >> 8, id, status, ...data));
    }
  }

  private async serve(req: Uint8Array): Promise<void> {
    const id = req[2]!;
    const page = req[4]!;
    const cmd = req[5]!;
    const data = req.subarray(6);
    try {
      if (this.bridge && page === BRIDGE_INFO.page && cmd === BRIDGE_INFO.getInfo) {
        const v = [...Buffer.from(this.bridge.version, 'ascii')];
        const payload = [BRIDGE_INFO.schema, this.bridge.major, this.bridge.minor, v.length, ...v];
        const len = 3 + payload.length;
        return await this.link.write(Uint8Array.of(len & 0xff, len >> 8, id, ...payload));
      }
      if (page === BITAXE_RAW_PAGE.i2c) {
        const addr = data[0]!;
        if (cmd === BITAXE_RAW_I2C.write) {
          await this.bus.transfer(addr, data.slice(1), 0);
          return await this.reply(id, STATUS.ok, []);
        }
        if (cmd === BITAXE_RAW_I2C.read) return await this.reply(id, STATUS.ok, [...(await this.bus.transfer(addr, new Uint8Array(0), data[1]!))]);
        if (cmd === BITAXE_RAW_I2C.writeRead) {
          const n = data[data.length - 1]!;
          return await this.reply(id, STATUS.ok, [...(await this.bus.transfer(addr, data.slice(1, -1), n))]);
        }
        if (cmd === BITAXE_RAW_I2C.setFrequency) return await this.reply(id, STATUS.ok, []);
      }
      if (page === BITAXE_RAW_PAGE.gpio) {
        const pin = this.pins.get(cmd);
        if (pin) {
          if (data.length > 0) await pin.write(data[0] ? 1 : 0);
          return await this.reply(id, STATUS.ok, [await pin.read()]);
        }
      }
      await this.reply(id, STATUS.invalid, []);
    } catch (e) {
      // A NACK on the tunnelled bus comes back as the firmware's I2C timeout status.
      if (e instanceof BusError) await this.reply(id, STATUS.timeout, []).catch(() => undefined);
      else throw e;
    }
  }
}
