// The Braiins s9io FPGA IP (AXI BM13xx) as a register model in front of the chip-chain
// emulator, standing behind files that take the place of its four /dev/uioN windows, so the
// agent's real UIO path (the native addon's mmap, loads and stores, interrupt reads) runs.
// Behaviour from braiins-os open/hw/zynq-io-am1-s9/README.md (commit 3c1a16f9):
//  - CTRL_REG enable/midstate count, disable resets every FIFO (lines 158-181);
//  - BAUD_REG on the 50 MHz clock (188-201); ERR_COUNTER counts replies dropped for CRC (226-228);
//  - command TX words → frame + CRC5 (253-279); command/work RX word formats (233-250, 309-326);
//  - work TX format, ext work id, 7 bits of it sent to the chip (354-376); LAST_ID (407-409);
//  - status bits and the IRQ conditions (295-435).
// Modelled by inference [inf], not from the sources: frames go out on one line in the order their
// last word was pushed (the README gives the IP's work/command arbitration only in prose, and
// WORK_TIME gaps are not added); replies are routed to the work FIFO by the BM1387 nonce flag
// (bit 7 of the last byte); a 7-bit chip work id is extended to the newest ext id sent with
// those low bits, where LAST_ID is the last work delivered at the chips' end of the wire (the
// README: "last work ID send to ASICs"), and frames count as FIFO words until delivered (so
// the transmit FIFOs fill and push back as the real ones do); one ERR_COUNTER step per
// (started) 7 bytes the reply parser discarded.
import { closeSync, constants, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { crc5 } from '../../drivers/asic/crc.js';
import { encodeJob } from '../../drivers/asic/job.js';
import { CHIP_PROFILES } from '../../drivers/asic/profiles.js';
import { ReplyParser } from '../../drivers/asic/reply.js';
import { hashagentIo, type HashagentIo, type Mapping } from '../../drivers/native/hashagent-io.js';
import type { SerialLink } from '../../drivers/transport/serial-link.js';
import { linkedPair } from '../../drivers/transport/in-process-link.js';
import { RESET_BAUD } from '../../drivers/asic/registers.js';
import {
  CHIP_WORK_ID_MASK, CMD, COMMON, CTRL, FIFO_CTRL, FIFO_STAT, FIFO_WORDS, S9IO_VERSION, S9IO_WINDOWS, S9IO_WINDOW_SIZE, WORK_RX, WORK_TX,
  baudOfRegister, s9ioUioName, type S9ioWindow,
} from '../../drivers/transport/s9io-registers.js';
import { observeUioFile } from '../../drivers/transport/uio.js';

const BM1387 = CHIP_PROFILES.BM1387;
const BUILD_ID = 1_700_000_000; // a plausible bitstream timestamp (bosminer's seems_legit, io.rs:78-81)

/** Files standing in for UIO devices: sys/class/uio/uioN/{name,maps/map0/size}, dev/uioN and its dev/uioN.irq FIFO. */
export function createUioStandIns(root: string, names: readonly string[], first = 0): Map<string, { dev: string; irq: string }> {
  const out = new Map<string, { dev: string; irq: string }>();
  mkdirSync(join(root, 'dev'), { recursive: true });
  names.forEach((name, i) => {
    const n = `uio${first + i}`;
    const sys = join(root, 'sys/class/uio', n);
    mkdirSync(join(sys, 'maps/map0'), { recursive: true });
    writeFileSync(join(sys, 'name'), `${name}\n`);
    writeFileSync(join(sys, 'maps/map0/size'), `0x${S9IO_WINDOW_SIZE.toString(16)}\n`);
    const dev = join(root, 'dev', n);
    writeFileSync(dev, Buffer.alloc(S9IO_WINDOW_SIZE));
    execFileSync('mkfifo', [`${dev}.irq`]);
    out.set(name, { dev, irq: `${dev}.irq` });
  });
  return out;
}

interface Window {
  map: Mapping;
  fd: number;
  irq: number;
  release: () => void;
}

export class EmulatedS9io {
  private ctrl = 0;
  private baudReg = 0;
  private workTime = 1;
  errors = 0;
  private readonly cmdRx: number[] = [];
  private readonly workRx: number[] = [];
  private cmdTx: number[] = [];
  private workTx: number[] = [];
  private cmdCtrl = 0;
  private workRxCtrl = 0;
  private workTxCtrl = 0;
  private irqThr = 0;
  private lastId = 0;
  /** Frames taken from the FIFOs and not yet delivered at the chips' end, in order: they still
   * occupy their FIFO (status, backpressure), and a work's ext id becomes LAST_ID on delivery. */
  private readonly inFlight: { fifo: 'cmd' | 'work'; words: number; ext: number }[] = [];
  /** The IP's UART (host end) and the chips' end of the wire. */
  private readonly line: SerialLink;
  readonly chipEnd: SerialLink;
  private readonly parser = new ReplyParser('bm1387', 7);
  private readonly win = {} as Record<S9ioWindow, Window>;
  /** Frames the IP put on the chain's line (for tests). */
  readonly sent = { commands: 0, works: 0 };

  constructor(
    root: string,
    readonly connector: number,
    /** Whether the wire to the chips takes its time at the line rate (as a real one does). */
    paced = true,
    private readonly io: HashagentIo = hashagentIo(),
  ) {
    [this.line, this.chipEnd] = linkedPair(RESET_BAUD, { paced });
    // Listening before the chain emulator attaches: a frame counts as sent before a chip acts on it.
    this.chipEnd.on('data', this.onDelivered);
    const files = createUioStandIns(root, S9IO_WINDOWS.map((w) => s9ioUioName(connector, w)), (connector - 1) * 4);
    for (const w of S9IO_WINDOWS) {
      const f = files.get(s9ioUioName(connector, w))!;
      const fd = io.open(f.dev, true);
      const irq = openSync(f.irq, constants.O_RDWR | constants.O_NONBLOCK);
      const release = observeUioFile(f.dev, { beforeRead: (o) => this.beforeRead(w, o), afterWrite: (o, v) => this.afterWrite(w, o, v) });
      this.win[w] = { map: io.mmap(fd, S9IO_WINDOW_SIZE, 0), fd, irq, release };
    }
    this.line.on('data', this.onReplies);
    this.sync();
  }

  private get enabled(): boolean {
    return (this.ctrl & CTRL.ENABLE) !== 0;
  }

  private get midstates(): number {
    return 1 << ((this.ctrl & CTRL.MIDSTATE_MASK) >> CTRL.MIDSTATE_SHIFT);
  }

  private put(w: S9ioWindow, offset: number, value: number): void {
    this.io.write32(this.win[w].map, offset, value >>> 0);
  }

  /** Writes every readable register the way the IP would show it now. */
  private sync(): void {
    this.put('common', COMMON.VERSION, S9IO_VERSION);
    this.put('common', COMMON.BUILD_ID, BUILD_ID);
    this.put('common', COMMON.CTRL_REG, this.ctrl & ~CTRL.ERR_CNT_CLEAR);
    this.put('common', COMMON.STAT_REG, 0);
    this.put('common', COMMON.BAUD_REG, this.baudReg);
    this.put('common', COMMON.WORK_TIME, this.workTime);
    this.put('common', COMMON.ERR_COUNTER, this.errors);
    const cmdPend = this.cmdRx.length > 0;
    this.put('cmd-rx', CMD.CTRL_REG, this.cmdCtrl & FIFO_CTRL.IRQ_EN);
    const cmdTx = this.queued('cmd') + this.cmdTx.length;
    const workTx = this.queued('work') + this.workTx.length;
    this.put('cmd-rx', CMD.STAT_REG, (cmdPend ? FIFO_STAT.IRQ_PEND : FIFO_STAT.RX_EMPTY) | (cmdTx ? 0 : FIFO_STAT.TX_EMPTY) | (cmdTx >= FIFO_WORDS.cmdTx ? FIFO_STAT.TX_FULL : 0) | (this.cmdRx.length >= FIFO_WORDS.cmdRx ? FIFO_STAT.RX_FULL : 0));
    this.put('cmd-rx', CMD.RX_FIFO, this.cmdRx[0] ?? 0);
    this.put('work-rx', WORK_RX.CTRL_REG, this.workRxCtrl & FIFO_CTRL.IRQ_EN);
    this.put('work-rx', WORK_RX.STAT_REG, (this.workRx.length ? FIFO_STAT.IRQ_PEND : FIFO_STAT.RX_EMPTY) | (this.workRx.length >= FIFO_WORDS.workRx ? FIFO_STAT.RX_FULL : 0));
    this.put('work-rx', WORK_RX.FIFO, this.workRx[0] ?? 0);
    this.put('work-tx', WORK_TX.CTRL_REG, this.workTxCtrl & FIFO_CTRL.IRQ_EN);
    this.put('work-tx', WORK_TX.STAT_REG, (workTx < this.irqThr ? FIFO_STAT.IRQ_PEND : 0) | (workTx ? 0 : FIFO_STAT.TX_EMPTY) | (workTx >= FIFO_WORDS.workTx ? FIFO_STAT.TX_FULL : 0));
    this.put('work-tx', WORK_TX.IRQ_THR, this.irqThr);
    this.put('work-tx', WORK_TX.LAST_ID, this.lastId);
  }

  private beforeRead(w: S9ioWindow, offset: number): void {
    // A FIFO read takes the head word: it is in place for this load, then the next one moves up.
    if (w === 'cmd-rx' && offset === CMD.RX_FIFO) this.pop(this.cmdRx, 'cmd-rx', CMD.RX_FIFO);
    else if (w === 'work-rx' && offset === WORK_RX.FIFO) this.pop(this.workRx, 'work-rx', WORK_RX.FIFO);
  }

  private pop(q: number[], w: S9ioWindow, offset: number): void {
    this.put(w, offset, q.shift() ?? 0);
    // The register keeps the word just read until this load is done; status follows the queue.
    const keep = this.io.read32(this.win[w].map, offset);
    this.sync();
    this.put(w, offset, keep);
  }

  private afterWrite(w: S9ioWindow, offset: number, value: number): void {
    if (w === 'common') {
      if (offset === COMMON.CTRL_REG) {
        if (value & CTRL.ERR_CNT_CLEAR) this.errors = 0;
        const was = this.enabled;
        this.ctrl = value & (CTRL.BM139X | CTRL.ENABLE | CTRL.MIDSTATE_MASK);
        if (was !== this.enabled) this.resetFifos();
      } else if (offset === COMMON.BAUD_REG) {
        this.baudReg = value & 0xfff;
        void this.line.setBaudRate(baudOfRegister(this.baudReg));
      } else if (offset === COMMON.WORK_TIME) this.workTime = value & 0xffffff;
    } else if (w === 'cmd-rx') {
      if (offset === CMD.TX_FIFO) this.pushCommandWord(value);
      else if (offset === CMD.CTRL_REG) {
        if (value & FIFO_CTRL.RST_TX_FIFO) this.cmdTx = [];
        if (value & FIFO_CTRL.RST_RX_FIFO) this.cmdRx.length = 0;
        this.cmdCtrl = value & FIFO_CTRL.IRQ_EN;
      }
    } else if (w === 'work-rx') {
      if (offset === WORK_RX.CTRL_REG) {
        if (value & FIFO_CTRL.RST_RX_FIFO) this.workRx.length = 0;
        this.workRxCtrl = value & FIFO_CTRL.IRQ_EN;
      }
    } else if (offset === WORK_TX.FIFO) this.pushWorkWord(value);
    else if (offset === WORK_TX.CTRL_REG) {
      if (value & FIFO_CTRL.RST_TX_FIFO) this.workTx = [];
      this.workTxCtrl = value & FIFO_CTRL.IRQ_EN;
    } else if (offset === WORK_TX.IRQ_THR) this.irqThr = value;
    // Stores to read-only registers (FIFO read ports, status) do nothing on the IP.
    this.sync();
  }

  private resetFifos(): void {
    this.cmdRx.length = 0;
    this.workRx.length = 0;
    this.cmdTx = [];
    this.workTx = [];
  }

  private pushCommandWord(v: number): void {
    if (!this.enabled) return;
    this.cmdTx.push(v);
    const len = (this.cmdTx[0]! >>> 8) & 0xff; // the frame's LEN byte (with CRC)
    if (len < 5 || this.cmdTx.length * 4 < len - 1) return;
    const bytes = new Uint8Array(len);
    this.cmdTx.forEach((w, i) => {
      for (let b = 0; b < 4 && 4 * i + b < len - 1; b++) bytes[4 * i + b] = (w >>> (8 * b)) & 0xff;
    });
    bytes[len - 1] = crc5(bytes, 0, len - 1);
    this.inFlight.push({ fifo: 'cmd', words: this.cmdTx.length, ext: -1 });
    this.cmdTx = [];
    this.sent.commands++;
    void this.line.write(bytes).catch(() => undefined);
  }

  private pushWorkWord(v: number): void {
    if (!this.enabled) return;
    this.workTx.push(v);
    const m = this.midstates;
    if (this.workTx.length < 4 + 8 * m) return;
    const [ext, nbits, ntime, tail] = this.workTx as [number, number, number, number];
    const midstates = Array.from({ length: m }, (_, k) => {
      const state = new Uint32Array(8);
      for (let i = 0; i < 8; i++) state[7 - i] = this.workTx[4 + 8 * k + i]!;
      return { version: 0, state };
    });
    this.workTx = [];
    const merkleRoot = new Uint8Array(32);
    merkleRoot.set([tail & 0xff, (tail >>> 8) & 0xff, (tail >>> 16) & 0xff, tail >>> 24], 28);
    const frame = encodeJob(BM1387, ext & CHIP_WORK_ID_MASK, { version: 0, versionMask: 0, prevHash: new Uint8Array(32), merkleRoot, ntime, nbits, midstates });
    this.inFlight.push({ fifo: 'work', words: 4 + 8 * m, ext: ext & 0xffff });
    this.sent.works++;
    void this.line.write(frame).catch(() => undefined);
  }

  private queued(fifo: 'cmd' | 'work'): number {
    let n = 0;
    for (const f of this.inFlight) if (f.fifo === fifo) n += f.words;
    return n;
  }

  /** One frame written is one chunk delivered (the in-process wire keeps writes whole and in order). */
  private readonly onDelivered = (): void => {
    const f = this.inFlight.shift();
    if (!f) return;
    if (f.fifo === 'work') this.lastId = f.ext; // LAST_ID: the last work sent to the chips
    this.sync();
    if (f.fifo === 'work' && this.workTxCtrl & FIFO_CTRL.IRQ_EN && this.queued('work') < this.irqThr) this.irq('work-tx');
  };

  private readonly onReplies = (bytes: Uint8Array): void => {
    const skipped = this.parser.skipped;
    for (const r of this.parser.push(bytes)) {
      const b = r.body;
      const w1 = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
      if (r.isNonce) {
        const chipId = b[5]! & CHIP_WORK_ID_MASK;
        const ext = (this.lastId - ((this.lastId - chipId) & CHIP_WORK_ID_MASK)) & 0xffff;
        this.receive(this.workRx, FIFO_WORDS.workRx, [w1, ((b[6]! << 24) | (ext << 8) | b[4]!) >>> 0], 'work-rx', this.workRxCtrl);
      } else this.receive(this.cmdRx, FIFO_WORDS.cmdRx, [w1, ((b[6]! << 24) | (b[5]! << 8) | b[4]!) >>> 0], 'cmd-rx', this.cmdCtrl);
    }
    this.errors += Math.ceil((this.parser.skipped - skipped) / 7);
    this.sync();
  };

  private receive(q: number[], depth: number, words: number[], w: S9ioWindow, ctrl: number): void {
    if (!this.enabled || q.length + words.length > depth) return; // a full FIFO drops the reply
    q.push(...words);
    if (ctrl & FIFO_CTRL.IRQ_EN) this.irq(w);
  }

  /** Raises the window's interrupt: one event count on its stand-in's FIFO. */
  private irq(w: S9ioWindow): void {
    try {
      writeSync(this.win[w].irq, Buffer.from([1, 0, 0, 0]));
    } catch {
      // The FIFO is full: an interrupt is already pending.
    }
  }

  close(): void {
    this.line.off('data', this.onReplies);
    this.chipEnd.off('data', this.onDelivered);
    void this.line.close();
    for (const w of Object.values(this.win)) {
      w.release();
      this.io.munmap(w.map);
      this.io.close(w.fd);
      closeSync(w.irq);
    }
  }
}
