// GekkoScience Compac F: one BM1397 behind a USB serial bridge (cgminer's driver-gekko). No I2C,
// no controllable supply or fan: the host can only talk to the chip.
import type { BoardDefinition } from './types.js';

export const gekkoCompacF: BoardDefinition = {
  name: 'gekko-compac-f',
  description: 'GekkoScience Compac F: 1 × BM1397 on USB serial',
  controlBoard: 'any Linux host with USB',
  chains: [
    {
      index: 0,
      // FTDI FT230X: ftdi_sio cannot make 3.125 Mbaud (falls back to 9600); cgminer's driver-gekko
      // runs the chip at divider 1 with the FTDI at 1.5 M (driver-gekko.c:1553-1573).
      link: { kind: 'serial', path: '/dev/ttyUSB0', baud: 1_500_000 },
      chip: 'BM1397',
      expectedChips: 1,
      power: { kind: 'none', why: 'the stick has a fixed regulator trimmed by hand; USB power stays on' },
    },
  ],
  sensors: [{ name: 'chip', location: 'chip', chain: 0, kind: 'chain-reported' }],
  fans: [],
  limits: {
    targetTemp: 60,
    hotTemp: 70,
    dangerousTemp: 80,
    boardDangerousTemp: 80,
    vrDangerousTemp: 100,
    minFans: 0,
    frequency: { min: 100, max: 800, default: 400 },
  },
  notes: [
    'USB serial only: no I2C, GPIO or fan. Safety can stop hashing and reset the chip through the chain driver; it cannot cut power, so keep the stick in a USB fan\'s airflow.',
    'The chip temperature is what the chain driver reads from the BM1397 and reports.',
  ],
  unverified: ['Temperature limits (taken from ESP-Miner\'s BM1397 boards, not from a Compac F source) and the frequency range.'],
};
