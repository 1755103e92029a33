// An emulated hash chain: N BM13xx chips behind one serial line, byte-exact on the wire. It
// parses what the host sends as chips do (CRC-checked, bad frames dropped), answers register reads
// in chain order, takes addresses after chain-inactive, switches its line rate when told, and
// hashes for real: SHA-256 midstate continuation (BM1387/BM1397) or the full header with in-chip
// version rolling (BM1362+). Only the difficulty is scaled: every hash it computes stands for
// 2^shift hashes of the real chip, so it samples one point in 2^shift of the chip's search space
// and reports those that pass a ticket 2^shift times easier. Nonce rates, job lifetimes and
// duplicates after an exhausted search space therefore match the real chain.
import { EventEmitter } from 'node:events';
import { finishFromMidstate, sha256Of32 } from '../../agent/bitcoin/index.js';
import { putLe32 as putLe } from '../../agent/bitcoin/bytes.js';
import { bitPositions, depositBits } from '../../drivers/asic/bits.js';
import type { ChipProfile } from '../../drivers/asic/profiles.js';
import { composeNonce, counterSpan, type NonceSplit } from '../../drivers/asic/nonce.js';
import { HostFrameReader, nonceReplyBody, registerReplyBody, replyPreamble, type ChipCommand, type WireJob } from './chip-wire.js';
import { sha256d } from '../../agent/bitcoin/hash.js';
import { leadingZeroBits } from '../../agent/bitcoin/target.js';
import { CLKI_HZ, RESET_BAUD, baudFromDivider, decodeTicketMask, versionMaskFromRegister } from '../../drivers/asic/registers.js';
import { CHIP_RULES, INV_CLKO_REACH, lockedMHz, type ChipRules } from './chip-rules.js';
import { lineTimeMs, type SerialLink } from '../../drivers/transport/serial-link.js';
import type { EmulatedI2cBus } from './i2c-bus.js';
import { I2cMasterModel } from './i2c-master-model.js';

/** BM1387 register 0x20, "general I2C command": the chip-hosted I2C master (bOSminer
 * braiins-os bm1387/i2c.rs; digest asic-hardware.md §1 register table and §3.2). */
const I2C_COMMAND_REGISTER = 0x20;

/** How far ahead of the wall clock a paced line's arrivals may run. */
const MAX_LINE_LEAD_MS = 250;

export interface EmulatedChainOptions {
  profile: ChipProfile;
  chips: number;
  /** Every emulated hash stands for 2^shift real ones (the board profile's difficulty scale). */
  difficultyShift: number;
  /** Multiplies the chips' nominal rate (frequency × hashes per clock); 1 = the real chip. */
  hashrateScale?: number;
  /** How often the chips hash and report, ms. */
  tickMs?: number;
  /** The link has no line rate of its own (socket and pty links): replies leave at the line rate
   * and each command counts as arrived when a UART would have delivered its last byte. In-process
   * links pace themselves and stamp arrivals. */
  paceLine?: boolean;
  /** The board around the chain (board/emulated/board-model.ts): supply and reset gate the chips,
   * and the chain reports the power it draws. Without it the chain is always powered. */
  board?: { isPowered(): boolean; inReset(): boolean; setLoad(watts: number): void; wattsAtNominal: number; nominal: number };
  /** A chip whose own I2C master drives a bus of the board (S9: chip 61, its TMP451): writes of
   * its I2C command register start a transfer on `bus`, reads of it return the master's state. */
  i2cMaster?: { chip: number; bus: EmulatedI2cBus };
  /** Chips per voltage domain on a multi-domain board (S21 Pro: 5): above the reset rate a domain
   * boundary passes the line only once it is configured (mujina REFERENCE.md "The Serial Chain"). */
  domainSize?: number;
}

export interface ChainFaults {
  /** Probability that a reply leaves with a corrupted byte (its CRC then fails). */
  crcNoise: number;
  /** Probability that a burst of random bytes precedes a reply. */
  garbage: number;
  /** Extra delay of nonce replies, ms. */
  lateMs: number;
}

