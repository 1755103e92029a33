// The S9 hashboard PIC (hash_s8_app v0x03) as the control board sees it: a byte-at-a-time
// command parser (55 AA cmd data…), a loader that must be told to jump to the app after reset,
// the DC-DC enable and voltage code, and the dead-man switch: with the output on and no
// heartbeat for `timeoutMs` (~10 s on the real part) it switches the DC-DC off by itself.
import { PIC_APP_VERSION, PIC_COMMAND, PIC_HEARTBEAT_TIMEOUT_MS, picToVoltage } from '../../drivers/power/s9-pic.js';
import type { EmulatedClock } from './clock.js';
import { Nack, type I2cDeviceModel } from './i2c-bus.js';

/** Data bytes each command carries after `55 AA cmd`. */
const DATA_LENGTH: Record<number, number> = {
  [PIC_COMMAND.setFlashPointer]: 2,
  [PIC_COMMAND.sendData]: 16,
  [PIC_COMMAND.setVoltage]: 1,
  [PIC_COMMAND.setVoltageTime]: 1,
  [PIC_COMMAND.setHashboardId]: 12,
  [PIC_COMMAND.setHostMac]: 6,
  [PIC_COMMAND.enableVoltage]: 1,
};

export interface PicEvents {
  /** The PIC cut the DC-DC because heartbeats stopped. */
  onWatchdogTrip?(): void;
}

export class PicModel implements I2cDeviceModel {
  private state: 'idle' | 'aa' | 'cmd' | 'data' = 'idle';
  private command = 0;
  private data: number[] = [];
  private reply: number[] = [];
  private mode: 'loader' | 'app' = 'loader';
  private bootUntil = 0;
  private enabled = false;
  private code = 0x5f; // ~8.9 V
  private lastHeartbeat = 0;
  /** Heartbeats received, for tests. */
  heartbeats = 0;
  watchdogTrips = 0;
  /** When (emulated ms) the last trip's dead-man ran out: its last heartbeat plus the timeout. */
  trippedAt: number | null = null;

  constructor(
    private readonly clock: EmulatedClock,
    readonly timeoutMs = PIC_HEARTBEAT_TIMEOUT_MS,
    private readonly bootMs = 500,
    private readonly events: PicEvents = {},
  ) {}

  /** The DC-DC output is on (checked against the watchdog first). */
  powered(): boolean {
    this.watchdog();
    return this.enabled;
  }

  voltage(): number {
    return picToVoltage(this.code);
  }

  inApp(): boolean {
    return this.mode === 'app';
  }

  private watchdog(): void {
    if (this.enabled && this.clock.now() - this.lastHeartbeat > this.timeoutMs) {
      this.enabled = false;
      this.watchdogTrips++;
      this.trippedAt = this.lastHeartbeat + this.timeoutMs;
      this.events.onWatchdogTrip?.();
    }
  }

  private booting(): void {
    if (this.clock.now() < this.bootUntil) throw new Nack('PIC booting');
  }

  write(bytes: Uint8Array): void {
    this.booting();
    this.watchdog();
    for (const b of bytes) this.feed(b);
  }

  private feed(b: number): void {
    switch (this.state) {
      case 'idle':
        if (b === 0x55) this.state = 'aa';
        return;
      case 'aa':
        this.state = b === 0xaa ? 'cmd' : 'idle';
        return;
      case 'cmd':
        this.command = b;
        this.data = [];
        if ((DATA_LENGTH[b] ?? 0) === 0) this.execute();
        else this.state = 'data';
        return;
      case 'data':
        this.data.push(b);
        if (this.data.length === DATA_LENGTH[this.command]) this.execute();
    }
  }

  private execute(): void {
    this.state = 'idle';
    const now = this.clock.now();
    switch (this.command) {
      case PIC_COMMAND.reset:
        this.mode = 'loader';
        this.enabled = false;
        this.bootUntil = now + this.bootMs;
        break;
      case PIC_COMMAND.jumpToApp:
        this.mode = 'app';
        break;
      case PIC_COMMAND.getVersion:
        this.reply = [this.mode === 'app' ? PIC_APP_VERSION : 0x00];
        break;
      case PIC_COMMAND.setVoltage:
        if (this.mode === 'app') this.code = this.data[0]!;
        break;
      case PIC_COMMAND.getVoltage:
        this.reply = [this.code];
        break;
      case PIC_COMMAND.enableVoltage:
        if (this.mode === 'app') {
          this.enabled = this.data[0] === 1;
          this.lastHeartbeat = now;
        }
        break;
      case PIC_COMMAND.heartbeat:
        this.heartbeats++;
        this.lastHeartbeat = now;
        break;
    }
  }

  // One reply byte per read transaction: bytes after the first in the same transaction are
  // garbage on the real PIC (bOSminer's note), so here too.
  read(length: number): Uint8Array {
    this.booting();
    const out = new Uint8Array(length);
    out[0] = this.reply.shift() ?? 0xff;
    for (let i = 1; i < length; i++) out[i] = (out[0]! * 37 + i * 101) & 0xff;
    return out;
  }
}
