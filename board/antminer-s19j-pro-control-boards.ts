// The S19j Pro (3 × 126 BM1362) on the two control boards that reach the hashboards without an
// FPGA: BeagleBone Black (AM335x) and Amlogic A113D. Chains on SoC UARTs, the hashboards' DC-DC
// behind their own controllers with a heartbeat, the APW12 PSU on its own I2C bus with an
// enable GPIO. Everything here is reverse-engineered by DCENT_OS (commit 9ecdd8a7, [re]) and
// hashsource (commit 8fdf381b, [re, run on a unit]); no vendor source exists. Digest:
// shared/reference/real-hardware.md §2.
import type { BoardDefinition, ChainDef, FanDef, GpioRef, PowerDef, SensorDef } from './types.js';
import { antminerS19jPro } from './antminer-s19j-pro.js';

interface ControlBoard {
  name: string;
  description: string;
  controlBoard: string;
  ttys: readonly string[];
  reset: readonly GpioRef[];
  plug: readonly GpioRef[];
  controller: 'pic1704' | 'dspic';
  /** Controller address per chain. */
  controllerAddress: readonly number[];
  controllerBus: number;
  psu: { bus: number; address: number; enable: GpioRef };
  leds: { red: GpioRef; green: GpioRef };
  fanPwmChip: string;
  tach: readonly GpioRef[];
  notes: string[];
  unverified: string[];
}

const CHAINS = [0, 1, 2] as const;

function definition(b: ControlBoard): BoardDefinition {
  const power = (n: number): PowerDef => ({
    kind: 's19-hashboard',
    controller: b.controller,
    bus: { kind: 'linux', bus: b.controllerBus },
    address: b.controllerAddress[n]!,
    psu: { bus: { kind: 'linux', bus: b.psu.bus }, address: b.psu.address, enable: b.psu.enable },
  });
  const chain = (n: number): ChainDef => ({
    index: n,
    // SoC UARTs at 48 MHz/16 (AM335x; Amlogic similar) make 3.0 Mbaud, not 3.125 (real-hardware.md §1b #7).
    link: { kind: 'serial', path: b.ttys[n]!, baud: 3_000_000 },
    chip: 'BM1362',
    expectedChips: 126,
    reset: b.reset[n]!,
    plug: b.plug[n]!,
    power: power(n),
  });
  const sensors: SensorDef[] = CHAINS.map((n) => ({ name: `chain${n}-chip`, location: 'chip' as const, chain: n, kind: 'chain-reported' as const }));
  const fans: FanDef[] = b.tach.map((tach, i) => ({ name: `fan${i + 1}`, kind: 'sysfs-pwm' as const, chip: b.fanPwmChip, channel: 0, tach }));
  return {
    name: b.name,
    description: b.description,
    controlBoard: b.controlBoard,
    chains: CHAINS.map(chain),
    sensors,
    fans,
    leds: b.leds,
    limits: { ...antminerS19jPro.limits, voltage: { min: 11.96, max: 15.2, default: 13.6 } },
    notes: b.notes,
    unverified: [
      'APW12 framing: hashsource (tested on a unit through the Zynq FPGA\'s I2C master) writes `55 AA LEN CMD data SUM16` byte by byte to PSU register 0x11 (v2) or 0x00; DCENT_OS psu.rs writes the same header with an 8-bit checksum as raw bytes, and a third variant (psu_apw12_smbus.rs) uses SMBus opcodes. hashagent follows hashsource.',
      'The voltage code formula is known for PSU version 0x71 only; other versions are refused.',
      'Hashboard controller protocols come from DCENT_OS reverse engineering (pic1704/protocol.rs, dspic_frame.rs); the dead-man timeout is assumed ~10 s like the S9 PIC.',
      'Fans: kernel PWM chip and channel, one PWM for all four fans, tach GPIOs counted by polling.',
      'No PCB temperature sensor is read (TMP75s at 0x48–0x4C on another bus per a DCENT device tree): only the chips\' own temperatures.',
      'Supply voltage default 13.6 V and the temperature limits (no readable source gives S19 stock thresholds).',
      ...b.unverified,
    ],
  };
}

const sysfs = (number: number, activeLow = false): GpioRef => ({ kind: 'sysfs', number, ...(activeLow ? { activeLow } : {}) });
const line = (name: string, fallback: number, activeLow = false): GpioRef => ({ kind: 'line', line: name, sysfs: fallback, ...(activeLow ? { activeLow } : {}) });

