// PMBus number formats: LINEAR11 (5-bit signed exponent, 11-bit signed mantissa) for most
// readings and limits, ULINEAR16 (16-bit mantissa, exponent from VOUT_MODE) for output voltages.

export function decodeLinear11(word: number): number {
  const e = (word >> 11) & 0x1f;
  const m = word & 0x7ff;
  return (m & 0x400 ? m - 0x800 : m) * 2 ** (e & 0x10 ? e - 0x20 : e);
}

/** The LINEAR11 word closest to `value`, with the largest mantissa that fits. */
export function encodeLinear11(value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`${value} has no LINEAR11 form`);
  for (let e = -16; e <= 15; e++) {
    const m = Math.round(value / 2 ** e);
    if (m >= -1024 && m <= 1023) return (((e & 0x1f) << 11) | (m & 0x7ff)) >>> 0;
  }
  throw new RangeError(`${value} is too large for LINEAR11`);
}

/** The ULINEAR16 exponent held in VOUT_MODE's low five bits (mode bits 6..5 must be 00; bit 7 is PMBus 1.3's "relative" flag). */
export function voutModeExponent(mode: number): number {
  if ((mode & 0x60) !== 0) throw new RangeError(`VOUT_MODE 0x${mode.toString(16)} is not linear`);
  const e = mode & 0x1f;
  return e & 0x10 ? e - 0x20 : e;
}

export function decodeUlinear16(word: number, exponent: number): number {
  return word * 2 ** exponent;
}

export function encodeUlinear16(value: number, exponent: number): number {
  const w = Math.round(value / 2 ** exponent);
  if (w < 0 || w > 0xffff) throw new RangeError(`${value} does not fit ULINEAR16 with exponent ${exponent}`);
  return w;
}
