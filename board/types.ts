// What a board definition says: which chips on which links, where its power controllers,
// sensors, fans and pins are, and the limits safety holds it to. Definitions are plain data;
// board/open.ts turns one into driver objects (real or emulated).
import type { ThermalParams } from './emulated/thermal.js';

export type ChipProfileName = 'BM1387' | 'BM1397' | 'BM1362' | 'BM1366' | 'BM1368' | 'BM1370';

/** How a chain's serial line is reached. */
export type ChainLink =
  /** `baud`: the fastest rate the link carries; the chain driver picks the fastest chip divider
   * within 5 % of it (default: the chip's own fast rate). */
  | { kind: 'serial'; path: string; baud?: number }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string }
  /** The Braiins OS s9io FPGA IP of hashboard connector `connector` (UIO devices chain<N>-*),
   * found under `root` ("/" on the board). */
  | { kind: 's9io'; connector: number; root?: string; midstates?: 1 | 2 | 4 }
  /** In process: chain `chain` of the named profile in board/emulated/chain-profiles.ts. */
  | { kind: 'emulated'; profile: string; chain: number; baud?: number };

export type I2cBusRef =
  | { kind: 'linux'; bus: number }
  /** Through a hashing chip's own I2C master (S9 sensors): chip `chip` on chain `chain`. */
  | { kind: 'chip'; chain: number; chip: number }
  /** Tunnelled by bitaxe-raw firmware over its USB control port. */
  | { kind: 'bitaxe-raw'; control: string }
  | { kind: 'emulated'; name: string };

export type GpioRef = (
  | { kind: 'sysfs'; number: number }
  /** A line of the GPIO character device by its device-tree name; `sysfs` is the number to fall
   * back on where no chip names its lines (older kernels). */
  | { kind: 'line'; line: string; sysfs?: number }
  /** Line `offset` of the GPIO chip whose label is `chipLabel` (ftdi_sio's "ftdi-cbus": CBUS pins). */
  | { kind: 'chip-line'; chipLabel: string; offset: number }
  | { kind: 'bitaxe-raw'; control: string; pin: number }
  | { kind: 'emulated'; name: string }
) & { activeLow?: boolean };

export type PowerDef =
  | { kind: 's9-pic'; bus: I2cBusRef; address: number }
  | { kind: 'tps546'; bus: I2cBusRef; address: number; range: { min: number; max: number } }
  | { kind: 'ds4432u'; bus: I2cBusRef; address: number; output: 0 | 1; enable: GpioRef; range: { min: number; max: number } }
  /** S19: the hashboard's controller (PIC16F1704 or dsPIC33EP) gating its DC-DC, fed by the
   * APW12 PSU that every chain shares (its I2C address and enable line). */
  | { kind: 's19-hashboard'; controller: 'pic1704' | 'dspic'; bus: I2cBusRef; address: number; psu: { bus: I2cBusRef; address: number; enable: GpioRef } }
  /** The board cannot switch or set its chains' supply; safety can only stop hashing and hold reset. */
  | { kind: 'none'; why: string };

export type SensorDef = {
  name: string;
  /** chip: a hashing chip's diode; board: the PCB; vr: the core regulator. */
  location: 'chip' | 'board' | 'vr';
  /** The chain whose heat it measures (and whose power it follows), if any. */
  chain?: number;
} & (
  | { kind: 'tmp451-local' | 'tmp451-remote'; bus: I2cBusRef; addresses: number[] }
  | { kind: 'emc2101-internal' | 'emc2101-external'; bus: I2cBusRef; address: number; ideality?: number }
  | { kind: 'tmp1075'; bus: I2cBusRef; address: number }
  | { kind: 'tps546'; bus: I2cBusRef; address: number }
  /** Values the chain driver reads from the chips themselves and reports (ChainTemperatureFeed). */
  | { kind: 'chain-reported' }
);

