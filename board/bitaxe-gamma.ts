// Bitaxe Gamma (BM1370, TPS546, EMC2101) attached to a Linux host over USB with bitaxe-raw
// firmware: /dev/ttyACM0 tunnels I2C and GPIO, /dev/ttyACM1 is the ASIC's UART (mujina's model).
import { TPS546_ADDRESS } from '../drivers/power/tps546.js';
import { EMC2101_ADDRESS } from '../drivers/sensors/emc2101.js';
import { BITAXE_RAW_RESET_PIN } from '../drivers/transport/i2c-bitaxe-raw.js';
import type { BoardDefinition, I2cBusRef } from './types.js';

const CONTROL = '/dev/ttyACM0';
const I2C: I2cBusRef = { kind: 'bitaxe-raw', control: CONTROL };

export const bitaxeGamma: BoardDefinition = {
  name: 'bitaxe-gamma',
  description: 'Bitaxe Gamma: 1 × BM1370 over USB (bitaxe-raw firmware)',
  controlBoard: 'Linux host; the board\'s ESP32-S3 runs bitaxe-raw',
  chains: [
    {
      index: 0,
      // ESP-Miner runs the Bitaxe line at ~1 Mbaud (divider 2, bm1370.c BM1370_set_max_baud).
      link: { kind: 'serial', path: '/dev/ttyACM1', baud: 1_000_000 },
      chip: 'BM1370',
      expectedChips: 1,
      reset: { kind: 'bitaxe-raw', control: CONTROL, pin: BITAXE_RAW_RESET_PIN, activeLow: true },
      power: { kind: 'tps546', bus: I2C, address: TPS546_ADDRESS, range: { min: 1.0, max: 1.4 } },
    },
  ],
  sensors: [
    // The Gamma's BM1370 diode wants ideality 0x24 (ESP-Miner).
    { name: 'asic', location: 'chip', chain: 0, kind: 'emc2101-external', bus: I2C, address: EMC2101_ADDRESS, ideality: 0x24 },
    { name: 'vr', location: 'vr', chain: 0, kind: 'tps546', bus: I2C, address: TPS546_ADDRESS },
  ],
  fans: [{ name: 'fan', kind: 'emc2101', bus: I2C, address: EMC2101_ADDRESS }],
  limits: {
    // ESP-Miner's overheat mode: ASIC 75 °C or VR 105 °C.
    targetTemp: 60,
    hotTemp: 70,
    dangerousTemp: 75,
    boardDangerousTemp: 90,
    vrDangerousTemp: 105,
    minFans: 1,
    voltage: { min: 1.0, max: 1.4, default: 1.15 },
    frequency: { min: 400, max: 800, default: 525 },
  },
  notes: [
    'The board must run bitaxe-raw (two CDC-ACM ports). I2C (TPS546 at 0x24, EMC2101 at 0x4C) and the ASIC reset (pin 0, active low) go through the control port; no kernel drivers are needed.',
    'TPS546 VOUT stays within 1.0–1.4 V; its OPERATION register is the power switch safety uses.',
  ],
  unverified: ['The 1.4 V and 800 MHz ceilings (ESP-Miner bounds its UI, not the hardware); bitaxe-raw\'s response format (v0 or v1) depends on its firmware version.'],
};
