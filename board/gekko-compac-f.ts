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
      // nRST on the FT230X's CBUS1 (cgminer bit-bangs it: CB1 low 1 s, then high; driver-gekko.c:2171-2234).
      // Linux ftdi_sio offers CBUS pins as a gpiochip labelled "ftdi-cbus" when the EEPROM sets them
      // to GPIO mode (drivers/usb/serial/ftdi_sio.c ftdi_gpio_init).
      reset: { kind: 'chip-line', chipLabel: 'ftdi-cbus', offset: 1, activeLow: true },
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
    'USB serial only: no I2C or fan; the chip\'s reset is the FTDI\'s CBUS1 through the kernel\'s ftdi-cbus gpiochip. Safety can stop hashing and hold the chip in reset; it cannot cut power, so keep the stick in a USB fan\'s airflow.',
    'The chip temperature is what the chain driver reads from the BM1397 and reports.',
  ],
  unverified: [
    'Temperature limits (taken from ESP-Miner\'s BM1397 boards, not from a Compac F source) and the frequency range.',
    'That the Compac F\'s EEPROM sets CBUS1 to GPIO mode (cgminer drives it through libusb bit-bang mode, which needs no EEPROM setting): without it ftdi_sio offers no "ftdi-cbus" line and the board does not open.',
  ],
};