export type FanDef = { name: string } & (
  | { kind: 'emc2101'; bus: I2cBusRef; address: number; invert?: boolean }
  | { kind: 'hwmon'; dir: string; index: number }
  /** The S9 bitstream's fan controller IP (UIO device `device`, e.g. "fan-control"): tach `index` 1–4, one PWM for all. */
  | { kind: 'uio-fan-ctrl'; device: string; index: number; root?: string }
  | { kind: 'sysfs-pwm'; chip: string; channel: number; tach: GpioRef }
  | { kind: 'emulated'; maxRpm: number }
);

export interface ChainDef {
  /** The chain's number in agent.toml ([hash_chain.N]); connector number on Antminers. */
  index: number;
  link: ChainLink;
  chip: ChipProfileName;
  expectedChips: number;
  reset?: GpioRef;
  plug?: GpioRef;
  power: PowerDef;
  eeprom?: { bus: I2cBusRef; address: number };
}

export interface Range {
  min: number;
  max: number;
  default: number;
}

export interface SafeLimits {
  /** Chip temperatures, °C: fans regulate towards target; hot ⇒ fans 100 %; dangerous ⇒ shutdown. */
  targetTemp: number;
  hotTemp: number;
  dangerousTemp: number;
  /** Shutdown limits for the other locations, °C. */
  boardDangerousTemp: number;
  vrDangerousTemp: number;
  /** Fans that must spin while hashing (0 for boards with no fan control). */
  minFans: number;
  /** Per-chain supply, volts (absent when the board cannot set it). */
  voltage?: Range;
  /** Chip clock, MHz. */
  frequency: Range;
}

export interface EmulationDef {
  /** Chain emulator profile (board/emulated/chain-profiles.ts). */
  chainProfile: string;
  thermal: ThermalParams;
  /** Hashing power of one chain at default settings, W (used until the chain emulator reports load). */
  chainWatts: number;
}

export interface BoardDefinition {
  name: string;
  description: string;
  controlBoard: string;
  chains: ChainDef[];
  sensors: SensorDef[];
  fans: FanDef[];
  leds?: { red?: GpioRef; green?: GpioRef };
  buttons?: { reset?: GpioRef; ipReport?: GpioRef };
  limits: SafeLimits;
  /** What the definition needs from the system, and where it comes from. */
  notes: string[];
  /** Facts in this definition that no source we read confirms. */
  unverified: string[];
  /** Present on emulated-* boards: the physical model behind the emulated parts. */
  emulation?: EmulationDef;
}

export class BoardError extends Error {
  override readonly name = 'BoardError';
}

export function formatLink(l: ChainLink): string {
  switch (l.kind) {
    case 'serial':
      return l.path;
    case 'tcp':
      return `tcp://${l.host}:${l.port}`;
    case 'unix':
      return `unix:${l.path}`;
    case 's9io':
      return `s9io:${l.connector}${l.root && l.root !== '/' ? `@${l.root}` : ''}`;
    case 'emulated':
      return `emulated:${l.profile}/${l.chain}`;
  }
}

/** A chain link as miners write it: a device path, tcp://host:port, unix:path, s9io:connector[@root] or emulated:profile/chain. */
export function parseLink(text: string): ChainLink {
  let m: RegExpMatchArray | null;
  if ((m = text.match(/^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d{1,5})$/))) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new BoardError(`port ${port} is outside 1..65535`);
    return { kind: 'tcp', host: m[1]!.replace(/^\[|\]$/g, ''), port };
  }
  if ((m = text.match(/^unix:(.+)$/))) return { kind: 'unix', path: m[1]! };
  if ((m = text.match(/^s9io:(\d{1,2})(?:@(\/\S*))?$/))) return { kind: 's9io', connector: Number(m[1]), ...(m[2] ? { root: m[2] } : {}) };
  if ((m = text.match(/^emulated:([a-z0-9-]+)\/(\d+)$/))) return { kind: 'emulated', profile: m[1]!, chain: Number(m[2]) };
  if (/^\/dev\/\S+$/.test(text)) return { kind: 'serial', path: text };
  throw new BoardError(`"${text}" is not a chain link (expected /dev/…, tcp://host:port, unix:path, s9io:N[@root] or emulated:profile/chain)`);
}
