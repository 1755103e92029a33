// The work a chain holds under each job id, with the id's earlier occupants kept for late
// replies. Every slot (header buffer and duplicate filter included) is allocated once per job id
// and reused: dispatching work on a new block allocates nothing (asic.newblock_latency).
import { putLe32 } from '../../agent/bitcoin/bytes.js';
import type { DispatchWork } from './work.js';

/** Earlier occupants of a job id kept for late replies: with work streamed at the line rate an S9's
 * 128 ids turn every ~0.12 s, and a reply through a socket or a loaded host can take longer. */
export const RING_HISTORY = 3;

export class RingSlot<T> {
  work: DispatchWork<T> | null = null;
  /** The 80-byte header with everything but version and nonce filled in: built at the first
   * reply (most jobs of a fast chain never get one). */
  readonly header = new Uint8Array(80);
  headerBuilt = false;
  /** Nonce/version keys already counted (duplicate filter). */
  readonly seen = new Set<number>();
  /** The work this id carried before (at most RING_HISTORY long): a late reply may be for it. */
  previous: RingSlot<T> | null = null;
  /** Open-core null work: what the chips find on it is dropped, neither share nor hardware error. */
  nullWork = false;

  /** The header of this slot's work, version and nonce left for each reply. */
  headerOf(w: DispatchWork<T>): Uint8Array {
    const h = this.header;
    if (this.headerBuilt) return h;
    h.set(w.prevHash, 4);
    h.set(w.merkleRoot, 36);
    putLe32(h, 68, w.ntime);
    putLe32(h, 72, w.nbits);
    this.headerBuilt = true;
    return h;
  }
}

export class JobRing<T> {
  /** Per job id, RING_HISTORY + 1 slots used in turn. */
  private readonly slots: RingSlot<T>[][] = [];
  private readonly turn: number[] = [];
  /** The slot holding each id's current work, null when the id holds none (new block). */
  private readonly heads: (RingSlot<T> | null)[] = new Array<RingSlot<T> | null>(256).fill(null);

  constructor(jobIds: readonly number[]) {
    for (const id of jobIds) {
      this.slots[id] = Array.from({ length: RING_HISTORY + 1 }, () => new RingSlot<T>());
      this.turn[id] = 0;
    }
  }

  /** How many dispatched works the ring may still refer to: a work object must not be reused sooner. */
  static retained(jobIds: number): number {
    return jobIds * (RING_HISTORY + 1);
  }

  /** Puts `work` under `id`; the id's earlier work stays reachable for late replies. */
  set(id: number, work: DispatchWork<T>, nullWork = false): void {
    const list = this.slots[id];
    if (!list) throw new RangeError(`job id ${id} is not one of the chip's`);
    const n = list.length;
    const t = (this.turn[id]! + 1) % n;
    this.turn[id] = t;
    const slot = list[t]!;
    slot.work = work;
    slot.headerBuilt = false;
    slot.seen.clear();
    slot.nullWork = nullWork;
    slot.previous = this.heads[id] ?? null;
    // The slot used next is the oldest: nothing may reach it once it is reused.
    list[(t + 1) % n]!.previous = null;
    this.heads[id] = slot;
  }

  get(id: number): RingSlot<T> | null {
    return this.heads[id] ?? null;
  }

  /** Every id holds no work (a new block): late nonces for what they held count as stale. */
  clear(): void {
    this.heads.fill(null);
  }
}
