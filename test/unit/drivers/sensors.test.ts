import { describe, expect, it } from 'vitest';
import { EmulatedI2cBus } from '../../../board/emulated/i2c-bus.js';
import { Tmp451Model, TMP451_IDS } from '../../../board/emulated/tmp451-model.js';
import { Emc2101Model } from '../../../board/emulated/emc2101-model.js';
import { Ina260Model, Tmp1075Model } from '../../../board/emulated/word-sensor-models.js';
import { FanMotor } from '../../../board/emulated/fan-motor.js';
import { EmulatedClock } from '../../../board/emulated/clock.js';
import { Tmp451, identifyTmp451, TMP451_LAYOUTS } from '../../../drivers/sensors/tmp451.js';
import { Emc2101 } from '../../../drivers/sensors/emc2101.js';
import { Tmp1075 } from '../../../drivers/sensors/tmp1075.js';
import { Ina260 } from '../../../drivers/sensors/ina260.js';
import { SensorError, checkTemperature } from '../../../drivers/sensors/reading.js';

async function fault(p: Promise<unknown>): Promise<SensorError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SensorError) return e;
    throw e;
  }
  throw new Error('expected a SensorError');
}

describe('temperature validation', () => {
  it('passes physical values and refuses the rest', () => {
    expect(checkTemperature('s', 85.5)).toBe(85.5);
    expect(() => checkTemperature('s', -41)).toThrow(SensorError);
    expect(() => checkTemperature('s', 151)).toThrow(/outside -40..150/);
    expect(() => checkTemperature('s', Number.NaN)).toThrow(SensorError);
  });
});

describe('TMP451 family', () => {
  it('identifies by manufacturer and device id as bOSminer does', () => {
    expect(identifyTmp451(0x55, 0x21)).toBe('TMP421');
    expect(identifyTmp451(0x55, 0x00)).toBe('TMP451');
    expect(identifyTmp451(0x41, 0x51)).toBe('ADT7461');
    expect(identifyTmp451(0x1a, 0x00)).toBe('NCT218');
    expect(identifyTmp451(0x4d, 0x00)).toBeNull();
  });

  it('probes the S9 addresses and reads local and remote with sixteenths', async () => {
    let remote = 71.3125;
    const bus = new EmulatedI2cBus().attach(0x4d, new Tmp451Model(() => 48.5, () => remote, TMP451_IDS.TMP421));
    const s = await Tmp451.probe(bus);
    expect(s.address).toBe(0x4d);
    expect(s.kind).toBe('TMP421');
    expect(await s.local()).toBe(48.5);
    expect(await s.remote()).toBe(71.3125);
    remote = -5.5;
    expect(await s.remote()).toBe(-5.5);
  });

  it('switches the chip to extended range (value − 64), so 0x00/0xFF noise is implausible', async () => {
    for (const [kind, id] of [['TMP451', TMP451_IDS.TMP451], ['TMP421', TMP451_IDS.TMP421], ['ADT7461', TMP451_IDS.ADT7461]] as const) {
      const bus = new EmulatedI2cBus().attach(0x4c, new Tmp451Model(() => 30, () => 140.25, id));
      const s = await Tmp451.open(bus, 0x4c);
      const l = TMP451_LAYOUTS[kind];
      expect(await bus.readByte(0x4c, l.configRead), kind).toBe(0x04);
      expect(await bus.readByte(0x4c, l.remoteHigh), kind).toBe(140 + 64);
      expect(await s.remote(), kind).toBe(140.25);
      expect(await s.local(), kind).toBe(30);
    }
  });

  it('reads each kind\'s own register map (TMP421: fractions at 0x10/0x11, open flag in the remote fraction)', async () => {
    const m = new Tmp451Model(() => 41.75, () => 66.5, TMP451_IDS.TMP421);
    const bus = new EmulatedI2cBus().attach(0x4c, m);
    const s = await Tmp451.open(bus, 0x4c);
    expect(await s.local()).toBe(41.75);
    expect(await bus.readByte(0x4c, 0x11)).toBe(0x80); // ½ in the remote fraction register
    m.remoteOpen = true;
    await expect(s.remote()).rejects.toMatchObject({ fault: 'open-circuit' });
    // ADT7461 has no local fraction register: whole degrees.
    const adt = await Tmp451.open(new EmulatedI2cBus().attach(0x4c, new Tmp451Model(() => 41.75, () => 66.5, TMP451_IDS.ADT7461)), 0x4c);
    expect(await adt.local()).toBe(41);
  });

  it('reports an open diode, nonsense and silence as typed faults', async () => {
    const m = new Tmp451Model(() => 30, () => 60);
    const bus = new EmulatedI2cBus().attach(0x4c, m);
    const s = await Tmp451.open(bus, 0x4c);
    m.remoteOpen = true;
    expect((await fault(s.remote())).fault).toBe('open-circuit');
    m.remoteOpen = false;
    m.nonsense = true;
    expect((await fault(s.remote())).fault).toBe('implausible');
    expect((await fault(s.local())).fault).toBe('implausible');
    m.nonsense = false;
    bus.silence(0x4c);
    expect((await fault(s.local())).fault).toBe('no-reply');
  });

  it('refuses a chip that is not in the family', async () => {
    const bus = new EmulatedI2cBus().attach(0x4c, new Tmp451Model(() => 30, () => 60, { manufacturer: 0x4d, device: 1 }));
    expect((await fault(Tmp451.open(bus, 0x4c))).fault).toBe('unknown-device');
    await expect(Tmp451.probe(bus)).rejects.toThrow(/0x4c.*not a TMP451.*no ACK from 0x4d.*no ACK from 0x4e/);
  });
});

describe('EMC2101', () => {
  const clock = new EmulatedClock();
  it('reads the external diode in eighths and the internal sensor', async () => {
    let ext = 63.625;
    const m = new Emc2101Model(() => 41, () => ext, new FanMotor(clock));
    const bus = new EmulatedI2cBus().attach(0x4c, m);
    const c = new Emc2101(bus);
    expect(await c.identify()).toBe(0x16);
    expect(await c.external()).toBe(63.625);
    expect(await c.internal()).toBe(41);
    ext = -3.25;
    expect(await c.external()).toBe(-3.25);
    m.diodeOpen = true;
    expect((await fault(c.external())).message).toMatch(/diode open/);
    m.diodeOpen = false;
    m.nonsense = true;
    expect((await fault(c.external())).fault).toBe('implausible');
  });
});

describe('TMP1075 / LM75 and INA260 (MSB-first words)', () => {
  it('TMP1075 decodes 1/256 °C words and its id', async () => {
    let t = 37.0625;
    const m = new Tmp1075Model(() => t);
    const bus = new EmulatedI2cBus().attach(0x4a, m);
    const s = new Tmp1075(bus, 0x4a);
    await s.identify();
    expect(await s.temperature()).toBe(37.0625);
    t = -12.5;
    expect(await s.temperature()).toBe(-12.5);
    m.nonsense = true;
    expect((await fault(s.temperature())).fault).toBe('implausible');
  });

  it('INA260 reports volts, amps and watts and refuses out-of-rating values', async () => {
    const m = new Ina260Model(() => 5.1, () => 15.3);
    const bus = new EmulatedI2cBus().attach(0x40, m);
    const p = new Ina260(bus);
    await p.identify();
    expect(await p.busVoltage()).toBeCloseTo(5.1, 3);
    expect(await p.power()).toBeCloseTo(15.3, 2);
    expect(await p.current()).toBeCloseTo(3.0, 2);
    m.nonsense = true;
    expect((await fault(p.busVoltage())).fault).toBe('implausible');
  });
});
