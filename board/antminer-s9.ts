// Antminer S9: Zynq XC7Z010 control board, three hashboards of 63 BM1387 on connectors J6–J8,
// running on Braiins OS: its s9io bitstream gives each connector an AXI BM13xx IP as four UIO
// devices (chain<N>-common/-cmd-rx/-work-rx/-work-tx) and the fans a controller IP ("fan-control").
// Sources: braiins-os open/hw/zynq-io-am1-s9/README.md (IP table lines 24-32, registers 80-474)
// and open/bosminer/bosminer-am1-s9/src (io/uio.rs:41-69 device names, fan.rs:63-101,
// gpio.rs:84-117 pin numbers, power.rs PIC), commit 3c1a16f9.
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
  link: { kind: 's9io', connector: n },
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
    { name: 'fan1', kind: 'uio-fan-ctrl', device: 'fan-control', index: 1 },
    { name: 'fan2', kind: 'uio-fan-ctrl', device: 'fan-control', index: 2 },
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
    'Runs on Braiins OS (its s9io bitstream, device tree and uio_pdrv_genirq): chains through the s9io IP\'s UIO FIFOs (link s9io:N), fans through its fan controller IP; needs the native addon (dist/native/linux-arm). Stock Bitmain firmware exposes only /dev/axi_fpga_dev, which hashagent does not drive.',
    'PIC voltage controllers (0x55–0x57) on /dev/i2c-0 (the bitstream\'s AXI IIC at 0x41600000), the hashboard EEPROM, reset (GPIO 888+N−1 = 893–895), plug detect (897+N−1 = 902–904), LEDs (943/944) and buttons (953/957) as bOSminer numbers them (gpio.rs).',
    'Temperatures come through chip 61 of each chain (its I2C master), so they exist only once the chain is enumerated; until then safety runs the fans at 100 %.',
    'The PIC must get a heartbeat every second or it cuts the board after ~10 s; the reset pin does not reset the PIC.',
  ],
  unverified: [
    'The work FIFO\'s midstate word order: hashagent writes H7..H0 each as its little-endian value (the bytes a UART job frame carries, given the FIFO sends a word LSB first as the command FIFO does, README lines 253-264); bOSminer writes each word byte-swapped from its midstate representation (io.rs:453-456), whose byte order was not traced.',
    'Which reply byte carries the midstate index: the digest (§1.6) says byte 4; the s9io README and bOSminer take it from the work id\'s low bits. The link sends 1-midstate works (CTRL_REG MIDSTATE_CNT 0) by default so it does not depend on it; midstates 2/4 follow bOSminer.',
    'How the IP extends the chip\'s 7-bit work id to 16 bits (assumed: the newest id sent with those low bits) and how it interleaves command and work frames.',
    'Reset active low; sysfs GPIO numbers 888+ hold on the Braiins OS 4.x kernel (gpiochip bases move on newer kernels).',
    'The AT24C02 at 0x50 shares the PIC bus (digest open question 6).',
  ],
};
