// emulated-* boards: each real definition with its buses, pins and links swapped for the
// in-process emulator's, plus the physical model. Bitaxe keeps its bitaxe-raw tunnel (served by
// emulated firmware) so the tunnel driver runs too. Where a real board reads a chip's diode
// through the chain itself (S9: chip 61's I2C master), the emulated board puts the sensor on an
// emulated bus of its own, so safety works before and without the chain emulator.
import { antminerS9 } from './antminer-s9.js';
import { antminerS19jPro } from './antminer-s19j-pro.js';
import { antminerS19jProAmlogic, antminerS19jProBbb } from './antminer-s19j-pro-control-boards.js';
import { bitaxeGamma } from './bitaxe-gamma.js';
import { gekkoCompacF } from './gekko-compac-f.js';
import { S9_THERMAL, type ThermalParams } from './emulated/thermal.js';
import type { BoardDefinition, ChainDef, ChipProfileName, FanDef, GpioRef, I2cBusRef, PowerDef, SensorDef } from './types.js';

export const EMULATED_CONTROL = 'emulated';

function bus(r: I2cBusRef): I2cBusRef {
  switch (r.kind) {
    case 'linux':
      return { kind: 'emulated', name: `i2c-${r.bus}` };
    case 'chip':
      return { kind: 'emulated', name: `chain${r.chain}-sensors` };
    case 'bitaxe-raw':
      return { kind: 'bitaxe-raw', control: EMULATED_CONTROL };
    case 'emulated':
      return r;
  }
}

function pin(r: GpioRef): GpioRef {
  if (r.kind === 'bitaxe-raw') return { ...r, control: EMULATED_CONTROL };
  if (r.kind === 'sysfs') return { kind: 'emulated', name: `gpio${r.number}`, ...(r.activeLow ? { activeLow: true } : {}) };
  if (r.kind === 'chip-line') return { kind: 'emulated', name: `${r.chipLabel}:${r.offset}`, ...(r.activeLow ? { activeLow: true } : {}) };
  if (r.kind === 'line') return { kind: 'emulated', name: `line:${r.line}`, ...(r.activeLow ? { activeLow: true } : {}) };
  return r;
}

function power(p: PowerDef): PowerDef {
  switch (p.kind) {
    case 'none':
      return p;
    case 'ds4432u':
      return { ...p, bus: bus(p.bus), enable: pin(p.enable) };
    case 's19-hashboard':
      return { ...p, bus: bus(p.bus), psu: { ...p.psu, bus: bus(p.psu.bus), enable: pin(p.psu.enable) } };
    default:
      return { ...p, bus: bus(p.bus) };
  }
}

function sensor(s: SensorDef): SensorDef {
  return 'bus' in s ? ({ ...s, bus: bus(s.bus) } as SensorDef) : s;
}

function fan(f: FanDef, maxRpm: number): FanDef {
  if (f.kind === 'emc2101') return { ...f, bus: bus(f.bus) };
  return { name: f.name, kind: 'emulated', maxRpm };
}

export function emulatedVersion(real: BoardDefinition, profile: string, thermal: ThermalParams, chainWatts: number, fanMaxRpm = 6000): BoardDefinition {
  const chain = (c: ChainDef, i: number): ChainDef => ({
    ...c,
    // The real link's rate limit goes with it: the emulated host UART is modelled on it.
    link: { kind: 'emulated', profile, chain: i, ...(c.link.kind === 'serial' && c.link.baud ? { baud: c.link.baud } : {}) },
    ...(c.reset ? { reset: pin(c.reset) } : {}),
    ...(c.plug ? { plug: pin(c.plug) } : {}),
    power: power(c.power),
    ...(c.eeprom ? { eeprom: { ...c.eeprom, bus: bus(c.eeprom.bus) } } : {}),
  });
  return {
    ...real,
    name: `emulated-${real.name}`,
    description: `${real.description}, emulated in process`,
    controlBoard: 'none: in-process emulator',
    chains: real.chains.map(chain),
    sensors: real.sensors.map(sensor),
    fans: real.fans.map((f) => fan(f, fanMaxRpm)),
    ...(real.leds ? { leds: { ...(real.leds.red ? { red: pin(real.leds.red) } : {}), ...(real.leds.green ? { green: pin(real.leds.green) } : {}) } } : {}),
    ...(real.buttons ? { buttons: {} } : {}),
    notes: [`The emulated version of ${real.name}: every part is a software model speaking the real part's protocol.`],
    unverified: [],
    emulation: { chainProfile: profile, thermal, chainWatts },
  };
}

/** ~1 kW per chain: S19/S21-class hashboards (chips ~67 °C at full airflow in 25 °C air). */
const S19_THERMAL: ThermalParams = { ambient: 25, rFullAirflow: 0.03, rStillAir: 0.3, rChip: 0.01, tauS: 60, idleW: 80 };
const BITAXE_THERMAL: ThermalParams = { ambient: 25, rFullAirflow: 1.2, rStillAir: 7, rChip: 0.3, tauS: 20, idleW: 2 };
// No controlled fan: the stick sits in a USB fan's airflow, modelled as always full.
const GEKKO_THERMAL: ThermalParams = { ambient: 25, rFullAirflow: 2.0, rStillAir: 6, rChip: 0.5, tauS: 20, idleW: 1 };

/** A later Antminer on the S19j Pro's layout with another chip (emulation only: no real definition yet). */
function antminerLike(name: string, description: string, chip: ChipProfileName, chips: number): BoardDefinition {
  return {
    ...antminerS19jPro,
    name,
    description,
    chains: antminerS19jPro.chains.map((c) => ({ ...c, chip, expectedChips: chips })),
  };
}

export const emulatedAntminerS9 = emulatedVersion(antminerS9, 'antminer-s9', S9_THERMAL, 450);
export const emulatedAntminerS19jPro = emulatedVersion(antminerS19jPro, 'antminer-s19j-pro', S19_THERMAL, 1000);
export const emulatedAntminerS19jProBbb = emulatedVersion(antminerS19jProBbb, 'antminer-s19j-pro', S19_THERMAL, 1000);
export const emulatedAntminerS19jProAmlogic = emulatedVersion(antminerS19jProAmlogic, 'antminer-s19j-pro', S19_THERMAL, 1000);
export const emulatedAntminerS19Xp = emulatedVersion(antminerLike('antminer-s19-xp', 'Antminer S19 XP: 3 × 110 BM1366', 'BM1366', 110), 'antminer-s19-xp', S19_THERMAL, 1000);
export const emulatedAntminerS21 = emulatedVersion(antminerLike('antminer-s21', 'Antminer S21: 3 × 108 BM1368', 'BM1368', 108), 'antminer-s21', S19_THERMAL, 1100);
export const emulatedAntminerS21Pro = emulatedVersion(antminerLike('antminer-s21-pro', 'Antminer S21 Pro: 3 × 65 BM1370', 'BM1370', 65), 'antminer-s21-pro', S19_THERMAL, 1100);
export const emulatedBitaxeGamma = emulatedVersion(bitaxeGamma, 'bitaxe-gamma', BITAXE_THERMAL, 18, 5000);
export const emulatedGekkoCompacF = emulatedVersion(gekkoCompacF, 'gekko-compac-f', GEKKO_THERMAL, 12);
