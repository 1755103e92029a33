// Userspace I/O devices (Linux UIO): an FPGA IP's register window mapped into the process with
// the native addon, 32-bit loads and stores, and its interrupt (poll + read of the 4-byte event
// count; uio_pdrv_genirq masks the line in its handler, so a write of 1 unmasks it again).
// Devices are found by name, as bOSminer does (`/sys/class/uio/uioN/name`, e.g. "chain8-cmd-rx",
// braiins-os open/bosminer/bosminer-am1-s9/src/io/uio.rs:57-69), under a root folder that is "/"
// on a board and a fixture tree in tests.
//
// Stand-ins (tests, no FPGA): `dev/uioN` may be a regular file (MAP_SHARED, so the addon's real
// mmap path carries every value) with its interrupt on a FIFO `dev/uioN.irq`. A file has no side
// effects on load or store, so an emulated IP registers an AccessObserver for the file it stands
// behind (as a QEMU device model gets its MemoryRegionOps calls): it sees each store after it
// happened and each load before it happens, and updates the file through its own mapping.
import { existsSync, fstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashagentIo, type HashagentIo, type Mapping } from '../native/hashagent-io.js';
import { TransportError } from './serial-link.js';

export interface RegisterWindow {
  read32(offset: number): number;
  write32(offset: number, value: number): void;
}

export interface AccessObserver {
  beforeRead(offset: number): void;
  afterWrite(offset: number, value: number): void;
}

const observers = new Map<string, AccessObserver>();

/** An emulated IP claims the stand-in file at `path`; returns the release function. */
export function observeUioFile(path: string, o: AccessObserver): () => void {
  observers.set(path, o);
  return () => void (observers.get(path) === o && observers.delete(path));
}

/** The device node of the UIO device named `name` under `root` ("/" on a board). */
export function findUio(name: string, root = '/'): { dev: string; index: number; mapSize: number } {
  const cls = join(root, 'sys/class/uio');
  let entries: string[];
  try {
    entries = readdirSync(cls);
  } catch {
    throw new TransportError(`no UIO devices (${cls} is missing): is the uio_pdrv_genirq driver loaded and the bitstream's device tree applied?`);
  }
  for (const e of entries) {
    let n: string;
    try {
      n = readFileSync(join(cls, e, 'name'), 'utf8').trim();
    } catch {
      continue;
    }
    if (n !== name) continue;
    const index = Number(e.replace(/^uio/, ''));
    const size = Number(readFileSync(join(cls, e, 'maps/map0/size'), 'utf8').trim());
    if (!Number.isInteger(index) || !(size > 0)) throw new TransportError(`UIO device ${name} (${e}) has no usable map0`);
    return { dev: join(root, 'dev', e), index, mapSize: size };
  }
  throw new TransportError(`UIO device "${name}" not found in ${cls} (found: ${entries.join(', ') || 'none'})`);
}

export class UioDevice implements RegisterWindow {
  private constructor(
    readonly name: string,
    readonly path: string,
    private readonly io: HashagentIo,
    private readonly fd: number,
    private readonly map: Mapping,
    readonly irqFd: number,
    /** A real UIO char device needs its interrupt unmasked after each event; a stand-in FIFO does not. */
    private readonly unmask: boolean,
    private readonly observer: AccessObserver | undefined,
  ) {}

  /** Opens and maps map0 of the UIO device named `name` (e.g. "chain8-work-rx") under `root`. */
  static open(name: string, root = '/', size?: number): UioDevice {
    const found = findUio(name, root);
    const io = hashagentIo();
    let fd = -1;
    let irqFd = -1;
    try {
      fd = io.open(found.dev, true);
      const isChar = fstatSync(fd).isCharacterDevice();
      const irqPath = `${found.dev}.irq`;
      if (isChar) irqFd = fd;
      else if (existsSync(irqPath)) irqFd = io.open(irqPath, true);
      const map = io.mmap(fd, size ?? found.mapSize, 0);
      const dev = new UioDevice(name, found.dev, io, fd, map, irqFd, isChar, observers.get(found.dev));
      if (isChar) io.irqUnmask(fd);
      return dev;
    } catch (e) {
      if (irqFd >= 0 && irqFd !== fd) io.close(irqFd);
      if (fd >= 0) io.close(fd);
      throw new TransportError(`UIO device ${name} (${found.dev}): ${(e as Error).message}`);
    }
  }

  read32(offset: number): number {
    this.observer?.beforeRead(offset);
    return this.io.read32(this.map, offset);
  }

  write32(offset: number, value: number): void {
    this.io.write32(this.map, offset, value >>> 0);
    this.observer?.afterWrite(offset, value >>> 0);
  }

  /** After an interrupt was taken: let the next one through. */
  rearm(): void {
    if (this.unmask) this.io.irqUnmask(this.irqFd);
  }

  close(): void {
    this.io.munmap(this.map);
    if (this.irqFd >= 0 && this.irqFd !== this.fd) this.io.close(this.irqFd);
    this.io.close(this.fd);
  }
}

/**
 * One wait for every registered interrupt in the process: a single libuv pool thread sits in
 * poll() (per-device waits would take the whole pool with three chains). Registrations made while
 * a wait runs take effect at its timeout, so the timeout bounds their first latency.
 */
export class UioIrqHub {
  private readonly handlers = new Map<number, () => void>();
  private running = false;

  constructor(
    private readonly io: HashagentIo = hashagentIo(),
    private readonly timeoutMs = 20,
  ) {}

  on(fd: number, handler: () => void): () => void {
    if (fd < 0) return () => undefined;
    this.handlers.set(fd, handler);
    if (!this.running) void this.loop();
    return () => void this.handlers.delete(fd);
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.handlers.size) {
        let fired: number[];
        try {
          fired = await this.io.waitIrq([...this.handlers.keys()], this.timeoutMs);
        } catch {
          // An fd closed under the wait (a device closed meanwhile): wait again on those left.
          await new Promise((r) => setTimeout(r, this.timeoutMs));
          continue;
        }
        for (const fd of fired) this.handlers.get(fd)?.();
      }
    } finally {
      this.running = false;
    }
  }
}

let hub: UioIrqHub | null = null;
export const uioIrqHub = (): UioIrqHub => (hub ??= new UioIrqHub());