interface ChipJob {
  job: WireJob;
  startedAt: number;
  /** Random phase in [0, 1): sample j is search position (j + phase)·stride, reached at that time. */
  phase: number;
  /** Samples hashed so far. */
  sample: number;
}

class EmulatedChip {
  address: number | null = 0;
  /** Set by chain-inactive: the chip waits for set-address and forwards until then. */
  registers = new Map<number, number>();
  job: ChipJob | null = null;
  dead = false;
  hashing = true;
  nonces = 0;
  /** CORE_MAILBOX words taken since the last soft reset. */
  coreWords = new Set<number>();
  /** Core blocks opened by work with nbits bit 0 while GATE_BLOCK is set (BM1387). */
  openCores = 0;
  constructor(readonly index: number) {}
}

export interface EmulatedChainStats {
  /** Hashes actually computed. */
  hashes: number;
  /** Nonce replies sent. */
  nonces: number;
  /** Samples taken after a chip had finished its job's whole search space (it re-hashes). */
  rehashed: number;
  /** Host frames dropped for a bad CRC. */
  crcErrors: number;
  jobs: number;
}

export class EmulatedChain extends EventEmitter<{ job: [number]; nonce: [{ chip: number; nonce: number }] }> {
  readonly profile: ChipProfile;
  readonly chips: EmulatedChip[];
  readonly faults: ChainFaults = { crcNoise: 0, garbage: 0, lateMs: 0 };
  readonly stats: EmulatedChainStats = { hashes: 0, nonces: 0, rehashed: 0, crcErrors: 0, jobs: 0 };
  private parser: HostFrameReader;
  private baud = RESET_BAUD;
  private replyLength: number;
  private timer: NodeJS.Timeout | null = null;
  private outBusyUntil = 0;
  private inBusyUntil = 0;
  private powered = true;
  private readonly stride: number;
  private readonly header = new Uint8Array(80);
  private readonly tail = new Uint8Array(16);
  private readonly digest = new Uint8Array(32);
  private readonly onData = (b: Uint8Array, at?: number) => this.receive(b, at);
  private readonly rules: ChipRules;
  /** The I2C master of opts.i2cMaster.chip, if the board wires one. */
  private readonly i2c: { chip: number; master: I2cMasterModel } | null;

  /**
   * The search positions the chips have covered so far: each real hash stands for `stride` of them.
   * Re-hashes of a finished job are left out (their nonces are duplicates the host drops), so this
   * is the work a host should measure from the nonces it receives.
   */
  work(): number {
    return (this.stats.hashes - this.stats.rehashed) * this.stride;
  }

  constructor(
    private readonly link: SerialLink,
    readonly opts: EmulatedChainOptions,
  ) {
    super();
    this.profile = opts.profile;
    this.rules = CHIP_RULES[opts.profile.name];
    // The chips read the wire with their own reader (chip-wire.ts), not the driver's encoder's inverse.
    this.parser = new HostFrameReader(opts.profile.name);
    this.replyLength = opts.profile.initialReplyLength;
    this.chips = Array.from({ length: opts.chips }, (_, i) => new EmulatedChip(i));
    this.i2c = opts.i2cMaster ? { chip: opts.i2cMaster.chip, master: new I2cMasterModel(opts.i2cMaster.bus) } : null;
    // An odd stride visits every residue of the version/core dimensions, so samples spread over
    // the whole search space instead of one version or one core.
    this.stride = 2 ** opts.difficultyShift + 1;
    link.on('data', this.onData);
    this.timer = setInterval(() => {
      this.followBoard();
      this.advance();
    }, opts.tickMs ?? 10);
    this.timer.unref?.();
  }

  /** Chips reachable from the host: those before the first dead chip or unconfigured domain boundary. */
  private reachable(): EmulatedChip[] {
    if (!this.powered) return [];
    const d = this.chips.findIndex((c) => c.dead);
    const end = Math.min(d < 0 ? this.chips.length : d, this.firstUnrelayedChip());
    return end === this.chips.length ? this.chips : this.chips.slice(0, end);
  }

