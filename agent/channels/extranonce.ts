// Extranonce partitioning (spec §5.1.2.1): full extranonce = fixed prefix ‖ index ‖ rollable.
// Each live channel owns one index, so no two channels ever share a search space. A pool uses
// prefix = [server_id]; a proxy uses the prefix its upstream channel gave it.

export class ExtranonceExhaustedError extends Error {
  override readonly name = 'ExtranonceExhaustedError';
}

export interface ExtranonceAllocation {
  index: number;
  /** fixed prefix ‖ index (big-endian): the extranonce_prefix of an extended channel. */
  prefix: Uint8Array;
  /** Bytes the channel may roll after the prefix. */
  rollableSize: number;
}

export class ExtranonceAllocator {
  private readonly inUse = new Set<number>();
  private next = 0;
  readonly capacity: number;

  constructor(
    readonly fixedPrefix: Uint8Array,
    readonly indexBytes: number,
    /** Whole extranonce length (≤ 32, the B0_32 bound of extranonce_prefix). */
    readonly totalSize: number,
  ) {
    if (indexBytes < 1 || indexBytes > 4) throw new RangeError('indexBytes must be 1..4');
    if (totalSize > 32) throw new RangeError('an extranonce is at most 32 bytes');
    if (fixedPrefix.length + indexBytes > totalSize) {
      throw new RangeError(`prefix (${fixedPrefix.length}) + index (${indexBytes}) bytes exceed the extranonce size ${totalSize}`);
    }
    this.capacity = 2 ** (8 * indexBytes);
  }

  /** Rollable bytes each allocation gets. */
  get rollableSize(): number {
    return this.totalSize - this.fixedPrefix.length - this.indexBytes;
  }

  get allocated(): number {
    return this.inUse.size;
  }

  allocate(): ExtranonceAllocation {
    if (this.inUse.size >= this.capacity) throw new ExtranonceExhaustedError(`all ${this.capacity} extranonce indices are in use`);
    // Round-robin from the last index so a just-freed index is not reused at once (late shares
    // of a closed channel must not count for a new one).
    while (this.inUse.has(this.next)) this.next = (this.next + 1) % this.capacity;
    const index = this.next;
    this.next = (this.next + 1) % this.capacity;
    this.inUse.add(index);
    const prefix = new Uint8Array(this.fixedPrefix.length + this.indexBytes);
    prefix.set(this.fixedPrefix);
    for (let i = 0; i < this.indexBytes; i++) prefix[this.fixedPrefix.length + i] = (index >>> (8 * (this.indexBytes - 1 - i))) & 0xff;
    return { index, prefix, rollableSize: this.rollableSize };
  }

  release(index: number): void {
    this.inUse.delete(index);
  }

  /** A standard channel's whole extranonce: the prefix padded with zeros to the full size. */
  static standardPrefix(a: ExtranonceAllocation): Uint8Array {
    const out = new Uint8Array(a.prefix.length + a.rollableSize);
    out.set(a.prefix);
    return out;
  }
}

/** Bytes needed to number `n` channels (SRI: 256 → 1, 65,536 → 2, 16,777,216 → 3). */
export function indexBytesFor(n: number): number {
  let bytes = 1;
  while (2 ** (8 * bytes) < n) bytes++;
  return bytes;
}
