// Chip profiles: everything that differs between BM13xx generations, as data. The chain driver,
// the nonce codec and the emulator read these and hold no per-chip branches of their own.
// Facts: asic-hardware digest §1.1 (table), §1.5 (jobs), §1.6 (replies), §1.8–1.13, §2.1.
import { BM1362_BRINGUP, BM1366_BRINGUP, BM1368_BRINGUP, BM1370_BRINGUP, BM1387_BRINGUP, BM1397_BRINGUP, type BringUp } from './bringup.js';
import type { Framing } from './frame.js';
import { RESET_BAUD, type PllLayout } from './registers.js';

export type ChipName = 'BM1387' | 'BM1397' | 'BM1362' | 'BM1366' | 'BM1368' | 'BM1370';

export interface ChipProfile {
  readonly name: ChipName;
  /** The two CHIP_ID bytes (0x1387 …) and the third byte the chip reads back. */
  readonly chipId: number;
  readonly chipIdByte: number;
  readonly framing: Framing;
  /** 'midstate': the host sends 1–4 midstates; 'header': the chip takes the header and rolls versions. */
  readonly jobFormat: 'midstate' | 'header';
  readonly maxMidstates: number;
  /** Reply length after the preamble (7 or 9 bytes), and before the first 0xA4 write (a fresh BM1370
   * sends 9 bytes with its preamble, 11 after). */
  readonly replyLength: number;
  readonly initialReplyLength: number;
  /** Hashing cores; version slots per core (header chips roll 8 or 16 versions at once). */
  readonly cores: number;
  readonly subCores: number;
  /** Hashes per clock per chip: GH/s = MHz · this / 1000 (ESP-Miner's "small cores"). */
  readonly hashesPerClock: number;
  /** How chips split a chain's nonce space: by address bits in the nonce, or CHIP_NONCE_OFFSET ranges. */
  readonly nonceSplit: 'address' | 'offset';
  /** Where the chip's fields sit in the nonce (see nonce.ts). */
  readonly nonceLayout: 'bm1387' | 'bm1397';
  readonly defaultFrequencyMHz: number;
  readonly pll: { readonly layout: PllLayout; readonly fbRange: readonly [number, number] };
  readonly registers: {
    readonly chipId: number;
    readonly pll: number;
    readonly nonceOffset: number;
    readonly hashCountingNumber: number;
    readonly ticketMask: number;
    readonly misc: number;
    /** The register holding the UART divider (misc control on BM1387/BM1397, 0x28 from BM1362). */
    readonly baud: number;
    readonly versionRolling: number | null;
  };
  /** Register value that sets UART divider `div` (bits 12–8 or 15–8 depending on the generation). */
  baudValue(div: number): number;
  /** The divider a baud-register value selects (what the emulator decodes). */
  baudDividerOf(value: number): number;
  /** Job id bytes in the order the driver cycles through them. */
  readonly jobIds: readonly number[];
  /** The job id byte a nonce reply refers to, and its midstate / version-slot index. */
  jobOfReply(idByte: number, midstateByte: number): { jobId: number; slot: number };
  /** The id bytes a chip puts in its reply for a job byte and slot (the emulator's side). */
  replyIdBytes(jobId: number, slot: number): { idByte: number; midstateByte: number };
  /** The rate the driver switches the chain to after init, and the default ticket difficulty. */
  readonly fastBaud: number;
  readonly defaultTicketDifficulty: number;
  /** Bring-up after discovery: register writes and their order (bringup.ts). */
  readonly bringUp: BringUp;
}

const range = (n: number, step: number, mod = 256): number[] => Array.from({ length: n }, (_, i) => (i * step) % mod);

const midstateCommon = {
  jobFormat: 'midstate',
  maxMidstates: 4,
  subCores: 1,
  nonceSplit: 'address',
} as const;

