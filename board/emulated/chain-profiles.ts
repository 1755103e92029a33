// The emulated hashboards: which chip, how many chains and chips, and the difficulty scale.
// `difficultyShift` k makes an emulated diff-1 target 2^k times easier, chosen so that each
// board costs the emulator roughly 60–130 k real hashes per second at the chips' default clock
// while nonce rates, job lifetimes and nominal hashrates stay those of the real machine.
import { CHIP_PROFILES, type ChipName, type ChipProfile } from '../../drivers/asic/profiles.js';
import type { HostUart } from './host-uart.js';

export interface EmulatedBoardProfile {
  readonly name: string;
  readonly description: string;
  readonly chip: ChipName;
  readonly chains: number;
  readonly chipsPerChain: number;
  readonly difficultyShift: number;
  /** How the real machine's chains are attached. */
  readonly link: 'uart' | 'usb-serial';
  /** Chips per voltage domain where the chain needs its domain boundaries configured. */
  readonly domainSize?: number;
  /** The host UART the chain hangs on, and the fastest rate it carries (the board's link.baud). */
  readonly hostUart: HostUart;
  readonly linkBaud: number;
}

export const EMULATED_BOARDS: readonly EmulatedBoardProfile[] = [
  { name: 'antminer-s9', description: 'Antminer S9: 3 × 63 BM1387', chip: 'BM1387', chains: 3, chipsPerChain: 63, difficultyShift: 27, link: 'uart', hostUart: 'exact', linkBaud: 1_562_500 },
  { name: 'antminer-s19j-pro', description: 'Antminer S19j Pro: 3 × 126 BM1362', chip: 'BM1362', chains: 3, chipsPerChain: 126, difficultyShift: 30, link: 'uart', hostUart: 'uart-3mhz', linkBaud: 3_000_000 },
  { name: 'antminer-s19-xp', description: 'Antminer S19 XP: 3 × 110 BM1366', chip: 'BM1366', chains: 3, chipsPerChain: 110, difficultyShift: 31, link: 'uart', hostUart: 'uart-3mhz', linkBaud: 3_000_000 },
  { name: 'antminer-s21', description: 'Antminer S21: 3 × 108 BM1368', chip: 'BM1368', chains: 3, chipsPerChain: 108, difficultyShift: 31, link: 'uart', hostUart: 'uart-3mhz', linkBaud: 3_000_000 },
  { name: 'antminer-s21-pro', description: 'Antminer S21 Pro: 3 × 65 BM1370', chip: 'BM1370', chains: 3, chipsPerChain: 65, difficultyShift: 31, link: 'uart', domainSize: 5, hostUart: 'uart-3mhz', linkBaud: 3_000_000 },
  { name: 'bitaxe-gamma', description: 'Bitaxe Gamma: 1 × BM1370', chip: 'BM1370', chains: 1, chipsPerChain: 1, difficultyShift: 24, link: 'uart', hostUart: 'exact', linkBaud: 1_000_000 },
  { name: 'gekko-compac-f', description: 'GekkoScience Compac F: 1 × BM1397 on USB serial', chip: 'BM1397', chains: 1, chipsPerChain: 1, difficultyShift: 22, link: 'usb-serial', hostUart: 'ftdi', linkBaud: 1_500_000 },
];

export function emulatedBoard(name: string): EmulatedBoardProfile {
  const b = EMULATED_BOARDS.find((x) => x.name === name.replace(/^emulated-/, ''));
  if (!b) throw new RangeError(`unknown emulated board '${name}' (known: ${EMULATED_BOARDS.map((x) => x.name).join(', ')})`);
  return b;
}

export const boardChip = (b: EmulatedBoardProfile): ChipProfile => CHIP_PROFILES[b.chip];

/** Nominal hash rate (H/s) of a board at its chips' default clock. */
export const nominalBoardHashrate = (b: EmulatedBoardProfile, scale = 1): number => {
  const p = boardChip(b);
  return p.defaultFrequencyMHz * 1e6 * p.hashesPerClock * b.chains * b.chipsPerChain * scale;
};
