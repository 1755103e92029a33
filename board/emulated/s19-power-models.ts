// The S19 hashboard supply chain as I2C devices on the emulated buses: the APW12 PSU (its framed
// byte-register protocol and enable line, drivers/power/apw12.ts) and the hashboard controllers
// (PIC16F1704 registers, dsPIC framed commands; drivers/power/s19-pic.ts). Their behaviour is the
// sources' as the drivers cite them; the dead-man timeout (10 s, as the S9 PIC's) is [inf].
import { APW12_COMMAND, APW12_DETECT, APW12_REGISTER, apw12Frame, parseApw12Frame } from '../../drivers/power/apw12.js';
import { DSPIC, PIC1704, dspicFrame } from '../../drivers/power/s19-pic.js';
import type { EmulatedClock } from './clock.js';
import type { I2cDeviceModel } from './i2c-bus.js';

/** APW12: bytes written one at a time to register 0x11 (or 0x00) form frames; replies are read back the same way. */
export class Apw12Model implements I2cDeviceModel {
  private pointer = 0;
  private rx: number[] = [];
  private tx: number[] = [];
  private echo: number | null = null;
  code = 0;
  readonly version = 0x71;
  /** Frames with a bad checksum (ignored, as a real PSU ignores them). */
  badFrames = 0;

  constructor(private readonly enableLine: () => boolean) {}

  /** The output is on: enable line asserted and a voltage code set. */
  on(): boolean {
    return this.enableLine();
  }

  write(bytes: Uint8Array): void {
    this.pointer = bytes[0]!;
    if (bytes.length < 2) return;
    const b = bytes[1]!;
    if (this.pointer !== APW12_REGISTER.v2 && this.pointer !== APW12_REGISTER.legacy) return;
    // The v2 probe: 0xF5 to 0x11 reads back 0xF5 (psu_test.c:222-241).
    if (this.pointer === APW12_REGISTER.v2 && b === APW12_DETECT && this.rx.length === 0) {
      this.echo = b;
      return;
    }
    this.rx.push(b);
    if (this.rx[0] !== 0x55 || (this.rx.length >= 2 && this.rx[1] !== 0xaa)) {
      this.rx = [];
      return;
    }
    if (this.rx.length >= 3 && this.rx.length === 2 + this.rx[2]!) this.frame(Uint8Array.from(this.rx.splice(0)));
  }

  private frame(f: Uint8Array): void {
    let cmd: { command: number; data: Uint8Array };
    try {
      cmd = parseApw12Frame(f);
    } catch {
      this.badFrames++;
      return;
    }
    if (cmd.command === APW12_COMMAND.getType) this.tx = [...apw12Frame(APW12_COMMAND.getType, [this.version, 0])];
    else if (cmd.command === APW12_COMMAND.setVoltage) {
      this.code = cmd.data[0]! | (cmd.data[1]! << 8);
      this.tx = [...apw12Frame(APW12_COMMAND.setVoltage, [0, 0])];
    }
  }

  read(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      if (this.echo !== null) {
        out[i] = this.echo;
        this.echo = null;
      } else out[i] = this.tx.shift() ?? 0xff;
    }
    return out;
  }
}

/** Common to both hashboard controllers: DC-DC state and the heartbeat dead-man switch. */
abstract class HashboardController implements I2cDeviceModel {
  protected dcdc = false;
  protected lastHeartbeat = 0;
  heartbeats = 0;
  watchdogTrips = 0;

  constructor(
    protected readonly clock: EmulatedClock,
    readonly timeoutMs = 10_000,
  ) {}

  powered(): boolean {
    if (this.dcdc && this.clock.now() - this.lastHeartbeat > this.timeoutMs) {
      this.dcdc = false;
      this.watchdogTrips++;
    }
    return this.dcdc;
  }

  protected setDcdc(on: boolean): void {
    this.powered();
    this.dcdc = on;
    this.lastHeartbeat = this.clock.now();
  }

  protected beat(): void {
    this.heartbeats++;
    this.lastHeartbeat = this.clock.now();
  }

  abstract write(bytes: Uint8Array): void;
  abstract read(length: number): Uint8Array;
}

export class Pic1704Model extends HashboardController {
  private pointer = 0;
  private version: number = PIC1704.versions.loader;
  private armed = false;

  write(bytes: Uint8Array): void {
    this.pointer = bytes[0]!;
    if (bytes.length < 2) return;
    const v = bytes[1]!;
    const r = PIC1704.register;
    if (this.pointer === r.version && v === PIC1704.loaderMagic) this.armed = true;
    else if (this.pointer === r.control) {
      if (this.version === PIC1704.versions.loader) {
        if (this.armed && v === PIC1704.jump) this.version = 0x89;
        return;
      }
      if (v === PIC1704.control.heartbeat) this.beat();
      else if (v === PIC1704.control.on || v === PIC1704.control.off) this.setDcdc(v === PIC1704.control.on);
    }
  }

  read(length: number): Uint8Array {
    const out = new Uint8Array(length);
    const r = PIC1704.register;
    const status = (this.powered() ? PIC1704.status.dcdcOn : 0) | (this.version !== PIC1704.versions.loader ? PIC1704.status.appRunning : 0);
    out[0] = this.pointer === r.version ? this.version : this.pointer === r.status ? status : 0;
    return out;
  }
}

export class DsPicModel extends HashboardController {
  private reply: number[] = [];
  readonly firmware = 0x89;

  write(bytes: Uint8Array): void {
    const f = [...bytes];
    const len = f[2] ?? 0;
    const sum = f.slice(2, len + 1).reduce((s, b) => s + b, 0) & 0xff;
    if (f[0] !== 0x55 || f[1] !== 0xaa || f.length !== len + 2 || sum !== f[len + 1]) {
      this.reply = [DSPIC.nak];
      return;
    }
    const cmd = f[3]!;
    if (cmd === DSPIC.enable) this.setDcdc(f[4] === 1);
    else if (cmd === DSPIC.heartbeat) this.beat();
    else if (cmd !== DSPIC.getVersion) {
      this.reply = [DSPIC.nak];
      return;
    }
    this.reply = [...dspicFrame(cmd, [cmd === DSPIC.getVersion ? this.firmware : 1])];
  }

  read(length: number): Uint8Array {
    const out = new Uint8Array(length).fill(0xff);
    this.reply.slice(0, length).forEach((b, i) => (out[i] = b));
    this.reply = [];
    return out;
  }
}
