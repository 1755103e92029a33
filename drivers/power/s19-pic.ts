// The S19 hashboards' own controllers: they gate the hashboard's DC-DC and cut it when the host's
// heartbeats stop. Two kinds, both reverse-engineered (DCENT_OS, [re]):
//  - PIC16F1704 (Amlogic control boards, 0x20): byte registers; VERSION 0x00 (0x86 loader,
//    0x88/0x89/0x8A application), STATUS 0x08, CONTROL 0x09 (0x00 DC-DC off, 0x01 on, 0x02
//    heartbeat); the loader jumps to the application on 0x5A to VERSION then 0x01 to CONTROL;
//    heartbeat every 2 s (dcentrald-asic/src/pic1704/protocol.rs:54-134, commit 9ecdd8a7).
//  - dsPIC33EP (BeagleBone control boards, 0x20–0x22), firmware 0x86–0x8A: frames
//    `55 AA LEN CMD payload SUM8`, LEN = payload + 3, SUM8 = (LEN + CMD + Σpayload) & 0xFF;
//    0x15 enable (payload 1/0), 0x16 heartbeat, 0x17 get version; a reply's first byte 0xF5 is a
//    NAK (dcentrald-api-types/src/dspic_frame.rs, "FRAMED-SUM").
import type { I2cBus } from '../transport/bus.js';
import { PowerError } from './voltage-controller.js';

export interface HashboardPic {
  readonly name: string;
  /** Keep-alive period the controller needs, ms. */
  readonly heartbeatMs: number;
  /** Brings the controller into its application (from a loader) and returns its version. */
  start(): Promise<number>;
  dcdc(on: boolean): Promise<void>;
  heartbeat(): Promise<void>;
}

export const PIC1704 = {
  register: { version: 0x00, status: 0x08, control: 0x09 },
  control: { off: 0x00, on: 0x01, heartbeat: 0x02 },
  loaderMagic: 0x5a,
  jump: 0x01,
  versions: { loader: 0x86, app: [0x88, 0x89, 0x8a] },
  status: { dcdcOn: 1 << 0, appRunning: 1 << 1, fault: 1 << 2, overTemperature: 1 << 3 },
  heartbeatMs: 2000,
} as const;

export class Pic1704 implements HashboardPic {
  readonly heartbeatMs = PIC1704.heartbeatMs;
  constructor(
    private readonly bus: I2cBus,
    readonly address: number,
    readonly name = `PIC1704@0x${address.toString(16)}`,
    private readonly bootMs = 500,
  ) {}

  private wrap<T>(what: string, op: () => Promise<T>): Promise<T> {
    return op().catch((e: Error) => {
      throw e instanceof PowerError ? e : new PowerError(this.name, `${what}: ${e.message}`);
    });
  }

  start(): Promise<number> {
    return this.wrap('start', async () => {
      let v = await this.bus.readByte(this.address, PIC1704.register.version);
      if (v === PIC1704.versions.loader) {
        await this.bus.writeByte(this.address, PIC1704.register.version, PIC1704.loaderMagic);
        await this.bus.writeByte(this.address, PIC1704.register.control, PIC1704.jump);
        await new Promise((r) => setTimeout(r, this.bootMs));
        v = await this.bus.readByte(this.address, PIC1704.register.version);
      }
      if (!(PIC1704.versions.app as readonly number[]).includes(v)) throw new PowerError(this.name, `version 0x${v.toString(16)} is not a PIC1704 application (0x88/0x89/0x8A)`);
      return v;
    });
  }

  dcdc(on: boolean): Promise<void> {
    return this.wrap('DC-DC', () => this.bus.writeByte(this.address, PIC1704.register.control, on ? PIC1704.control.on : PIC1704.control.off));
  }

  heartbeat(): Promise<void> {
    return this.wrap('heartbeat', () => this.bus.writeByte(this.address, PIC1704.register.control, PIC1704.control.heartbeat));
  }

  status(): Promise<number> {
    return this.wrap('status', () => this.bus.readByte(this.address, PIC1704.register.status));
  }
}

export const DSPIC = { enable: 0x15, heartbeat: 0x16, getVersion: 0x17, nak: 0xf5, heartbeatMs: 1000 } as const;

export function dspicFrame(command: number, payload: readonly number[] = []): Uint8Array {
  const len = payload.length + 3;
  const sum = (len + command + payload.reduce((s, b) => s + b, 0)) & 0xff;
  return Uint8Array.from([0x55, 0xaa, len, command, ...payload, sum]);
}

export class DsPic implements HashboardPic {
  readonly heartbeatMs = DSPIC.heartbeatMs;
  constructor(
    private readonly bus: I2cBus,
    readonly address: number,
    readonly name = `dsPIC@0x${address.toString(16)}`,
  ) {}

  /** One frame written, `replyLength` bytes read back; the reply must echo 55 AA and not NAK. */
  private async command(command: number, payload: number[], replyLength: number): Promise<Uint8Array> {
    let reply: Uint8Array;
    try {
      reply = await this.bus.transfer(this.address, dspicFrame(command, payload), replyLength);
    } catch (e) {
      throw new PowerError(this.name, `command 0x${command.toString(16)}: ${(e as Error).message}`);
    }
    if (reply[0] === DSPIC.nak) throw new PowerError(this.name, `command 0x${command.toString(16)} refused (NAK)`);
    const len = reply[2]!;
    const ok = reply[0] === 0x55 && reply[1] === 0xaa && len >= 3 && len + 2 <= reply.length && reply[3] === command;
    if (!ok || reply.subarray(2, len + 1).reduce((s, b) => s + b, 0) % 256 !== reply[len + 1]) throw new PowerError(this.name, `bad reply to 0x${command.toString(16)}`);
    return reply;
  }

  async start(): Promise<number> {
    return (await this.command(DSPIC.getVersion, [], 6))[4]!;
  }
  async dcdc(on: boolean): Promise<void> {
    await this.command(DSPIC.enable, [on ? 1 : 0], 6);
  }
  async heartbeat(): Promise<void> {
    await this.command(DSPIC.heartbeat, [], 6);
  }
}