  /**
   * Above the reset rate, the first chip of a domain whose boundary is not set up: the last chip of
   * the domain before drives the clock across it at full strength (0x58 CLKO_DS bits 15–12 = 0xF)
   * and both boundary chips re-clock the lines (0x2C bits 1–0), as the stock S21 Pro writes them
   * (mujina REFERENCE.md "The Serial Chain" / BM1370). At the reset rate every chip relays (the
   * captures enumerate all 65 chips before any of this is written).
   */
  private firstUnrelayedChip(): number {
    const size = this.opts.domainSize;
    if (!size || this.baud <= RESET_BAUD * 1.05) return this.chips.length;
    for (let first = size; first < this.chips.length; first += size) {
      const last = this.chips[first - 1]!.registers;
      const next = this.chips[first]!.registers;
      const clko = ((last.get(0x58) ?? 0) >>> 12) & 0xf;
      if (clko !== 0xf || ((last.get(0x2c) ?? 0) & 3) !== 3 || ((next.get(0x2c) ?? 0) & 3) !== 3) return first;
    }
    return this.chips.length;
  }

  /** Whether chip `c` reports nonces at all: its report enables and core words are set (chip-rules.ts). */
  private reports(c: EmulatedChip): boolean {
    const r = this.rules;
    if (r.reportEnable) {
      const v = c.registers.get(r.reportEnable.register) ?? 0x0000c100;
      if (((v >>> 28) & r.reportEnable.bits) !== r.reportEnable.bits) return false;
    }
    for (const w of r.coreWords) if (!c.coreWords.has(w)) return false;
    return true;
  }

  /** BM1387: cores past those opened are held by GATE_BLOCK. */
  private gatedFrom(c: EmulatedChip): number {
    const g = this.rules.gate;
    if (!g || !(((c.registers.get(g.register) ?? 0) >>> g.gateBit) & 1)) return Infinity;
    return c.openCores;
  }

  /** BM1387 chips far down a chain whose clock is not inverted send garbled replies. */
  private garbles(c: EmulatedChip): boolean {
    const g = this.rules.gate;
    if (!g || c.index < INV_CLKO_REACH) return false;
    const misc = c.registers.get(g.register);
    return misc !== undefined && !((misc >>> g.invClkBit) & 1);
  }

  /** A dead chip stops answering and forwarding: every chip behind it vanishes too. */
  killChip(i: number): void {
    this.chips[i]!.dead = true;
    this.cond = null;
  }
  /** A chip that stays on the chain but finds nothing. */
  stopHashing(i: number): void {
    this.chips[i]!.hashing = false;
  }

  /** What the registers say, worked out once per change rather than per job or tick. */
  private cond: { needZeros: number; split: NonceSplit; versionMask: number; versionBits: number[]; rates: number[]; spans: number[] } | null = null;

  private conditions() {
    if (this.cond) return this.cond;
    const p = this.profile;
    const first = this.chips[0]!;
    const ticketDiff = decodeTicketMask(first.registers.get(p.registers.ticketMask) ?? 0);
    const split = this.split();
    const versionMask = p.registers.versionRolling !== null ? versionMaskFromRegister(first.registers.get(p.registers.versionRolling) ?? 0) : 0;
    const spans = this.chips.map((c) => {
      let span = counterSpan(p, split, c.index);
      if (p.jobFormat === 'header') {
        // HASH_COUNTING_NUMBER ends each version batch after that many 25 MHz ticks.
        const hcn = c.registers.get(p.registers.hashCountingNumber) ?? 0;
        if (hcn > 0) span = Math.min(span, Math.max(1, Math.floor((hcn / CLKI_HZ) * this.frequencyMHz(c) * 1e6)));
      }
      return span;
    });
    this.cond = {
      needZeros: 32 + Math.log2(ticketDiff) - this.opts.difficultyShift,
      split,
      versionMask,
      versionBits: bitPositions(versionMask),
      rates: this.chips.map((c) => this.chipRate(c)),
      spans,
    };
    return this.cond;
  }
  /** Power off resets every chip to its power-on state (addresses, registers, jobs, line rate). */
  setPowered(on: boolean): void {
    if (on === this.powered) return;
    this.powered = on;
    this.cond = null;
    if (!on) {
      for (const c of this.chips) Object.assign(c, { address: 0, job: null, registers: new Map(), coreWords: new Set(), openCores: 0 });
      this.replyLength = this.profile.initialReplyLength;
      this.setBaud(RESET_BAUD);
    }
  }

