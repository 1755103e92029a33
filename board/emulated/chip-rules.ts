// What a real chip needs before it hashes and reports, per generation: the emulator's own table,
// written from the published sources (not imported from the driver, so that a wrong driver value
// cannot agree with itself). Each rule names its source.
import type { ChipName } from '../../drivers/asic/profiles.js';

export interface ChipRules {
  /** MISC_CONTROL's report enables (bits 31–28): power-on 0x0000C100 "cannot report a nonce" until
   * the model's open-core constant is written (mujina REFERENCE.md "0x18 - MISC_CONTROL"). */
  readonly reportEnable: { readonly register: number; readonly bits: number } | null;
  /** CORE_MAILBOX (0x3C) words each chip must have taken since its last soft reset (0xA8): clock
   * select, clock delay and the core enable 0x800082AA (mujina "0x3C - CORE_MAILBOX"). */
  readonly coreWords: readonly number[];
  /** SOFT_RESET_CONTROL: any write resets the cores (they need their 0x3C words again, which every
   * capture sends right after it); `chipReset` is the bit that resets the whole chip. */
  readonly softReset: { readonly register: number; readonly chipReset: number } | null;
  /** BM1387 MiscCtrl (0x1C): GATE_BLOCK bit 15 holds every core block until work with nbits bit 0
   * set arrives, one block per such work (bosminer bm1387.rs:495-499, null_work.rs); INV_CLKO bit 21. */
  readonly gate: { readonly register: number; readonly gateBit: number; readonly invClkBit: number } | null;
  /** The PLL register and the settings that lock. */
  readonly pll: { readonly register: number; readonly layout: 'raw' | 'flagged'; readonly fb: readonly [number, number]; readonly minMHz: number };
}

/** Chips past this chain position garble their replies when the chain's clock is not inverted
 * (INV_CLKO): bosminer configures every S9 chip with it, "used on S9's" (lib.rs:600, bm1387.rs:485).
 * The position is an assumption: the sources say only that long chains need it. */
export const INV_CLKO_REACH = 16;

const A8 = (chipReset: number) => ({ register: 0xa8, chipReset });

export const CHIP_RULES: Readonly<Record<ChipName, ChipRules>> = {
  // bOSminer: fbdiv 32..128 in its table, frequencies 100 MHz–1.2 GHz (bm1387.rs:586-645).
  BM1387: { reportEnable: null, coreWords: [], softReset: null, gate: { register: 0x1c, gateBit: 15, invClkBit: 21 }, pll: { register: 0x0c, layout: 'raw', fb: [32, 127], minMHz: 100 } },
  // ESP-Miner bm1397.c:212 (and cgminer driver-gekko.c) write core register 0x3C = 0x80008074;
  // the PLL search keeps FBDIV in 60..200 (bm1397.c:156).
  BM1397: { reportEnable: null, coreWords: [0x80008074], softReset: null, gate: null, pll: { register: 0x08, layout: 'raw', fb: [60, 200], minMHz: 0 } },
  // S19j Pro capture: 0x18 = 0xB000C100, core 0x05 = 0x40, delay 0x08 (mujina; cgminer driver-gekko.c:1596,1621).
  // 0xA8 bit 4 is CHIP_RST on the BM1362 (mujina "0xA8 - SOFT_RESET_CONTROL").
  BM1362: { reportEnable: { register: 0x18, bits: 0xb }, coreWords: [0x80008540, 0x80008008, 0x800082aa], softReset: A8(0x10), gate: null, pll: { register: 0x08, layout: 'flagged', fb: [144, 235], minMHz: 0 } },
  // ESP-Miner bm1366.c BM1366_init: 0x18 = 0xF000C100 per chip, 0x3C 0x80008540, 0x80008020, 0x800082AA.
  BM1366: { reportEnable: { register: 0x18, bits: 0xf }, coreWords: [0x80008540, 0x80008020, 0x800082aa], softReset: A8(0), gate: null, pll: { register: 0x08, layout: 'flagged', fb: [144, 235], minMHz: 0 } },
  // ESP-Miner bm1368.c BM1368_init: 0x3C 0x80008B00, 0x80008018, 0x800082AA.
  BM1368: { reportEnable: { register: 0x18, bits: 0xf }, coreWords: [0x80008b00, 0x80008018, 0x800082aa], softReset: A8(0), gate: null, pll: { register: 0x08, layout: 'flagged', fb: [144, 235], minMHz: 0 } },
  // S21 Pro capture and ESP-Miner bm1370.c: 0x3C 0x80008B00, 0x8000800C, 0x800082AA; FBDIV 160..239.
  BM1370: { reportEnable: { register: 0x18, bits: 0xf }, coreWords: [0x80008b00, 0x8000800c, 0x800082aa], softReset: A8(0), gate: null, pll: { register: 0x08, layout: 'flagged', fb: [160, 239], minMHz: 0 } },
};

/**
 * The frequency a PLL register value gives, or 0 when it does not lock: FBDIV outside the range the
 * references stay in, a zero divider, POSTDIV1 < POSTDIV2 (bosminer bm1387.rs:594-597), a frequency
 * under the table's floor, or (BM1366 generation) a VCO band flag that does not match the VCO:
 * 0x5 at 2400 MHz and above, 0x4 below (ESP-Miner bm1366.c `vdo_scale`; mujina "0x08 - PLL_DIVIDER").
 * Layouts: raw FB 23–16, REF 11–8, PD1 7–4, PD2 3–0 (bosminer PllReg; BM1397 with a 0x40 top byte);
 * flagged: flag 31–28, FB 27–16, REF 13–8, PD1−1 7–4, PD2−1 3–0.
 */
export function lockedMHz(r: ChipRules['pll'], v: number): number {
  const flagged = r.layout === 'flagged';
  const fb = flagged ? (v >>> 16) & 0xfff : (v >>> 16) & 0xff;
  const ref = flagged ? (v >>> 8) & 0x3f : (v >>> 8) & 0xf;
  const pd1 = ((v >>> 4) & 0xf) + (flagged ? 1 : 0);
  const pd2 = (v & 0xf) + (flagged ? 1 : 0);
  if (fb < r.fb[0] || fb > r.fb[1] || !ref || !pd1 || !pd2 || pd1 < pd2) return 0;
  const vco = (25 * fb) / ref;
  if (flagged && v >>> 28 !== (vco >= 2400 ? 0x5 : 0x4)) return 0;
  const mhz = vco / (pd1 * pd2);
  return mhz < r.minMHz ? 0 : mhz;
}
