// Antminer S9: Zynq XC7Z010 control board, three hashboards of 63 BM1387 on connectors J6–J8.
// Facts: shared/reference/asic-hardware.md §3.1–§3.2 (bOSminer, bmminer).
import { picAddress } from '../drivers/power/s9-pic.js';
import { TMP451_PROBE_ADDRESSES } from '../drivers/sensors/tmp451.js';
import type { BoardDefinition, ChainDef, SensorDef } from './types.js';

const CONNECTORS = [6, 7, 8] as const;
/** The hashboard I2C bus (the PICs' TSDA/TSCL) as Linux numbers it under the Braiins bitstream. */
const HASHBOARD_I2C = { kind: 'linux', bus: 0 } as const;
/** bOSminer reads the TMP451 through chip 61's I2C master. */
const SENSOR_CHIP = 61;

const chain = (n: number): ChainDef => ({
  index: n,
  link: { kind: 'serial', path: `/dev/hashchain${n}` },
  chip: 'BM1387',
  expectedChips: 63,
  reset: { kind: 'sysfs', number: 888 + n - 1, activeLow: true },
  plug: { kind: 'sysfs', number: 897 + n - 1 },
  power: { kind: 's9-pic', bus: HASHBOARD_I2C, address: picAddress(n) },
});

const sensors = (n: number): SensorDef[] => [
  { name: `chain${n}-chip`, location: 'chip', chain: n, kind: 'tmp451-remote', bus: { kind: 'chip', chain: n, chip: SENSOR_CHIP }, addresses: [...TMP451_PROBE_ADDRESSES] },
  { name: `chain${n}-pcb`, location: 'board', chain: n, kind: 'tmp451-local', bus: { kind: 'chip', chain: n, chip: SENSOR_CHIP }, addresses: [...TMP451_PROBE_ADDRESSES] },
];

export const antminerS9: BoardDefinition = {
  name: 'antminer-s9',
  description: 'Antminer S9: 3 × 63 BM1387 (J6–J8)',
  controlBoard: 'Xilinx Zynq XC7Z010 "C41" control board',
  chains: CONNECTORS.map(chain),
  sensors: CONNECTORS.flatMap(sensors),
  fans: [
    { name: 'fan1', kind: 'hwmon', dir: '/sys/class/hwmon/hwmon0', index: 1 },
    { name: 'fan2', kind: 'hwmon', dir: '/sys/class/hwmon/hwmon0', index: 2 },
  ],
  leds: { red: { kind: 'sysfs', number: 943 }, green: { kind: 'sysfs', number: 944 } },
  buttons: { reset: { kind: 'sysfs', number: 953, activeLow: true }, ipReport: { kind: 'sysfs', number: 957, activeLow: true } },
  limits: {
    // bOSminer's defaults; bmminer also stops at PCB > 90 °C.
    targetTemp: 89,
    hotTemp: 100,
    dangerousTemp: 110,
    boardDangerousTemp: 90,
    vrDangerousTemp: 110,
    minFans: 1,
    voltage: { min: 7.95, max: 9.4, default: 8.8 },
    frequency: { min: 200, max: 900, default: 650 },
  },
  notes: [
    'Chains need one UART device per connector (/dev/hashchain6–8, e.g. udev links). Neither the stock Bitmain FPGA (/dev/axi_fpga_dev FIFOs) nor the Braiins s9io bitstream (UIO FIFOs with FPGA-side CRC) exposes one: a bitstream with plain AXI UARTs on the connectors, or a UIO chain transport, is required. Override the paths with [hash_chain.N] link.',
    'PIC voltage controllers (0x55–0x57), the hashboard EEPROM, reset (GPIO 893–895), plug detect (902–904), LEDs (943/944) and buttons (953/957) use the real Linux interfaces: /dev/i2c-N and sysfs GPIO.',
    'Temperatures come through chip 61 of each chain (its I2C master), so they exist only once the chain is enumerated; until then safety runs the fans at 100 %.',
    'The PIC must get a heartbeat every second or it cuts the board after ~10 s; the reset pin does not reset the PIC.',
  ],
  unverified: [
    'Hashboard I2C is /dev/i2c-0 under the Braiins bitstream (AXI IIC at 0x41600000).',
    'Fans appear as a hwmon node (pwm1, fan1_input, fan2_input); the FPGA fan IP has no mainline driver, so this needs one.',
    'The AT24C02 at 0x50 shares the PIC bus (digest open question 6).',
  ],
};