/** BM1387 (S9): no preamble, 7-byte replies, misc control 0x1C holds the divider in bits 12–8. */
const BM1387: ChipProfile = {
  ...midstateCommon,
  name: 'BM1387',
  chipId: 0x1387,
  chipIdByte: 0x90,
  framing: 'bm1387',
  replyLength: 7,
  initialReplyLength: 7,
  cores: 114,
  hashesPerClock: 114,
  nonceLayout: 'bm1387',
  defaultFrequencyMHz: 650,
  pll: { layout: 'bm1387', fbRange: [32, 127] },
  registers: { chipId: 0x00, pll: 0x0c, nonceOffset: 0x10, hashCountingNumber: 0x14, ticketMask: 0x18, misc: 0x1c, baud: 0x1c, versionRolling: null },
  // MiscCtrl as bOSminer writes it at bring-up, `MiscCtrlReg::new(false, true, div, true, true)`
  // (lib.rs:396,602; bits bm1387.rs:479-522): INV_CLKO (bit 21, "each chip is always configured with
  // inverted clock"), GATE_BLOCK (15, cores wait for open-core work), the divider (12–8), MMEN (7).
  baudValue: (div) => ((1 << 21) | (1 << 15) | ((div & 0x1f) << 8) | (1 << 7)) >>> 0,
  baudDividerOf: (v) => (v >>> 8) & 0x1f,
  jobIds: range(128, 1),
  jobOfReply: (idByte, midstateByte) => ({ jobId: idByte & 0x7f, slot: midstateByte & 0x03 }),
  replyIdBytes: (jobId, slot) => ({ idByte: jobId, midstateByte: slot }),
  fastBaud: 1_562_500,
  defaultTicketDifficulty: 64,
  bringUp: BM1387_BRINGUP,
};

/** BM1397 (S17, Compac F): 55 AA framing, 9-byte replies (7 after the preamble), job id +4 with the midstate index in bits 1–0. */
const BM1397: ChipProfile = {
  ...midstateCommon,
  name: 'BM1397',
  chipId: 0x1397,
  chipIdByte: 0x18,
  framing: 'bm1397',
  replyLength: 7,
  initialReplyLength: 7,
  // 168 cores (672 small cores) per ESP-Miner, but the nonce's core field has 7 bits: the nonce
  // space splits into 128 core slots, which is what the driver and the emulator count.
  cores: 128,
  hashesPerClock: 672,
  nonceLayout: 'bm1397',
  defaultFrequencyMHz: 425,
  pll: { layout: 'bm1397', fbRange: [60, 200] },
  registers: { chipId: 0x00, pll: 0x08, nonceOffset: 0x0c, hashCountingNumber: 0x10, ticketMask: 0x14, misc: 0x18, baud: 0x18, versionRolling: null },
  // 0x00007A31 at reset (divider 26), 0x00006031 for 3.125 Mbaud: the divider is BT8D in bits 12–8.
  baudValue: (div) => (0x00006031 | ((div & 0x1f) << 8)) >>> 0,
  baudDividerOf: (v) => (v >>> 8) & 0x1f,
  jobIds: range(32, 4),
  jobOfReply: (idByte) => ({ jobId: idByte & 0xfc, slot: idByte & 0x03 }),
  replyIdBytes: (jobId, slot) => ({ idByte: (jobId & 0xfc) | slot, midstateByte: slot }),
  fastBaud: 3_125_000,
  defaultTicketDifficulty: 256,
  bringUp: BM1397_BRINGUP,
};

const headerCommon = {
  framing: 'bm1397',
  jobFormat: 'header',
  maxMidstates: 1,
  replyLength: 9,
  initialReplyLength: 9,
  nonceSplit: 'address',
  nonceLayout: 'bm1397',
  registers: { chipId: 0x00, pll: 0x08, nonceOffset: 0x0c, hashCountingNumber: 0x10, ticketMask: 0x14, misc: 0x18, baud: 0x28, versionRolling: 0xa4 },
  baudDividerOf: (v: number) => (v >>> 8) & 0xff,
  fastBaud: 3_125_000,
  defaultTicketDifficulty: 256,
} as const;

