// An S9 hashboard chain through the Braiins OS "s9io" FPGA IP instead of a UART: the same
// SerialLink the chain driver uses everywhere, so bring-up, work and nonce code stay one.
// Frames the driver writes are taken apart into what the IP's FIFOs want, and what the FIFOs
// return is put back into the BM1387 replies the driver parses:
//  - commands: the frame without its CRC5, as little-endian words (the FPGA appends the CRC);
//  - work: [ext work id, nbits, ntime, merkle tail, midstate words H7..H0] per midstate group
//    (README "Work Transmit Interface FIFO"; bosminer io.rs:439-460);
//  - command replies: 2 words, [bytes 3..0], [CRC, 0, bytes 5..4] (README lines 233-250);
//  - nonces: 2 words, [nonce], [CRC, ext work id (16), solution (8)] (README lines 309-326); the
//    FPGA has already dropped replies with a bad CRC and counted them (ERR_COUNTER).
// Extended work ids: by default every midstate goes out as a 1-midstate work (CTRL_REG
// MIDSTATE_CNT = 0) under its own id, so a nonce names its job and midstate whatever the chip
// writes into its reply's midstate byte (sources differ on that byte, see the S9 definition's
// unverified list). With `midstates: 2 | 4` ids are spaced by the count and the midstate is
// the id's low bits, as bOSminer does (io/ext_work_id.rs:66-80).
import { EventEmitter } from 'node:events';
import { crc5 } from '../asic/crc.js';
import { decodeJob } from '../asic/job.js';
import { encodeNonceReply } from '../asic/nonce.js';
import { CHIP_PROFILES } from '../asic/profiles.js';
import { RESET_BAUD } from '../asic/registers.js';
import { TransportError, lineTimeMs, type SerialLink, type SerialLinkEvents } from './serial-link.js';
import {
  CMD, COMMON, CTRL, EXT_WORK_IDS, FIFO_CTRL, FIFO_STAT, FIFO_WORDS, S9IO_WINDOW_SIZE, WORK_RX, WORK_TX,
  baudOfRegister, baudRegister, s9ioUioName, versionMajor, versionModel, type S9ioWindow,
} from './s9io-registers.js';
import { UioDevice, uioIrqHub, type UioIrqHub } from './uio.js';

const BM1387 = CHIP_PROFILES.BM1387;
/** Command headers of the BM1387 (frame.ts Commands.bm1387): the IP's command FIFO takes these. */
const COMMAND_HEADERS = new Set([0x41, 0x48, 0x58, 0x44, 0x54, 0x55]);
const JOB_HEADER = 0x21;
/** Room the work FIFO must have before a work goes in: bOSminer's BIGGEST_WORK (io.rs:190-197). */
const BIGGEST_WORK_WORDS = 200;
/** Slow poll besides the interrupts: a missed edge costs at most this much latency. */
const SAFETY_POLL_MS = 100;
const ROOM_TIMEOUT_MS = 5000;

