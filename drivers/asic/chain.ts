// The chain driver: brings one BM13xx chain up (reset, enumeration, chain inactive, addresses,
// the profile's init, frequency ramp, ticket mask, version rolling, baud switch), dispatches work
// through a job-id ring and takes nonces in: resync + CRC (ReplyParser), job lookup, version
// reconstruction, header rebuild, sha256d, classification. Knows nothing of pools: work carries
// its share and network targets and an opaque tag that comes back with each share.
import { EventEmitter } from 'node:events';
import { lineTimeMs, type SerialLink } from '../transport/serial-link.js';
import { popcount } from './bits.js';
import { chainInactive, readRegister, setAddress, writeRegister } from './frame.js';
import { relayWrites, type BringUpStep } from './bringup.js';
import { encodeJob, encodeJobInto, jobFrameLength, type ChipWork } from './job.js';
import type { ChipCounters, DispatchWork, FoundShare } from './work.js';
import { JobRing } from './job-ring.js';
import { NonceIntake } from './nonce-intake.js';
import { counterSpan, decodeRegisterReply, log2, spreadOffsets, sweepSeconds, type RegisterReply } from './nonce.js';
import { CORE_SLOTS, type ChipProfile } from './profiles.js';
import { RESET_BAUD, baudFromDivider, fastestDivider, encodePll, encodeTicketMask, solvePll, versionRollingRegister, pllFrequencyMHz } from './registers.js';
import { ReplyParser } from './reply.js';

export type { ChipCounters, DispatchWork, FoundShare } from './work.js';

