// Register value encodings shared by the driver and the emulator: PLL dividers, ticket masks,
// baud dividers and the version-rolling register (asic-hardware digest §1.8–1.12).

/** The chips' reference clock. */
export const CLKI_HZ = 25_000_000;

export interface PllDividers {
  fbdiv: number;
  refdiv: number;
  postdiv1: number;
  postdiv2: number;
}

export const pllFrequencyMHz = (d: PllDividers): number => (25 * d.fbdiv) / (d.refdiv * d.postdiv1 * d.postdiv2);

/** The closest dividers for `mhz` (ties: lower VCO), with FBDIV in `fbRange` and POSTDIV1 ≥ POSTDIV2. */
export function solvePll(mhz: number, fbRange: readonly [number, number]): PllDividers {
  let best: PllDividers | null = null;
  let bestErr = Infinity;
  let bestVco = Infinity;
  for (let refdiv = 2; refdiv >= 1; refdiv--) {
    for (let postdiv1 = 7; postdiv1 >= 1; postdiv1--) {
      for (let postdiv2 = Math.min(postdiv1, 7); postdiv2 >= 1; postdiv2--) {
        const fbdiv = Math.round((mhz * refdiv * postdiv1 * postdiv2) / 25);
        if (fbdiv < fbRange[0] || fbdiv > fbRange[1]) continue;
        const d = { fbdiv, refdiv, postdiv1, postdiv2 };
        const err = Math.abs(pllFrequencyMHz(d) - mhz);
        const vco = (25 * fbdiv) / refdiv;
        if (err < bestErr - 1e-9 || (Math.abs(err - bestErr) <= 1e-9 && vco < bestVco)) [best, bestErr, bestVco] = [d, err, vco];
      }
    }
  }
  if (!best) throw new RangeError(`no PLL setting reaches ${mhz} MHz`);
  return best;
}

/**
 * PLL register layouts. 'bm1387': FBDIV 23–16, REFDIV 11–8, POSTDIV1 7–4, POSTDIV2 3–0, raw
 * (0x00680221 = 650 MHz). 'bm1397': the same fields raw under a fixed 0x40 flag byte (ESP-Miner;
 * the digest's open question 1). 'bm1366': flag 0x4/0x5 (VCO ≥ 2400 MHz) in 31–28, FBDIV 27–16,
 * REFDIV 13–8, POSTDIVs stored minus one (0x50D20240 = 525 MHz).
 */
export type PllLayout = 'bm1387' | 'bm1397' | 'bm1366';

export function encodePll(layout: PllLayout, d: PllDividers): number {
  if (layout === 'bm1366') {
    const flag = (25 * d.fbdiv) / d.refdiv >= 2400 ? 0x5 : 0x4;
    return ((flag << 28) | (d.fbdiv << 16) | (d.refdiv << 8) | ((d.postdiv1 - 1) << 4) | (d.postdiv2 - 1)) >>> 0;
  }
  const flag = layout === 'bm1397' ? 0x40 << 24 : 0;
  return (flag | ((d.fbdiv & 0xff) << 16) | ((d.refdiv & 0xf) << 8) | ((d.postdiv1 & 0xf) << 4) | (d.postdiv2 & 0xf)) >>> 0;
}

export function decodePll(layout: PllLayout, v: number): PllDividers {
  if (layout === 'bm1366') return { fbdiv: (v >>> 16) & 0xfff, refdiv: (v >>> 8) & 0x3f, postdiv1: ((v >>> 4) & 0xf) + 1, postdiv2: (v & 0xf) + 1 };
  return { fbdiv: (v >>> 16) & 0xff, refdiv: (v >>> 8) & 0xf, postdiv1: (v >>> 4) & 0xf, postdiv2: v & 0xf };
}

const reverseBits8 = (b: number) => {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
};
const reverseEachByte = (v: number) =>
  ((reverseBits8(v >>> 24) << 24) | (reverseBits8((v >>> 16) & 0xff) << 16) | (reverseBits8((v >>> 8) & 0xff) << 8) | reverseBits8(v & 0xff)) >>> 0;

/** Ticket difficulty → register value: 2^N − 1 with every byte bit-reversed (256 → 0x000000FF). */
export function encodeTicketMask(difficulty: number): number {
  if (!Number.isInteger(difficulty) || difficulty < 1 || difficulty > 2 ** 31 || (difficulty & (difficulty - 1)) !== 0) {
    throw new RangeError(`a ticket difficulty is a power of two in [1, 2^31], got ${difficulty}`);
  }
  return reverseEachByte(difficulty - 1);
}

/** Register value → the difficulty the chip filters at (the mask's bits above 2^32 hashes). */
export function decodeTicketMask(v: number): number {
  const m = reverseEachByte(v);
  let n = 0;
  while (n < 32 && (m >>> n) & 1) n++;
  return 2 ** n;
}

/** The UART divider of an 8× oversampled 25 MHz clock: baud = 25 MHz / (8 · (div + 1)). */
export const baudDivider = (baud: number): number => Math.max(0, Math.round(CLKI_HZ / (8 * baud)) - 1);
export const baudFromDivider = (div: number): number => CLKI_HZ / (8 * (div + 1));
/** How far apart two UARTs' rates may be and still understand each other: 5 %, bOSminer's
 * MAX_BAUD_RATE_ERR_PERC (braiins-os bosminer-am1-s9 lib.rs:1772). */
export const BAUD_TOLERANCE = 0.05;
/** The fastest divider whose rate a link carrying at most `maxBaud` still takes (within tolerance). */
export function fastestDivider(maxBaud: number): number {
  for (let d = 0; d < 255; d++) if (baudFromDivider(d) <= maxBaud * (1 + BAUD_TOLERANCE)) return d;
  return 255;
}
/** Every chip's UART rate after reset (divider 26: 115 740.7), rounded as a tty is set to it. */
export const RESET_BAUD = Math.round(baudFromDivider(26));

/** 0xA4 MIDSTATE_CONFIG: auto + 8-midstate generation + the pool mask's bits 28–13 (BM1362+). */
export const versionRollingRegister = (mask: number): number => (0x90000000 | ((mask >>> 13) & 0xffff)) >>> 0;
export const versionMaskFromRegister = (v: number): number => ((v & 0xffff) << 13) >>> 0;