  get lineRate(): number {
    return this.baud;
  }

  /** Nominal hash rate of the chain (H/s) at its programmed frequencies. */
  nominalHashrate(): number {
    const { rates } = this.conditions();
    const live = (c: EmulatedChip) => (c.hashing && this.reports(c) ? Math.min(1, this.gatedFrom(c) / this.profile.cores) : 0);
    return this.reachable().reduce((s, c) => s + rates[c.index]! * live(c), 0);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.link.off('data', this.onData);
  }

  // ---- host → chips -------------------------------------------------------------------------

  /** `at`: when the bytes arrived, if the link knows (in process: even when its timer ran late). */
  private receive(bytes: Uint8Array, at = performance.now()): void {
    this.followBoard();
    if (!this.powered) return;
    const before = this.parser.crcErrors;
    const cmds = this.parser.push(bytes);
    if (this.opts.paceLine) {
      // A socket or pty hands over in one go what a UART delivers byte by byte: work streamed
      // ahead would otherwise replace each job the moment it was queued, unhashed. The line is
      // busy from whichever is later, now or the end of the last chunk (bounded, so a host that
      // writes faster than any line could does not drag the chips' clock ahead without limit).
      const now = performance.now();
      const from = Math.min(Math.max(now, this.inBusyUntil), now + MAX_LINE_LEAD_MS);
      this.inBusyUntil = from + lineTimeMs(bytes.length, this.baud);
      for (let k = 0; k < cmds.length; k++) this.execute(cmds[k]!, from + lineTimeMs(this.parser.ends[k]!, this.baud));
    } else {
      for (const cmd of cmds) this.execute(cmd, Math.min(at, performance.now()));
    }
    this.stats.crcErrors += this.parser.crcErrors - before;
  }

  private execute(cmd: ChipCommand, at: number): void {
    const chips = this.reachable();
    if (cmd.kind !== 'job' && cmd.kind !== 'read') this.cond = null;
    switch (cmd.kind) {
      case 'chainInactive':
        for (const c of chips) c.address = null;
        return;
      case 'setAddress': {
        const c = chips.find((x) => x.address === null);
        if (c) c.address = cmd.address;
        return;
      }
      case 'read': {
        for (const c of chips) if (cmd.broadcast || c.address === cmd.address) this.replyRegister(c, cmd.register);
        return;
      }
      case 'write': {
        const targets = chips.filter((c) => cmd.broadcast || c.address === cmd.address);
        for (const c of targets) this.writeChip(c, cmd.register, cmd.value);
        if (targets.length) this.afterWrite(cmd.register, cmd.value);
        return;
      }
      case 'job': {
        this.stats.jobs++;
        // The time up to its arrival was spent on the previous job: settle that before switching.
        this.advance(at);
        const g = this.rules.gate;
        for (const c of chips) {
          c.job = { job: cmd.job, startedAt: at, phase: Math.random(), sample: 0 };
          // One gated core block opens per work with nbits bit 0 set (bosminer bm1387.rs:495-499).
          if (g && cmd.job.nbits & 1 && ((c.registers.get(g.register) ?? 0) >>> g.gateBit) & 1) c.openCores = Math.min(this.profile.cores, c.openCores + 1);
        }
        this.emit('job', cmd.job.jobId);
        return;
      }
    }
  }