export class ChainError extends Error {
  override readonly name = 'ChainError';
  constructor(
    readonly code: 'no-chips' | 'wrong-chip' | 'chip-count' | 'closed' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

export interface ChainDriverOptions {
  link: SerialLink;
  profile: ChipProfile;
  expectedChips: number;
  /** Distance between chip addresses (power of two); default 256 / nextpow2(expected chips). */
  addressStep?: number;
  frequencyMHz?: number;
  /** Power of two; the chips report hashes with at least 32 + log2(this) leading zero bits. */
  ticketDifficulty?: number;
  /** Emulated chains: each reported hash stands for 2^shift (the board profile's scale); 0 on hardware. */
  difficultyShift?: number;
  /** The line rate to switch to after init (0: stay at the reset rate; default the profile's fast rate). */
  baud?: number;
  /** The fastest rate the link carries (the board's link.baud): the driver picks the fastest chip
   * divider within tolerance of it. */
  maxBaud?: number;
  /** Version bits the header chips may roll (BIP320 0x1FFFE000 by default). */
  versionMask?: number;
  /** Drives the chain's reset line (GPIO): held = in reset. */
  reset?: (held: boolean) => Promise<void>;
  /** Silence that ends a broadcast read, ms. */
  replyTimeoutMs?: number;
  /** Frequency ramp: MHz per step and ms between steps (ESP-Miner: 6.25 MHz every 100 ms). */
  rampStepMHz?: number;
  rampIntervalMs?: number;
  /** Fail init unless every expected chip answers (default: mine with the chips found). */
  requireAllChips?: boolean;
  /** Work is replaced after this fraction of the chips' sweep time (default 0.5: timers run late). */
  refreshFraction?: number;
  /** Upper bound on the time between jobs, ms (header chips could otherwise wait minutes). */
  maxWorkIntervalMs?: number;
  log?: (line: string) => void;
}

export interface InitReport {
  found: number;
  expected: number;
  /** Position (0-based) of the first expected chip that did not answer; null when all did. */
  missingAt: number | null;
  addresses: number[];
  frequencyMHz: number;
  baud: number;
  workIntervalMs: number;
}

/** A reusable transmit buffer: the link may hold a written buffer until it has gone out. */
interface TxBuffer {
  buf: Uint8Array;
  /** The view last written, kept while the frame length stays the same (it does, job after job). */
  view: Uint8Array;
}

const noop = () => {};

export interface ChainDriverEvents<T> {
  share: [FoundShare<T>];
  hwerror: [{ chip: number; core: number; reason: 'ticket' }];
  closed: [Error | null];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nextPow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

export class ChainDriver<T = unknown> extends EventEmitter<ChainDriverEvents<T>> {
  readonly profile: ChipProfile;
  readonly chips: ChipCounters[] = [];
  readonly stats = { nonces: 0, hwErrors: 0, duplicates: 0, stale: 0, jobs: 0, crcErrors: 0, skippedBytes: 0 };
  private readonly link: SerialLink;
  private readonly parser: ReplyParser;
  private readonly ring: JobRing<T>;
  private readonly intake: NonceIntake<T>;
  /** Work objects this driver may still refer to: a caller that reuses them must wait this many dispatches. */
  readonly retainedWork: number;
  private jobIndex = 0;
  private ticketDifficulty: number;
  private collecting: ((r: RegisterReply) => void) | null = null;
  private startedAt = 0;
  private lastReplyAt = 0;
  private closed = false;
  /** The version mask the header chips were told to roll (0xA4). */
  private chipVersionMask = 0;
  /** Seconds after which the chips have searched a job completely. */
  private sweepS = 1;
  private sweep = { mhz: 0, span: 0, hcn: 0, key: -1 };
  /** CHIP_NONCE_OFFSET writes held for after the first job (the S21 Pro capture's order). */
  private pendingOffsets: Uint8Array[] | null = null;

  /**
   * The sweep time for the work being sent: `key` is its midstate count (midstate chips) or the
   * number of version bits the chips may roll (header chips); both can change with the work.
   */
  private updateSweep(key: number): void {
    const s = this.sweep;
    if (key === s.key || !s.mhz) return;
    s.key = key;
    const p = this.profile;
    this.sweepS = p.jobFormat === 'header' ? Math.max(1, 2 ** key / p.subCores) * (s.hcn / 25e6) : sweepSeconds(p, s.mhz, s.span, Math.max(1, key));
  }
  private readonly onData = (b: Uint8Array) => this.take(b);
  private readonly onClose = (e: Error | null) => {
    this.closed = true;
    this.emit('closed', e);
  };

  constructor(readonly opts: ChainDriverOptions) {
    super();
    this.profile = opts.profile;
    this.link = opts.link;
    this.parser = new ReplyParser(this.profile.framing, this.profile.initialReplyLength);
    this.ticketDifficulty = opts.ticketDifficulty ?? this.profile.defaultTicketDifficulty;
    this.ring = new JobRing<T>(this.profile.jobIds);
    this.retainedWork = JobRing.retained(this.profile.jobIds.length);
    this.intake = new NonceIntake<T>(this.profile, this.ring, this.stats, this.chips, {
      share: (found) => this.emit('share', found),
      hwError: (chip, core) => this.emit('hwerror', { chip, core, reason: 'ticket' }),
    });
    this.intake.ticketZeros = 32 + log2(this.ticketDifficulty) - (opts.difficultyShift ?? 0);
    this.link.on('data', this.onData);
    this.link.on('close', this.onClose);
  }

  /** The difficulty the chips report at (each valid nonce is that many diff-1 shares of work). */
  get ticket(): number {
    return this.ticketDifficulty;
  }

  get frequencyMHz(): number {
    return this.opts.frequencyMHz ?? this.profile.defaultFrequencyMHz;
  }

  /** When the frames written so far will have left, by the line rate (ms, performance.now()). */
  private txBusyUntil = 0;
  /** Bytes of the last job frame (its time on the wire sets the streaming pace). */
  private jobFrameBytes = 0;

  /** Bytes written whose write() has not completed. */
  txPendingBytes = 0;

  /** Milliseconds of written frames still waiting to go out at the line rate. */
  get txAheadMs(): number {
    return Math.max(0, this.txBusyUntil - performance.now());
  }

  /** One job frame's time on the wire, ms. */
  get jobFrameMs(): number {
    return lineTimeMs(this.jobFrameBytes, this.link.baudRate);
  }

  /**
   * Chips that finish a job within a few frame times (an S9's BM1387 sweeps 4 midstates in
   * ~3 ms; a frame takes ~1 ms at 1.5625 Mbaud) get their work streamed: each job is followed by
   * filler frames (reads of an address no chip has) that make it last exactly the work interval
   * on the wire, and a few such items are kept queued. The line, not the event loop, is the clock.
   */
  get streams(): boolean {
    return this.jobFrameBytes > 0 && this.sweepS * 1000 < 8 * this.jobFrameMs;
  }

  /** How often the chain needs fresh work, ms (line-clocked streams can cut it finer). */
  get workIntervalMs(): number {
    const fraction = this.opts.refreshFraction ?? (this.streams ? 0.9 : 0.5);
    return Math.max(1, Math.min(this.opts.maxWorkIntervalMs ?? 1000, this.sweepS * 1000 * fraction));
  }

  /** A read of address 0xFF: every chip forwards it, none answers (addresses are multiples of the step). */
  private filler: Uint8Array | null = null;

  /** Transmit buffers the link has given back, and those it still holds (in write order). */
  private readonly txFree: TxBuffer[] = [];
  private readonly txBusy: TxBuffer[] = [];

  /** The job frame, and in stream mode the fillers that stretch it to the work interval, written
   * into a transmit buffer the link gave back (allocated only while the link holds them all). */
  private frameFor(id: number, work: ChipWork): TxBuffer {
    const p = this.profile;
    const frameBytes = jobFrameLength(p, work);
    this.jobFrameBytes = frameBytes;
    let fillers = 0;
    let fillerBytes = 0;
    if (this.streams) {
      const filler = (this.filler ??= readRegister(p.framing, p.registers.chipId, 0xff));
      fillerBytes = filler.length;
      fillers = Math.max(0, Math.round((this.workIntervalMs - this.jobFrameMs) / lineTimeMs(fillerBytes, this.link.baudRate)));
    }
    const len = frameBytes + fillers * fillerBytes;
    let tx = this.txFree.pop();
    if (!tx || tx.buf.length < len) {
      const buf = new Uint8Array(Math.max(len, tx?.buf.length ?? 0));
      tx = { buf, view: buf.subarray(0, len) };
    }
    if (tx.view.length !== len) tx.view = tx.buf.subarray(0, len);
    const out = tx.buf;
    encodeJobInto(p, id, work, out, 0);
    for (let i = 0, at = frameBytes; i < fillers; i++, at += fillerBytes) out.set(this.filler!, at);
    return tx;
  }

  /** The oldest write completed (links complete writes in order): its buffer can be reused. */
  private readonly txDone = () => {
    const tx = this.txBusy.shift();
    if (!tx) return;
    this.txPendingBytes -= tx.view.length;
    // A few spare buffers cover what the scheduler queues ahead (txPendingBytes ≤ 4 KiB).
    if (this.txFree.length < 32) this.txFree.push(tx);
  };

  /** Register traffic one request at a time: init, and chip register access (sensors behind a chip). */
  private registerLock: Promise<unknown> = Promise.resolve();

  /** Distance between chip addresses on this chain (set by init). */
  get addressStep(): number {
    return this.intake.split.addressStep;
  }

  private locked<R>(f: () => Promise<R>): Promise<R> {
    const run = this.registerLock.then(f, f);
    this.registerLock = run.catch(() => undefined);
    return run;
  }

  /** Reads one chip's register (chip = chain position); used e.g. for an S9 chip's I2C master. */
  readChipRegister(chip: number, register: number, timeoutMs = 250): Promise<number> {
    return this.locked(
      () =>
        new Promise<number>((resolve, reject) => {
          const address = chip * this.addressStep;
          const timer = setTimeout(() => {
            this.collecting = null;
            reject(new ChainError('timeout', `chip ${chip} (address 0x${address.toString(16)}) did not answer a read of register 0x${register.toString(16)}`));
          }, timeoutMs);
          // BM1387 replies carry neither address nor register: the next register reply is the answer.
          this.collecting = (r) => {
            if (this.profile.framing !== 'bm1387' && (r.address !== address || r.register !== register)) return;
            clearTimeout(timer);
            this.collecting = null;
            resolve(r.value);
          };
          this.write(readRegister(this.profile.framing, register, address)).catch((e: unknown) => {
            clearTimeout(timer);
            this.collecting = null;
            reject(e);
          });
        }),
    );
  }

  writeChipRegister(chip: number, register: number, value: number): Promise<void> {
    return this.locked(() => this.write(writeRegister(this.profile.framing, register, value, chip * this.addressStep)));
  }

  /** Brings the chain up; throws ChainError when no chip (or, with requireAllChips, not every chip) answers. */
  init(): Promise<InitReport> {
    return this.locked(() => this.initUnlocked());
  }

  private async initUnlocked(): Promise<InitReport> {
    const p = this.profile;
    const f = p.framing;
    const o = this.opts;
    if (o.reset) {
      await o.reset(true);
      await sleep(100);
      await o.reset(false);
      await sleep(100);
    }
    if (this.link.baudRate !== RESET_BAUD) {
      // Without a reset line the chips are still at the fast rate: tell them to go back first.
      if (!o.reset) {
        await this.write(writeRegister(f, p.registers.baud, p.baudValue(26), 'all'));
        await this.link.drain();
        await sleep(20);
      }
      await this.link.setBaudRate(RESET_BAUD);
    }
    await this.link.flush();
    this.pendingOffsets = null;
    this.intake.openCoreIds.clear();
    this.intake.openCoreUntil = 0;
    this.parser.replyLength = p.initialReplyLength;
    const vr = p.registers.versionRolling;
    const mask = o.versionMask ?? 0x1fffe000;
    if (vr !== null) {
      // ESP-Miner writes 0xA4 three times before discovery: replies are full length from then on.
      for (let i = 0; i < 3; i++) await this.write(writeRegister(f, vr, versionRollingRegister(mask), 'all'));
      this.parser.replyLength = p.replyLength;
    }
    const ids = await this.broadcastRead(p.registers.chipId);
    const wrong = ids.find((r) => r.value >>> 16 !== p.chipId);
    if (wrong) throw new ChainError('wrong-chip', `expected ${p.name}, a chip answered CHIP_ID 0x${(wrong.value >>> 16).toString(16)}`);
    if (ids.length === 0) throw new ChainError('no-chips', `no ${p.name} answered on the chain (expected ${o.expectedChips})`);
    const found = ids.length;
    const step = o.addressStep ?? Math.max(1, 256 / nextPow2(o.expectedChips));
    if (found * step > 256) throw new ChainError('chip-count', `${found} chips do not fit the address space at step ${step}`);
    const addresses = Array.from({ length: found }, (_, i) => i * step);
    const state = { reachable: found, missingAt: null as number | null, mhz: 0, baud: this.link.baudRate };
    for (const s of p.bringUp.steps) await this.runStep(s, addresses, step, state);
    if (state.mhz === 0) state.mhz = pllFrequencyMHz(solvePll(this.frequencyMHz, p.pll.fbRange));
    if (p.jobFormat === 'header') {
      this.chipVersionMask = mask;
      this.updateSweep(popcount(mask & 0x1fffe000));
    } else {
      this.sweep = { mhz: state.mhz, span: counterSpan(p, this.intake.split, 0), hcn: 0, key: -1 };
      this.updateSweep(p.maxMidstates);
    }
    this.startedAt = this.lastReplyAt = performance.now();
    const reachable = state.reachable;
    return { found: reachable, expected: o.expectedChips, missingAt: state.missingAt, addresses: addresses.slice(0, reachable), frequencyMHz: state.mhz, baud: state.baud, workIntervalMs: this.workIntervalMs };
  }

  /** One step of the profile's bring-up (bringup.ts). */
  private async runStep(s: BringUpStep, addresses: number[], step: number, st: { reachable: number; missingAt: number | null; mhz: number; baud: number }): Promise<void> {
    const p = this.profile;
    const f = p.framing;
    const o = this.opts;
    switch (s.kind) {
      case 'broadcast':
        for (const w of s.writes) {
          // The ticket mask twice: a chip that missed it would report every diff-1 hash.
          if (w === 'ticket') for (let i = 0; i < 2; i++) await this.write(writeRegister(f, p.registers.ticketMask, encodeTicketMask(this.ticketDifficulty), 'all'));
          else await this.write(writeRegister(f, w[0], w[1], 'all'));
          await sleep(2);
        }
        await this.settle();
        return;
      case 'firstChip':
        for (const [reg, value] of s.writes) await this.write(writeRegister(f, reg, value, addresses[0]!));
        return;
      case 'address': {
        for (let i = 0; i < 3; i++) {
          await this.write(chainInactive(f));
          await sleep(5);
        }
        for (const a of addresses) await this.write(setAddress(f, a));
        // A second discovery confirms the addresses; the first that never answers names the break.
        const answered = new Set((await this.broadcastRead(p.registers.chipId)).map((r) => r.address));
        const firstSilent = addresses.findIndex((a) => !answered.has(a));
        st.reachable = firstSilent < 0 ? addresses.length : firstSilent;
        st.missingAt = st.reachable < o.expectedChips ? st.reachable : null;
        if (st.missingAt !== null) {
          const msg = `${p.name} chain: ${st.reachable} of ${o.expectedChips} chips answer; chip ${st.missingAt} (address 0x${(st.missingAt * step).toString(16)}) is the first missing`;
          if (o.requireAllChips) throw new ChainError('chip-count', msg);
          o.log?.(msg);
        }
        this.intake.split = { addressStep: step };
        if (p.nonceSplit === 'offset' && st.reachable > 1) {
          const offsets = spreadOffsets(st.reachable);
          this.intake.split = { addressStep: step, offsets };
          this.pendingOffsets = offsets.map((off, i) => writeRegister(f, p.registers.nonceOffset, (0x80000000 | off) >>> 0, addresses[i]!));
        }
        this.chips.length = 0;
        for (let i = 0; i < st.reachable; i++) this.chips.push({ nonces: 0, hwErrors: 0, duplicates: 0, cores: new Uint32Array(CORE_SLOTS) });
        return;
      }
      case 'perChip':
        for (let i = 0; i < st.reachable; i++) {
          for (const [reg, value] of s.writes) await this.write(writeRegister(f, reg, value, addresses[i]!));
          // Paced as stock firmware paces config writes: a burst of kilobytes overruns receive
          // buffers without flow control (a UART FIFO, a pty's line discipline) and frames are lost.
          if (i % 4 === 3) await this.settle();
        }
        await this.settle();
        return;
      case 'domains': {
        const d = p.bringUp.domains;
        if (!d || st.reachable <= d.size) return;
        for (let last = d.size - 1; last < st.reachable; last += d.size) for (const [reg, value] of d.lastChip) await this.write(writeRegister(f, reg, value, addresses[last]!));
        for (const [reg, value] of d.broadcast) await this.write(writeRegister(f, reg, value, 'all'));
        for (const r of relayWrites(d, st.reachable)) await this.write(writeRegister(f, d.relay.register, r.value, addresses[r.chip]!));
        await this.settle();
        return;
      }
      case 'baud':
        st.baud = await this.switchBaud(this.linkBaud());
        return;
      case 'pll':
        st.mhz = await this.setFrequency(this.frequencyMHz);
        return;
      case 'hashCounting': {
        // Each version batch ends after HCN ticks of 25 MHz: slice·25/f·0.5 less a guard (digest
        // §1.13; mujina's floor(slice·REFDIV·PD1·PD2 / (2·FBDIV)), ESP-Miner's errata margin).
        const mhz = st.mhz || pllFrequencyMHz(solvePll(this.frequencyMHz, p.pll.fbRange));
        const span0 = counterSpan(p, this.intake.split, 0);
        const hcn = Math.max(1, Math.floor((span0 * 25) / mhz / 2) - 200);
        await this.write(writeRegister(f, p.registers.hashCountingNumber, hcn, 'all'));
        this.sweep = { mhz, span: span0, hcn, key: -1 };
        return;
      }
      case 'versionMask': {
        const vr = p.registers.versionRolling;
        if (vr !== null) await this.write(writeRegister(f, vr, versionRollingRegister(o.versionMask ?? 0x1fffe000), 'all'));
        await this.settle();
        return;
      }
      case 'openCore':
        await this.openCores(s.jobs);
        return;
    }
  }

  /**
   * Null jobs that open the core blocks GATE_BLOCK holds shut: nbits 0xFFFFFFFF (bit 0 set), zero
   * midstates and merkle tail, one per core (bOSminer `send_init_work` + `null_work::prepare_opencore`).
   * They sit in the job ring marked as null work, so that late replies to them are dropped.
   */
  private async openCores(jobs: number): Promise<void> {
    const p = this.profile;
    const zero = new Uint8Array(32);
    const midstates = Array.from({ length: p.maxMidstates }, () => ({ version: 0, state: new Uint32Array(8) }));
    const work: ChipWork = { version: 0, versionMask: 0, prevHash: zero, merkleRoot: zero, ntime: 0, nbits: 0xffffffff, midstates };
    for (let i = 0; i < jobs; i++) {
      const id = p.jobIds[i % p.jobIds.length]!;
      this.ring.set(id, { ...work, shareTarget: zero, networkTarget: zero, tag: undefined as T }, true);
      await this.write(encodeJob(p, id, work));
      if (i % 8 === 7) await this.settle();
    }
    await this.settle();
    // Real work continues after the open-core ids: a late reply to one must not meet new work. A
    // socket or pty can hold replies for a while after the ids came round again (RING_HISTORY).
    this.jobIndex = jobs % p.jobIds.length;
    for (let i = 0; i < jobs; i++) this.intake.openCoreIds.add(p.jobIds[i % p.jobIds.length]!);
    this.intake.openCoreUntil = performance.now() + 2000;
  }

  /** The line rate to mine at: the profile's fast rate, or less when the link carries less. */
  private linkBaud(): number {
    const target = this.opts.baud ?? this.profile.fastBaud;
    const max = this.opts.maxBaud;
    return max !== undefined && max > 0 ? Math.min(target, max) : target;
  }

  /** Sets the PLL per the profile's policy (ramp or once); returns the frequency reached. */
  private async setFrequency(toMHz: number): Promise<number> {
    const p = this.profile;
    const policy = p.bringUp.pll;
    const step = this.opts.rampStepMHz ?? 6.25;
    const interval = this.opts.rampIntervalMs ?? 100;
    const from = policy.rampFromMHz;
    let f = from ?? toMHz;
    let reached = f;
    do {
      f = from !== null && interval > 0 ? Math.min(toMHz, f + step) : toMHz;
      const d = solvePll(f, p.pll.fbRange);
      reached = pllFrequencyMHz(d);
      const pll = writeRegister(p.framing, p.registers.pll, encodePll(p.pll.layout, d), 'all');
      if (policy.preWrite) {
        const pre = writeRegister(p.framing, policy.preWrite[0], policy.preWrite[1], 'all');
        await this.write(pre);
        await this.write(pre);
        await this.write(pll);
      }
      await this.write(pll);
      if (from !== null && interval > 0) await sleep(interval);
    } while (f < toMHz);
    await this.settle();
    return reached;
  }

  /**
   * Switches chips and host to the fastest divider whose rate is within the link's tolerance of
   * `target` (5 %, bOSminer's MAX_BAUD_RATE_ERR_PERC, lib.rs:1772): a link that carries 1.5 Mbaud
   * (FTDI) gets divider 1 (1.5625 Mbaud), one that carries 3.0 Mbaud (AM335x 48 MHz/16) divider 0.
   */
  private async switchBaud(target: number): Promise<number> {
    if (!target) return this.link.baudRate;
    const div = fastestDivider(target);
    const baud = Math.round(baudFromDivider(div));
    if (Math.abs(baud - this.link.baudRate) < 1) return this.link.baudRate;
    await this.write(writeRegister(this.profile.framing, this.profile.registers.baud, this.profile.baudValue(div), 'all'));
    await this.link.drain();
    await sleep(20);
    await this.link.setBaudRate(baud);
    await this.link.flush();
    return this.link.baudRate;
  }

  /** Waits until what was written has left (and a moment for the far end to take it in). */
  private async settle(): Promise<void> {
    await this.link.drain();
    await sleep(1);
  }

  private async write(frame: Uint8Array): Promise<void> {
    if (this.closed) throw new ChainError('closed', 'the chain link is closed');
    await this.link.write(frame);
  }

  /** Broadcast read: every reply until the line has been silent for the reply timeout. */
  private async broadcastRead(register: number): Promise<RegisterReply[]> {
    const got: RegisterReply[] = [];
    const timeout = this.opts.replyTimeoutMs ?? 300;
    let last = performance.now();
    this.collecting = (r) => {
      if (r.register === register || this.profile.framing === 'bm1387') {
        got.push(r);
        last = performance.now();
      }
    };
    await this.write(readRegister(this.profile.framing, register, 'all'));
    await this.link.drain();
    last = performance.now();
    while (performance.now() - last < timeout) await sleep(Math.min(20, timeout / 4));
    this.collecting = null;
    return got;
  }

  // ---- work ---------------------------------------------------------------------------------

  /**
   * Sends work to every chip under the next job id; returns that id. The driver keeps a reference
   * to `work` for `retainedWork` further dispatches (late replies): a caller that reuses work
   * objects must not touch one sooner. Allocates nothing once the transmit buffers exist.
   */
  dispatch(work: DispatchWork<T>): number {
    const p = this.profile;
    const id = p.jobIds[this.jobIndex]!;
    this.jobIndex = (this.jobIndex + 1) % p.jobIds.length;
    this.ring.set(id, work);
    // The hash rate counts from the first work, not from the end of init.
    if (this.stats.jobs++ === 0) this.startedAt = performance.now();
    if (this.closed) return id;
    const vr = p.registers.versionRolling;
    if (vr !== null && (work.versionMask & 0x1fffe000) !== (this.chipVersionMask & 0x1fffe000)) {
      // The pool's mask changed: the chips must roll only what it allows (ESP-Miner rewrites 0xA4 too).
      this.chipVersionMask = work.versionMask;
      this.link.write(writeRegister(p.framing, vr, versionRollingRegister(work.versionMask), 'all')).catch(noop);
    }
    this.updateSweep(p.jobFormat === 'header' ? popcount(work.versionMask & 0x1fffe000) : (work.midstates?.length ?? 1));
    const tx = this.frameFor(id, work);
    const bytes = tx.view;
    // Bytes handed to the link and not yet taken by it: a tty slower than its nominal rate (QEMU's
    // serial models) must not let queued work grow without bound.
    this.txPendingBytes += bytes.length;
    this.txBusy.push(tx);
    this.link.write(bytes).then(this.txDone, this.txDone);
    if (this.pendingOffsets) {
      // The stock S21 Pro sends one job, then each chip's nonce offset (mujina REFERENCE.md step 11).
      for (const w of this.pendingOffsets) this.link.write(w).catch(noop);
      this.pendingOffsets = null;
    }
    const now = performance.now();
    this.txBusyUntil = Math.max(now, this.txBusyUntil) + lineTimeMs(bytes.length, this.link.baudRate);
    return id;
  }

  /** Drops every job in the ring (a new block): late nonces for them count as stale, not as errors. */
  invalidateAll(): void {
    this.ring.clear();
    // Queued stream work is for the old block: drop what the link can still take back.
    if (this.streams && this.txAheadMs > 0) {
      this.txBusyUntil = performance.now();
      this.link.flush().catch(noop);
    }
  }

  // ---- nonces -------------------------------------------------------------------------------

  private take(bytes: Uint8Array): void {
    const c0 = this.parser.crcErrors;
    const s0 = this.parser.skipped;
    const replies = this.parser.push(bytes);
    this.stats.crcErrors += this.parser.crcErrors - c0;
    this.stats.skippedBytes += this.parser.skipped - s0;
    if (replies.length) this.lastReplyAt = performance.now();
    for (const r of replies) {
      if (r.isNonce) this.intake.take(r.body);
      else this.collecting?.(decodeRegisterReply(this.profile, r.body));
    }
  }

  /** One nonce reply body through the intake (nonce-intake.ts). */
  nonce(body: Uint8Array): void {
    this.intake.take(body);
  }

  /** Estimated hash rate (H/s) of chip `i`, or of the chain, from valid nonces since init. */
  hashrate(i?: number): number {
    const secs = (performance.now() - this.startedAt) / 1000;
    if (secs <= 0) return 0;
    const n = i === undefined ? this.stats.nonces : (this.chips[i]?.nonces ?? 0);
    return (n * this.ticketDifficulty * 2 ** 32) / secs;
  }

  /** Milliseconds since the chain last said anything. */
  get silentForMs(): number {
    return performance.now() - this.lastReplyAt;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    this.link.off('data', this.onData);
    this.link.off('close', this.onClose);
    this.closed = true;
    this.ring.clear();
  }
}
