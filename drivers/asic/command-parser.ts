// Host → chip frames as a chip reads them: a streaming parser for anyone inspecting a capture (the
// emulator has its own, written apart from the driver: board/emulated/chip-wire.ts). Frames with a
// bad CRC are dropped, as chips drop them, and counted; the parser resynchronises byte by byte and
// never holds more than one frame's worth of input.
import { crc5 } from './crc.js';
import { Commands, preamble } from './frame.js';
import { decodeJob, jobBodyLength, type DecodedJob } from './job.js';
import type { ChipProfile } from './profiles.js';

export type HostCommand =
  | { kind: 'setAddress'; address: number }
  | { kind: 'write'; broadcast: boolean; address: number; register: number; value: number }
  | { kind: 'read'; broadcast: boolean; address: number; register: number }
  | { kind: 'chainInactive' }
  | { kind: 'job'; job: DecodedJob };

const JOB_HEADER = 0x21;
const MAX_BODY = 152;

export class CommandParser {
  private buf = new Uint8Array(0);
  /** Frames dropped for a bad CRC or an impossible length. */
  crcErrors = 0;
  /** Bytes skipped while resynchronising. */
  skipped = 0;
  /** For each command the last push returned: how many bytes of that chunk it took to complete it
   * (when it finished arriving, for a reader that knows the line rate). */
  readonly ends: number[] = [];
  private readonly codes: Record<number, HostCommand['kind']>;
  private readonly pre: number;
  private readonly pm: readonly number[];

  constructor(readonly profile: ChipProfile) {
    const c = Commands[profile.framing];
    this.codes = {
      [c.setAddress]: 'setAddress', [c.write]: 'write', [c.writeAll]: 'write', [c.read]: 'read', [c.readAll]: 'read', [c.chainInactive]: 'chainInactive',
    };
    this.pm = preamble(profile.framing, 'command');
    this.pre = this.pm.length;
  }

  push(chunk: Uint8Array): HostCommand[] {
    const data = new Uint8Array(this.buf.length + chunk.length);
    data.set(this.buf);
    data.set(chunk, this.buf.length);
    const out: HostCommand[] = [];
    const carried = this.buf.length;
    this.ends.length = 0;
    const pre = this.pre;
    let i = 0;
    while (data.length - i >= pre + 2) {
      if (pre && !(data[i] === this.pm[0] && data[i + 1] === this.pm[1])) {
        i++;
        this.skipped++;
        continue;
      }
      const hdr = data[i + pre]!;
      const isJob = hdr === JOB_HEADER;
      const kind = this.codes[hdr];
      const len = isJob ? jobBodyLength(this.profile, data[i + pre + 1]!) : data[i + pre + 1]!;
      if ((!isJob && (!kind || (len !== 5 && len !== 9))) || (isJob && (len < 22 || len > MAX_BODY))) {
        i++;
        this.skipped++;
        continue;
      }
      if (data.length - i < pre + len) break; // wait for the rest of this frame
      const body = data.subarray(i + pre, i + pre + len);
      const cmd = isJob ? this.job(body) : this.command(kind!, hdr, body);
      if (!cmd) {
        this.crcErrors++;
        i++;
        this.skipped++;
        continue;
      }
      out.push(cmd);
      i += pre + len;
      this.ends.push(i - carried);
    }
    this.buf = data.slice(i);
    return out;
  }

  private job(body: Uint8Array): HostCommand | null {
    const job = decodeJob(this.profile, body);
    return job ? { kind: 'job', job } : null;
  }

  private command(kind: HostCommand['kind'], hdr: number, body: Uint8Array): HostCommand | null {
    const n = body.length;
    if (crc5(body, 0, n - 1) !== body[n - 1]) return null;
    const broadcast = (hdr & 0x10) !== 0;
    switch (kind) {
      case 'setAddress':
        return { kind, address: body[2]! };
      case 'chainInactive':
        return { kind };
      case 'read':
        return n === 5 ? { kind, broadcast, address: body[2]!, register: body[3]! } : null;
      case 'write':
        return n === 9 ? { kind, broadcast, address: body[2]!, register: body[3]!, value: ((body[4]! << 24) | (body[5]! << 16) | (body[6]! << 8) | body[7]!) >>> 0 } : null;
      default:
        return null;
    }
  }
}