  /** A register write as one chip takes it. */
  private writeChip(c: EmulatedChip, register: number, value: number): void {
    const r = this.rules;
    if (r.softReset && register === r.softReset.register) {
      if (r.softReset.chipReset && value & r.softReset.chipReset) {
        // CHIP_RST: the whole chip returns to its power-on state, address and configuration lost.
        Object.assign(c, { address: 0, job: null, registers: new Map(), coreWords: new Set(), openCores: 0 });
        return;
      }
      c.coreWords.clear();
    }
    if (register === 0x3c) c.coreWords.add(value);
    if (this.i2c && c.index === this.i2c.chip && register === I2C_COMMAND_REGISTER) this.i2c.master.write(value);
    c.registers.set(register, value);
  }

  private afterWrite(register: number, value: number): void {
    const r = this.profile.registers;
    if (register === r.versionRolling) this.replyLength = this.profile.replyLength;
    if (register === r.baud) {
      const div = this.profile.baudDividerOf(value);
      // The chip switches once the frame is in; the host has to follow.
      this.setBaud(baudFromDivider(div));
    }
  }

  private setBaud(baud: number): void {
    this.baud = Math.round(baud);
    void this.link.setBaudRate(this.baud);
  }

  private replyRegister(c: EmulatedChip, register: number): void {
    const p = this.profile;
    let value = c.registers.get(register) ?? 0;
    if (this.i2c && c.index === this.i2c.chip && register === I2C_COMMAND_REGISTER) value = this.i2c.master.read();
    const address = c.address ?? 0;
    if (register === p.registers.chipId) {
      value = ((p.chipId << 16) | (p.chipIdByte << 8) | (p.framing === 'bm1387' ? address : 0)) >>> 0;
    }
    this.send(registerReplyBody(p.name, this.replyLength, { value, address, register }), 0, this.garbles(c));
  }

  // ---- chips → host -------------------------------------------------------------------------

  private send(body: Uint8Array, delayMs: number, garbled = false): void {
    const f = this.faults;
    let out = Buffer.concat([replyPreamble(this.profile.name), body]);
    if (garbled || (f.crcNoise > 0 && Math.random() < f.crcNoise)) {
      out = Buffer.from(out);
      out[out.length - 2]! ^= 1 << Math.floor(Math.random() * 8);
    }
    if (f.garbage > 0 && Math.random() < f.garbage) {
      out = Buffer.concat([Buffer.from(Array.from({ length: 1 + Math.floor(Math.random() * 12) }, () => Math.floor(Math.random() * 256))), out]);
    }
    const write = () => void this.link.write(out).catch(() => {});
    if (!this.opts.paceLine && delayMs <= 0) return write();
    const now = performance.now();
    const wire = this.opts.paceLine ? lineTimeMs(out.length, this.baud) : 0;
    const at = Math.max(now + delayMs, this.outBusyUntil) + wire;
    this.outBusyUntil = at;
    setTimeout(write, at - now);
  }

  // ---- hashing ------------------------------------------------------------------------------

  private frequencyMHz(c: EmulatedChip): number {
    const v = c.registers.get(this.rules.pll.register);
    if (v === undefined) return 50; // power-on PLL: slow, until the host programs it
    return lockedMHz(this.rules.pll, v);
  }

  private chipRate(c: EmulatedChip): number {
    return this.frequencyMHz(c) * 1e6 * this.profile.hashesPerClock * (this.opts.hashrateScale ?? 1);
  }

  private split(): NonceSplit {
    const step = this.addressStep();
    if (this.profile.nonceSplit !== 'offset') return { addressStep: step };
    return { addressStep: step, offsets: this.chips.map((c) => (c.registers.get(this.profile.registers.nonceOffset) ?? 0) & 0xffff) };
  }

  /** The address step the host used (distance between the first two addresses; 256 for one chip). */
  private addressStep(): number {
    const a0 = this.chips[0]?.address ?? 0;
    const a1 = this.chips[1]?.address;
    const step = a1 === undefined || a1 === null ? 256 : a1 - a0;
    return step > 0 && (step & (step - 1)) === 0 ? step : 1;
  }