/** BeagleBone Black on the S19J_IO_BOARD_V2_0 (DCENT_OS platform/beaglebone.rs:136-175: DTS line names). */
export const antminerS19jProBbb = definition({
  name: 'antminer-s19j-pro-bbb',
  description: 'Antminer S19j Pro: 3 × 126 BM1362 on a BeagleBone Black control board (IO board V2.0)',
  controlBoard: 'BeagleBone Black (AM335x) on S19J_IO_BOARD_V2_0',
  ttys: ['/dev/ttyO1', '/dev/ttyO2', '/dev/ttyO4'], // ttyO3 disabled in the device tree (beaglebone.rs:7-9)
  // The device tree names the lines rst0–rst3 and "enable"; the sysfs numbers are the stock 4.x kernel's.
  reset: [line('rst0', 49, true), line('rst1', 60, true), line('rst2', 27, true)],
  plug: [sysfs(51), sysfs(48), sysfs(47)],
  controller: 'dspic',
  controllerAddress: [0x20, 0x21, 0x22],
  controllerBus: 0,
  psu: { bus: 1, address: 0x10, enable: line('enable', 59) },
  leds: { red: sysfs(45), green: sysfs(23) },
  fanPwmChip: '/sys/class/pwm/pwmchip0',
  tach: [sysfs(7), sysfs(20), sysfs(110), sysfs(112)],
  notes: [
    'Chains on the AM335x UARTs /dev/ttyO1, ttyO2, ttyO4 with the stock uart_trans batching module unloaded (DCENT_OS beaglebone.rs:6-30).',
    'dsPIC33EP voltage controllers at 0x20–0x22 on /dev/i2c-0; the APW12 on /dev/i2c-1 (a bit-banged i2c-gpio bus on gpio4/gpio5) at 0x10, switched by the "enable" line (gpio59).',
    'An older IO board uses reset 5/4/27, plug 51/48/47, PSU enable 65 (beaglebone.rs:77-92): override [board] pins or the definition for it.',
  ],
  unverified: [
    'Plug-detect order 51/48/47 is a best guess for this IO board (beaglebone.rs:170-175); LED red 45 / green 23.',
    'Reset lines active low as luxminer sets them; the "enable" line active high.',
  ],
});

/** Amlogic A113D control board (DCENT_OS platform/amlogic/mod.rs:1-30,130-146,1285-1290). */
export const antminerS19jProAmlogic = definition({
  name: 'antminer-s19j-pro-amlogic',
  description: 'Antminer S19j Pro: 3 × 126 BM1362 on an Amlogic A113D control board',
  controlBoard: 'Amlogic A113D control board (no SD slot)',
  ttys: ['/dev/ttyS1', '/dev/ttyS2', '/dev/ttyS4'], // ttyS3 unused
  reset: [sysfs(454, true), sysfs(455, true), sysfs(456, true)],
  plug: [sysfs(439), sysfs(440), sysfs(441)],
  controller: 'pic1704',
  controllerAddress: [0x20, 0x21, 0x22],
  controllerBus: 0,
  psu: { bus: 1, address: 0x10, enable: sysfs(437) },
  leds: { red: sysfs(438), green: sysfs(453) },
  fanPwmChip: '/sys/class/pwm/pwmchip0',
  tach: [sysfs(447), sysfs(448), sysfs(449), sysfs(450)],
  notes: [
    'Chains on /dev/ttyS1, ttyS2, ttyS4; plug 439–441 (active high), reset 454–456 (active low), PSU enable 437 (active high), LEDs 438/453 (amlogic/mod.rs:17-24).',
    'PIC16F1704 hashboard controllers on /dev/i2c-0 (the source names 0x20).',
  ],
  unverified: [
    'PIC1704 addresses 0x21 and 0x22 for chains 1 and 2: the source names only 0x20 (pic1704/protocol.rs:54); three boards on one bus cannot all answer there, so 0x20–0x22 as on the BeagleBone is assumed.',
    'The APW12 at 0x10 on /dev/i2c-1: DCENT_OS names 0x10 in psu.rs but APW_PMBUS_ADDR 0x1f on the Amlogic management bus (amlogic/mod.rs:1289-1290).',
    'GPIO numbers were read on an S21 (amlogic/mod.rs:17) and assumed the same on the S19j Pro; they are the stock 4.x kernel\'s sysfs numbers.',
  ],
});
