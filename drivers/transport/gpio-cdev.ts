// GpioPin on the GPIO character device (/dev/gpiochipN, uAPI v2) through the native addon, found
// by the line's name as the device tree labels it ("rst0", "enable", …). Line names survive the
// kernel's renumbering: sysfs numbers moved to dynamic bases (≥ 512) on 6.x kernels, while the
// stock 3.x/4.x images keep the legacy ones (real-hardware.md §2, S19 (g)).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hashagentIo, type HashagentIo } from '../native/hashagent-io.js';
import { BusError, type Edge, type GpioPin } from './bus.js';

export interface GpioLineLocation {
  chip: string;
  offset: number;
}

/** The chip and offset of the line named `name`, or null when no chip under `devDir` has it. */
export function findGpioLine(name: string, devDir = '/dev', io: HashagentIo = hashagentIo()): GpioLineLocation | null {
  return firstChip(devDir, io, (chip, fd, lines) => {
    for (let offset = 0; offset < lines; offset++) if (io.gpioLineInfo(fd, offset).name === name) return { chip, offset };
    return null;
  });
}

/** Line `offset` of the chip labelled `label` (e.g. ftdi_sio's "ftdi-cbus"), or null. */
export function findGpioChipLine(label: string, offset: number, devDir = '/dev', io: HashagentIo = hashagentIo()): GpioLineLocation | null {
  return firstChip(devDir, io, (chip, fd, lines) => (io.gpioChipInfo(fd).label === label && offset < lines ? { chip, offset } : null));
}

/** Asks each /dev/gpiochipN in turn (opened read-only, closed after) until `match` finds the line. */
function firstChip(devDir: string, io: HashagentIo, match: (chip: string, fd: number, lines: number) => GpioLineLocation | null): GpioLineLocation | null {
  let names: string[];
  try {
    names = readdirSync(devDir).filter((f) => /^gpiochip\d+$/.test(f));
  } catch {
    return null;
  }
  for (const n of names.sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))) {
    const chip = join(devDir, n);
    let fd: number;
    try {
      fd = io.open(chip, false);
    } catch {
      continue;
    }
    try {
      const found = match(chip, fd, io.gpioChipInfo(fd).lines);
      if (found) return found;
    } catch {
      // not a GPIO chip after all
    } finally {
      io.close(fd);
    }
  }
  return null;
}

const WATCH_POLL_MS = 20;

export class CdevGpioPin implements GpioPin {
  private closed = false;
  private constructor(
    private readonly io: HashagentIo,
    private readonly fd: number,
    readonly line: string,
    readonly direction: 'in' | 'out',
  ) {}

  /** Requests the line (an output at `initial` in the same ioctl: no glitch). */
  static open(line: string, where: GpioLineLocation, direction: 'in' | 'out', opts: { initial?: 0 | 1 } = {}, io: HashagentIo = hashagentIo()): CdevGpioPin {
    let chip: number;
    try {
      chip = io.open(where.chip, false);
    } catch (e) {
      throw new BusError(`GPIO line "${line}" (${where.chip}): ${(e as Error).message}`);
    }
    try {
      const fd = io.gpioRequest(chip, [where.offset], 'hashagent', direction === 'out', false, opts.initial ?? 0);
      return new CdevGpioPin(io, fd, line, direction);
    } catch (e) {
      throw new BusError(`GPIO line "${line}" (${where.chip} line ${where.offset}): ${(e as Error).message}`);
    } finally {
      io.close(chip);
    }
  }

  async read(): Promise<0 | 1> {
    if (this.closed) throw new BusError(`GPIO line "${this.line}" is closed`);
    return (this.io.gpioGet(this.fd, 1) & 1) as 0 | 1;
  }

  async write(value: 0 | 1): Promise<void> {
    if (this.closed) throw new BusError(`GPIO line "${this.line}" is closed`);
    if (this.direction !== 'out') throw new BusError(`GPIO line "${this.line}" is an input`);
    this.io.gpioSet(this.fd, 1, value ? 1 : 0);
  }

  /** Level changes by polling (the reset, plug and LED lines need no edge interrupts). */
  watch(edge: Edge, onChange: (value: 0 | 1) => void): () => void {
    let last: 0 | 1 | null = null;
    const t = setInterval(() => {
      if (this.closed) return;
      const v = (this.io.gpioGet(this.fd, 1) & 1) as 0 | 1;
      if (last !== null && v !== last && (edge === 'both' || (edge === 'rising') === (v === 1))) onChange(v);
      last = v;
    }, WATCH_POLL_MS);
    t.unref();
    return () => clearInterval(t);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.io.close(this.fd);
  }
}