  /** Follows the board's supply and reset line, and tells it the power the chips draw. */
  private followBoard(): void {
    const b = this.opts.board;
    if (!b) return;
    this.setPowered(b.isPowered() && !b.inReset());
    const hashing = this.powered && this.chips.some((c) => c.job);
    const watts = hashing ? (b.wattsAtNominal * this.nominalHashrate()) / b.nominal : 0;
    // The thermal model integrates on every report: only changes are worth one.
    if (watts !== this.reportedWatts) b.setLoad((this.reportedWatts = watts));
  }
  private reportedWatts = -1;

  /** Hashes what every chip has had time for since the last call, on the job it holds. */
  private advance(now = performance.now()): void {
    const chips = this.reachable();
    if (!chips.length) return;
    const p = this.profile;
    const { needZeros, split, versionMask, versionBits, rates, spans } = this.conditions();
    for (const c of chips) {
      const cj = c.job;
      if (!cj || !c.hashing || c.address === null || !this.reports(c)) continue;
      const gatedFrom = this.gatedFrom(c);
      const garbled = this.garbles(c);
      const rate = rates[c.index]!;
      const job = cj.job;
      const slots = p.jobFormat === 'midstate' ? job.midstates.length : 2 ** versionBits.length;
      const space = slots * p.cores * spans[c.index]!;
      // Cap the work per call so a stalled event loop cannot turn into an unbounded burst.
      // Sample j sits at (j + phase)·stride in the sweep, reached at that many hashes into the job.
      const reached = (((now - cj.startedAt) / 1000) * rate) / this.stride - cj.phase;
      const due = reached < 0 ? 0 : Math.floor(reached) + 1;
      const until = Math.min(due, cj.sample + 20_000);
      // Samples that fit in one sweep of the space; past that the chip starts over and finds the
      // same nonces again, as a real chip does when its work is not refreshed.
      const perSweep = Math.max(1, Math.ceil(space / this.stride - cj.phase));
      for (; cj.sample < until; cj.sample++) {
        if (cj.sample >= perSweep) this.stats.rehashed++;
        const q = Math.floor(((cj.sample % perSweep) + cj.phase) * this.stride) % space;
        const slot = q % slots;
        const r = Math.floor(q / slots);
        const core = r % p.cores;
        const counter = Math.floor(r / p.cores);
        if (core >= gatedFrom) continue;
        const nonce = composeNonce(p, split, c.index, core, counter);
        this.stats.hashes++;
        let version = 0;
        let hash: Uint8Array;
        if (p.jobFormat === 'midstate') {
          hash = this.hashMidstate(job, slot, nonce);
        } else {
          version = depositBits(slot, versionBits);
          hash = this.hashHeader(job, ((job.version & ~versionMask) | version) >>> 0, nonce);
        }
        if (leadingZeroBits(hash) < needZeros) continue;
        c.nonces++;
        this.stats.nonces++;
        this.emit('nonce', { chip: c.index, nonce });
        const excess = Math.max(0, Math.min(255, 2 * (leadingZeroBits(hash) - needZeros)));
        this.send(nonceReplyBody(p.name, p.replyLength, { nonce, jobId: job.jobId, slot: p.jobFormat === 'header' ? slot % p.subCores : slot, versionField: version >>> 13, excess }), this.faults.lateMs, garbled);
      }
    }
  }

  private hashMidstate(job: WireJob, slot: number, nonce: number): Uint8Array {
    const t = this.tail;
    t.set(job.merkleTail!, 0);
    putLe(t, 4, job.ntime);
    putLe(t, 8, job.nbits);
    putLe(t, 12, nonce);
    return sha256Of32(finishFromMidstate(job.midstates[slot]!, t), this.digest);
  }

  private hashHeader(job: WireJob, version: number, nonce: number): Uint8Array {
    const h = this.header;
    putLe(h, 0, version);
    h.set(job.prevHash!, 4);
    h.set(job.merkleRoot!, 36);
    putLe(h, 68, job.ntime);
    putLe(h, 72, job.nbits);
    putLe(h, 76, nonce);
    return sha256d(h);
  }
}
