// Antminer S19j Pro on a BeagleBone (AM335x) or Amlogic control board: three hashboards of 126
// BM1362. No source we read documents these control boards' UART/I2C/GPIO mapping or the S19
// hashboards' power controller protocol (digest §3.1, open questions 5 and 11); everything below
// except the chip and its count is a placeholder to be checked on a board.
import type { BoardDefinition, ChainDef, SensorDef } from './types.js';

const CHAINS = [0, 1, 2] as const;

const chain = (n: number): ChainDef => ({
  index: n,
  // SoC UARTs at 48 MHz/16 (AM335x) make 3.0 Mbaud, not 3.125: within 5 % of the chips' divider 0.
  link: { kind: 'serial', path: `/dev/ttyS${n + 1}`, baud: 3_000_000 },
  chip: 'BM1362',
  expectedChips: 126,
  reset: { kind: 'sysfs', number: 20 + n, activeLow: true },
  plug: { kind: 'sysfs', number: 30 + n },
  power: { kind: 'none', why: 'the S19 hashboard supply comes from the APW12 PSU and a board controller whose protocol is not documented in any source read' },
});

const sensors = (n: number): SensorDef[] => [
  { name: `chain${n}-chip`, location: 'chip', chain: n, kind: 'chain-reported' },
  { name: `chain${n}-pcb`, location: 'board', chain: n, kind: 'tmp451-local', bus: { kind: 'linux', bus: n + 1 }, addresses: [0x4c, 0x4d, 0x4e] },
];

export const antminerS19jPro: BoardDefinition = {
  name: 'antminer-s19j-pro',
  description: 'Antminer S19j Pro: 3 × 126 BM1362, generic layout without power control (mostly unverified; real control boards: antminer-s19j-pro-bbb, antminer-s19j-pro-amlogic)',
  controlBoard: 'BeagleBone (AM335x) or Amlogic A113D control board',
  chains: CHAINS.map(chain),
  sensors: CHAINS.flatMap(sensors),
  fans: [1, 2, 3, 4].map((i) => ({ name: `fan${i}`, kind: 'hwmon' as const, dir: '/sys/class/hwmon/hwmon0', index: i })),
  leds: { red: { kind: 'sysfs', number: 40 }, green: { kind: 'sysfs', number: 41 } },
  limits: {
    targetTemp: 75,
    hotTemp: 85,
    dangerousTemp: 95,
    boardDangerousTemp: 90,
    vrDangerousTemp: 110,
    minFans: 4,
    frequency: { min: 200, max: 700, default: 525 },
  },
  notes: [
    'Chains on SoC UARTs, hashboard sensors on SoC I2C buses: no FPGA between SoC and hashboards on these control boards (digest §3.1).',
    'Voltage cannot be set or cut from here (power kind "none"): a shutdown stops hashing and holds the chains in reset; the PSU keeps the boards supplied.',
    'Chip temperatures are read by the chain driver from the BM1362s and reported to safety.',
  ],
  unverified: [
    'UART device per chain (/dev/ttyS1–3).',
    'Reset and plug-detect GPIO numbers (20–22, 30–32) and LED GPIOs (40/41).',
    'PCB sensors as TMP451-family parts on /dev/i2c-1..3 at 0x4C–0x4E.',
    'Four hwmon fans; minimum four spinning.',
    'Temperature limits (no readable source gives S19 stock thresholds) and the frequency range.',
  ],
};