export interface S9ioLinkOptions {
  /** The hashboard connector (6–8 on an S9): the UIO devices are chain<N>-common etc. */
  connector: number;
  /** Where sys/class/uio and dev/ are ("/" on a board; a fixture tree in tests). */
  root?: string;
  /** Midstates per FPGA work (CTRL_REG.MIDSTATE_CNT): 1 (default) splits jobs; 2 or 4 as bOSminer. */
  midstates?: 1 | 2 | 4;
  irqHub?: UioIrqHub;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class S9ioChainLink extends EventEmitter<SerialLinkEvents> implements SerialLink {
  baudRate = RESET_BAUD;
  /** Nonces whose extended work id names no work sent through this link. */
  staleNonces = 0;
  private pending = new Uint8Array(0);
  private queue: Promise<void> = Promise.resolve();
  private nextExt = 0;
  /** Extended work id → (driver job id << 2 | midstate) + 1; 0 = none. */
  private readonly works = new Uint32Array(EXT_WORK_IDS);
  private closed = false;
  private readonly unhook: (() => void)[] = [];
  private readonly poll: ReturnType<typeof setInterval>;

  private constructor(
    private readonly dev: Record<S9ioWindow, UioDevice>,
    private readonly midstates: 1 | 2 | 4,
    hub: UioIrqHub,
  ) {
    super();
    for (const w of ['cmd-rx', 'work-rx'] as const) this.unhook.push(hub.on(dev[w].irqFd, () => this.takeReplies()));
    this.poll = setInterval(() => this.takeReplies(), SAFETY_POLL_MS);
    this.poll.unref();
  }

  /** Opens the connector's four UIO windows and initialises the IP as bOSminer does (io.rs:655-700). */
  static open(o: S9ioLinkOptions): S9ioChainLink {
    const root = o.root ?? '/';
    const midstates = o.midstates ?? 1;
    const opened: UioDevice[] = [];
    try {
      const dev = {} as Record<S9ioWindow, UioDevice>;
      for (const w of ['common', 'cmd-rx', 'work-rx', 'work-tx'] as const) opened.push((dev[w] = UioDevice.open(s9ioUioName(o.connector, w), root, S9IO_WINDOW_SIZE)));
      const c = dev.common;
      // Disabling the core resets every FIFO (README line 181); then the version check.
      c.write32(COMMON.CTRL_REG, 0);
      c.write32(COMMON.CTRL_REG, CTRL.ENABLE);
      const v = c.read32(COMMON.VERSION);
      if (versionModel(v) !== 0x09 || versionMajor(v) !== 1) throw new TransportError(`s9io IP version 0x${v.toString(16).padStart(8, '0')} is not the expected model 9, major 1 (Braiins OS s9io bitstream)`);
      c.write32(COMMON.CTRL_REG, CTRL.ENABLE | ((Math.log2(midstates) << CTRL.MIDSTATE_SHIFT) & CTRL.MIDSTATE_MASK));
      c.write32(COMMON.WORK_TIME, 1); // no gap of its own: the chain driver paces work at the line rate
      c.write32(COMMON.BAUD_REG, baudRegister(RESET_BAUD));
      dev['cmd-rx'].write32(CMD.CTRL_REG, FIFO_CTRL.RST_TX_FIFO | FIFO_CTRL.RST_RX_FIFO);
      dev['cmd-rx'].write32(CMD.CTRL_REG, FIFO_CTRL.IRQ_EN);
      dev['work-rx'].write32(WORK_RX.CTRL_REG, FIFO_CTRL.RST_RX_FIFO);
      dev['work-rx'].write32(WORK_RX.CTRL_REG, FIFO_CTRL.IRQ_EN);
      dev['work-tx'].write32(WORK_TX.IRQ_THR, FIFO_WORDS.workTx - BIGGEST_WORK_WORDS);
      dev['work-tx'].write32(WORK_TX.CTRL_REG, FIFO_CTRL.RST_TX_FIFO);
      const link = new S9ioChainLink(dev, midstates, o.irqHub ?? uioIrqHub());
      link.baudRate = baudOfRegister(baudRegister(RESET_BAUD));
      return link;
    } catch (e) {
      for (const d of opened) d.close();
      throw e instanceof TransportError ? e : new TransportError(`s9io chain ${o.connector}: ${(e as Error).message}`);
    }
  }

  /** Frames dropped by the FPGA for a bad CRC since the IP was enabled. */
  ipErrors(): number {
    return this.dev.common.read32(COMMON.ERR_COUNTER);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('s9io link closed'));
    const run = this.queue.then(() => this.take(bytes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Splits what arrived into whole frames (the driver may write several at once) and queues them. */
  private async take(bytes: Uint8Array): Promise<void> {
    const data = new Uint8Array(this.pending.length + bytes.length);
    data.set(this.pending);
    data.set(bytes, this.pending.length);
    let i = 0;
    try {
      while (data.length - i >= 2) {
        const len = data[i + 1]!;
        const head = data[i]!;
        if (head !== JOB_HEADER && !COMMAND_HEADERS.has(head)) throw new TransportError(`s9io: 0x${head.toString(16)} starts no BM1387 command or job frame`);
        if (data.length - i < len) break;
        const frame = data.subarray(i, i + len);
        if (head === JOB_HEADER) await this.sendWork(frame);
        else await this.sendCommand(frame);
        i += len;
      }
      this.pending = data.slice(i);
    } catch (e) {
      this.pending = new Uint8Array(0); // never stuck behind a bad frame
      throw e;
    }
  }

  private async sendCommand(frame: Uint8Array): Promise<void> {
    const n = frame.length - 1;
    if (frame.length < 5 || crc5(frame, 0, n) !== frame[n]) throw new TransportError('s9io: command frame with a bad length or CRC5');
    if (n % 4) throw new TransportError(`s9io: the IP takes commands of 4 or 8 bytes before the CRC, not ${n}`);
    const d = this.dev['cmd-rx'];
    for (let o = 0; o < n; o += 4) {
      await this.room(() => !(d.read32(CMD.STAT_REG) & FIFO_STAT.TX_FULL));
      d.write32(CMD.TX_FIFO, (frame[o]! | (frame[o + 1]! << 8) | (frame[o + 2]! << 16) | (frame[o + 3]! << 24)) >>> 0);
    }
  }

  private async sendWork(frame: Uint8Array): Promise<void> {
    const job = decodeJob(BM1387, frame);
    if (!job) throw new TransportError('s9io: job frame that does not decode (length, midstate count or CRC16)');
    const m = this.midstates;
    if (job.midstates.length % m) throw new TransportError(`s9io: a job of ${job.midstates.length} midstate(s) on an IP configured for ${m}`);
    const tail = job.merkleTail!;
    const tailWord = (tail[0]! | (tail[1]! << 8) | (tail[2]! << 16) | (tail[3]! << 24)) >>> 0;
    const d = this.dev['work-tx'];
    for (let g = 0; g < job.midstates.length; g += m) {
      const ext = this.nextExt;
      this.nextExt = (this.nextExt + m) % EXT_WORK_IDS;
      for (let k = 0; k < m; k++) this.works[ext + k] = ((job.jobId << 2) | (g + k)) + 1;
      const words = [ext, job.nbits >>> 0, job.ntime >>> 0, tailWord];
      for (let k = 0; k < m; k++) {
        const s = job.midstates[g + k]!;
        for (let w = 7; w >= 0; w--) words.push(s[w]! >>> 0);
      }
      // IRQ_PEND: fewer words queued than the threshold, i.e. room for the biggest work (io.rs:205-207).
      await this.room(() => (d.read32(WORK_TX.STAT_REG) & FIFO_STAT.IRQ_PEND) !== 0);
      for (const w of words) d.write32(WORK_TX.FIFO, w);
    }
  }

  private async room(free: () => boolean): Promise<void> {
    const t0 = performance.now();
    while (!free()) {
      if (this.closed) throw new TransportError('s9io link closed');
      if (performance.now() - t0 > ROOM_TIMEOUT_MS) throw new TransportError('s9io: transmit FIFO stayed full for 5 s (IP disabled or chain stalled)');
      await sleep(1);
    }
  }

  /** Empties both receive FIFOs into one chunk of BM1387 replies for the driver. */
  private takeReplies(): void {
    if (this.closed) return;
    const out: number[] = [];
    const rx = this.dev['work-rx'];
    for (let n = 0; n < FIFO_WORDS.workRx / 2 && !(rx.read32(WORK_RX.STAT_REG) & FIFO_STAT.RX_EMPTY); n++) {
      const nonce = rx.read32(WORK_RX.FIFO);
      const w2 = rx.read32(WORK_RX.FIFO);
      const ext = (w2 >>> 8) & 0xffff;
      const entry = this.works[ext]!;
      if (!entry) {
        this.staleNonces++;
        continue;
      }
      out.push(...encodeNonceReply(BM1387, { nonce, jobId: (entry - 1) >>> 2, slot: (entry - 1) & 3, versionField: 0 }));
    }
    const cmd = this.dev['cmd-rx'];
    for (let n = 0; n < FIFO_WORDS.cmdRx / 2 && !(cmd.read32(CMD.STAT_REG) & FIFO_STAT.RX_EMPTY); n++) {
      const w1 = cmd.read32(CMD.RX_FIFO);
      const w2 = cmd.read32(CMD.RX_FIFO);
      out.push(w1 & 0xff, (w1 >>> 8) & 0xff, (w1 >>> 16) & 0xff, w1 >>> 24, w2 & 0xff, (w2 >>> 8) & 0xff, w2 >>> 24);
    }
    rx.rearm();
    cmd.rearm();
    if (out.length) this.emit('data', Uint8Array.from(out), performance.now());
  }

  async setBaudRate(baud: number): Promise<void> {
    if (!(baud > 0)) throw new TransportError(`s9io: baud ${baud} is not a rate`);
    const reg = baudRegister(baud);
    this.dev.common.write32(COMMON.BAUD_REG, reg);
    this.baudRate = baudOfRegister(reg);
  }

  /** Resolves once both transmit FIFOs are empty and their last frame has left the UART. */
  async drain(): Promise<void> {
    await this.queue;
    const empty = () => (this.dev['cmd-rx'].read32(CMD.STAT_REG) & FIFO_STAT.TX_EMPTY) !== 0 && (this.dev['work-tx'].read32(WORK_TX.STAT_REG) & FIFO_STAT.TX_EMPTY) !== 0;
    await this.room(empty);
    await sleep(lineTimeMs(9, this.baudRate));
  }

  /** Drops queued work and commands and unread replies (the FIFO resets of README lines 286-292). */
  async flush(): Promise<void> {
    await this.queue;
    this.pending = new Uint8Array(0);
    this.dev['cmd-rx'].write32(CMD.CTRL_REG, FIFO_CTRL.IRQ_EN | FIFO_CTRL.RST_TX_FIFO | FIFO_CTRL.RST_RX_FIFO);
    this.dev['work-rx'].write32(WORK_RX.CTRL_REG, FIFO_CTRL.IRQ_EN | FIFO_CTRL.RST_RX_FIFO);
    this.dev['work-tx'].write32(WORK_TX.CTRL_REG, FIFO_CTRL.RST_TX_FIFO);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poll);
    for (const u of this.unhook) u();
    await this.queue;
    for (const d of Object.values(this.dev)) d.close();
    this.emit('close', null);
  }
}
