// Nonce intake, the driver's hot path: a reply body is looked up in the job ring (and the id's
// earlier occupants), its version rebuilt, its header hashed and the result classified: share,
// block candidate, duplicate, stale, or hardware error (a hash that misses the chips' ticket).
import { putLe32 } from '../../agent/bitcoin/bytes.js';
import { sha256d } from '../../agent/bitcoin/hash.js';
import { leadingZeroBits, meetsTarget } from '../../agent/bitcoin/target.js';
import type { ChipCounters, FoundShare } from './work.js';
import type { JobRing, RingSlot } from './job-ring.js';
import { chipOfNonce, coreOfNonce, decodeNonceReply, type NonceReply, type NonceSplit } from './nonce.js';
import type { ChipProfile } from './profiles.js';

export interface IntakeStats {
  nonces: number;
  hwErrors: number;
  duplicates: number;
  stale: number;
}

export interface IntakeSink<T> {
  share(found: FoundShare<T>): void;
  hwError(chip: number, core: number): void;
}

export class NonceIntake<T> {
  /** How the chain's chips share the nonce space (set by the driver's init). */
  split: NonceSplit = { addressStep: 1 };
  /** Leading zero bits every reported hash must have (the chips' ticket, less the emulator's scale). */
  ticketZeros = 32;
  /** The ids open-core work went out under; replies to it may come until openCoreUntil. */
  readonly openCoreIds = new Set<number>();
  openCoreUntil = 0;

  constructor(
    private readonly profile: ChipProfile,
    private readonly ring: JobRing<T>,
    private readonly stats: IntakeStats,
    private readonly chips: ChipCounters[],
    private readonly sink: IntakeSink<T>,
  ) {}

  /** Parse, look up, rebuild, hash and classify one nonce reply body. */
  take(body: Uint8Array): void {
    const p = this.profile;
    const r = decodeNonceReply(p, body);
    const slot = this.ring.get(r.jobId);
    if (!slot) {
      this.stats.stale++;
      return;
    }
    const chip = Math.min(chipOfNonce(p, this.split, r.nonce), Math.max(0, this.chips.length - 1));
    const core = coreOfNonce(p, r.nonce);
    if (this.check(slot, r, chip, core)) return;
    // A reply that arrives after its job id was reused belongs to one of the id's earlier works.
    for (let s = slot.previous; s; s = s.previous) if (this.check(s, r, chip, core)) return;
    // A late reply to open-core work (its id already reused): dropped.
    for (let s: RingSlot<T> | null = slot; s; s = s.previous) if (s.nullWork) return;
    if (performance.now() < this.openCoreUntil && this.openCoreIds.has(r.jobId)) return;
    this.stats.hwErrors++;
    const c = this.chips[chip];
    if (c) c.hwErrors++;
    this.sink.hwError(chip, core);
  }

  /** Classifies a reply against one slot's work; false when its hash misses the ticket there. */
  private check(slot: RingSlot<T>, r: NonceReply, chip: number, core: number): boolean {
    const w = slot.work;
    if (slot.nullWork || !w) return false;
    const counters = this.chips[chip];
    let version: number;
    if (this.profile.jobFormat === 'midstate') {
      const m = w.midstates?.[r.slot];
      if (!m) return false;
      version = m.version;
    } else {
      // Only bits 13–28 are the chip's to roll; any others in the work's version stay as sent.
      const mask = w.versionMask & 0x1fffe000;
      version = ((w.version & ~mask) | ((r.versionField << 13) & mask)) >>> 0;
    }
    const key = (r.nonce ^ Math.imul(version, 0x9e3779b1)) >>> 0;
    if (slot.seen.has(key)) {
      this.stats.duplicates++;
      if (counters) counters.duplicates++;
      return true;
    }
    const h = slot.headerOf(w);
    putLe32(h, 0, version);
    putLe32(h, 76, r.nonce);
    const hash = sha256d(h);
    if (leadingZeroBits(hash) < this.ticketZeros) return false;
    slot.seen.add(key);
    this.stats.nonces++;
    if (counters) {
      counters.nonces++;
      counters.cores[core]!++;
    }
    if (meetsTarget(hash, w.shareTarget)) {
      this.sink.share({ work: w, nonce: r.nonce, version, hash, chip, core, block: meetsTarget(hash, w.networkTarget) });
    }
    return true;
  }
}
