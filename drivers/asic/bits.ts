// Bit positions of a mask and a software PDEP: how rolled version values map onto the version
// bits a mask allows (the emulated chips' in-chip rolling, standard-channel work splitting).

/** The bit positions set in `mask`, lowest first. */
export const bitPositions = (mask: number): number[] => Array.from({ length: 32 }, (_, i) => i).filter((i) => (mask >>> i) & 1);

/** Spreads the low bits of `v` over `positions` (lowest first). */
export function depositBits(v: number, positions: readonly number[]): number {
  let out = 0;
  for (let i = 0; i < positions.length; i++) if (Math.floor(v / 2 ** i) % 2) out |= 1 << positions[i]!;
  return out >>> 0;
}

/** Bits set in a 32-bit value. */
export function popcount(v: number): number {
  let n = 0;
  for (let x = v >>> 0; x; x &= x - 1) n++;
  return n;
}