// BM1362 and BM1366: job id in bits 7–3, version slot (sub-core) in bits 2–0 of the reply.
const idsInBits7to3 = {
  jobOfReply: (idByte: number) => ({ jobId: idByte & 0xf8, slot: idByte & 0x07 }),
  replyIdBytes: (jobId: number, slot: number) => ({ idByte: (jobId & 0xf8) | (slot & 0x07), midstateByte: 0 }),
} as const;
// BM1368 and BM1370: the reply carries the job id shifted left by one (bits 7–4) and a 4-bit slot.
const idsInBits7to4 = {
  jobIds: range(16, 24, 128),
  jobOfReply: (idByte: number) => ({ jobId: (idByte & 0xf0) >> 1, slot: idByte & 0x0f }),
  replyIdBytes: (jobId: number, slot: number) => ({ idByte: ((jobId << 1) & 0xf0) | (slot & 0x0f), midstateByte: 0 }),
} as const;

const BM1362: ChipProfile = {
  ...headerCommon,
  ...idsInBits7to3,
  name: 'BM1362',
  chipId: 0x1362,
  chipIdByte: 0x03,
  cores: 65,
  subCores: 8,
  hashesPerClock: 514,
  defaultFrequencyMHz: 525,
  pll: { layout: 'bm1366', fbRange: [144, 235] },
  baudValue: (div) => (0x11300000 | ((div & 0xff) << 8)) >>> 0,
  jobIds: range(32, 8),
  bringUp: BM1362_BRINGUP,
};

const BM1366: ChipProfile = {
  ...headerCommon,
  ...idsInBits7to3,
  name: 'BM1366',
  chipId: 0x1366,
  chipIdByte: 0x00,
  cores: 112,
  subCores: 8,
  hashesPerClock: 894,
  defaultFrequencyMHz: 485,
  pll: { layout: 'bm1366', fbRange: [144, 235] },
  baudValue: (div) => (0x11300000 | ((div & 0xff) << 8)) >>> 0,
  jobIds: range(16, 8, 128),
  bringUp: BM1366_BRINGUP,
};

const BM1368: ChipProfile = {
  ...headerCommon,
  ...idsInBits7to4,
  name: 'BM1368',
  chipId: 0x1368,
  chipIdByte: 0x00,
  cores: 80,
  subCores: 16,
  hashesPerClock: 1276,
  defaultFrequencyMHz: 490,
  pll: { layout: 'bm1366', fbRange: [144, 235] },
  baudValue: (div) => (0x11300000 | ((div & 0xff) << 8)) >>> 0,
  bringUp: BM1368_BRINGUP,
};

/** BM1370: 9-byte replies (with preamble) until 0xA4 is written, then 11; chips split the nonce space by CHIP_NONCE_OFFSET. */
const BM1370: ChipProfile = {
  ...headerCommon,
  ...idsInBits7to4,
  name: 'BM1370',
  chipId: 0x1370,
  chipIdByte: 0x00,
  initialReplyLength: 7,
  cores: 128,
  subCores: 16,
  hashesPerClock: 2040,
  nonceSplit: 'offset',
  defaultFrequencyMHz: 525,
  pll: { layout: 'bm1366', fbRange: [160, 239] },
  baudValue: (div) => (0x01300000 | ((div & 0xff) << 8)) >>> 0,
  bringUp: BM1370_BRINGUP,
};

export const CHIP_PROFILES: Readonly<Record<ChipName, ChipProfile>> = { BM1387, BM1397, BM1362, BM1366, BM1368, BM1370 };

export function chipProfile(name: string): ChipProfile {
  const p = (CHIP_PROFILES as Record<string, ChipProfile>)[name.toUpperCase()];
  if (!p) throw new RangeError(`unknown chip '${name}' (known: ${Object.keys(CHIP_PROFILES).join(', ')})`);
  return p;
}

/** The 7-bit core field every generation carries in its nonces. */
export const CORE_SLOTS = 128;
export { RESET_BAUD };
