// Temperature sensors as safety reads them, from a board definition's sensor entries. Parts that
// need identifying (TMP451 family) are probed on first read and again after any failure, so a
// sensor missing at start-up is found once it answers.
import { Emc2101 } from '../drivers/sensors/emc2101.js';
import { SensorError, type TemperatureSensor } from '../drivers/sensors/reading.js';
import { Tmp1075 } from '../drivers/sensors/tmp1075.js';
import { Tmp451 } from '../drivers/sensors/tmp451.js';
import { Tps546 } from '../drivers/power/tps546.js';
import type { I2cBus } from '../drivers/transport/bus.js';
import type { SensorDef } from './types.js';

/** A sensor plus what safety needs to judge its silence. */
export interface BoardSensor extends TemperatureSensor {
  readonly chain: number | undefined;
  /** It is read through chain `chain` itself, so it cannot answer before that chain is up. */
  readonly needsChain: boolean;
}

function tmp451Sensor(name: string, bus: I2cBus, addresses: number[], which: 'local' | 'remote'): () => Promise<number> {
  let chip: Tmp451 | null = null;
  return async () => {
    chip ??= await Tmp451.probe(bus, addresses, name);
    try {
      return await (which === 'local' ? chip.local() : chip.remote());
    } catch (e) {
      if (e instanceof SensorError && e.fault === 'no-reply') chip = null;
      throw e;
    }
  };
}

function emc2101Sensor(bus: I2cBus, address: number, which: 'internal' | 'external', ideality?: number): () => Promise<number> {
  const chip = new Emc2101(bus, address);
  let configured = ideality === undefined;
  return async () => {
    if (!configured) {
      await chip.setIdeality(ideality!);
      configured = true;
    }
    return which === 'internal' ? chip.internal() : chip.external();
  };
}

/** `bus` resolves a sensor's bus reference; `chainReported` serves kind 'chain-reported'. */
export function boardSensor(
  def: SensorDef,
  bus: (d: Extract<SensorDef, { bus: unknown }>) => I2cBus,
  chainReported: (name: string, chain: number, location: TemperatureSensor['location']) => TemperatureSensor,
): BoardSensor {
  const base = { name: def.name, location: def.location, chain: def.chain };
  let read: () => Promise<number>;
  let needsChain = false;
  switch (def.kind) {
    case 'tmp451-local':
    case 'tmp451-remote':
      read = tmp451Sensor(def.name, bus(def), def.addresses, def.kind === 'tmp451-local' ? 'local' : 'remote');
      needsChain = def.bus.kind === 'chip';
      break;
    case 'emc2101-internal':
    case 'emc2101-external':
      read = emc2101Sensor(bus(def), def.address, def.kind === 'emc2101-internal' ? 'internal' : 'external', def.ideality);
      break;
    case 'tmp1075': {
      const chip = new Tmp1075(bus(def), def.address, def.name);
      read = () => chip.temperature();
      break;
    }
    case 'tps546': {
      const vr = new Tps546(bus(def), def.address);
      read = () => vr.temperature();
      break;
    }
    case 'chain-reported': {
      if (def.chain === undefined) throw new RangeError(`${def.name}: a chain-reported sensor needs its chain`);
      const s = chainReported(def.name, def.chain, def.location);
      read = () => s.read();
      needsChain = true;
      break;
    }
  }
  return { ...base, needsChain, read };
}
