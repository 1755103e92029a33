// Fuzz: sensor, fan and power drivers reading whatever bytes a broken part or a noisy bus gives.
// A driver may only return a number inside the physical range it checks, or throw its typed
// error — never another exception and never a value safety would wrongly trust.
import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EmulatedI2cBus, PointerRegisterModel, type I2cDeviceModel } from '../../board/emulated/i2c-bus.js';
import { TMP451_IDS } from '../../board/emulated/tmp451-model.js';
import { Tmp451 } from '../../drivers/sensors/tmp451.js';
import { Emc2101 } from '../../drivers/sensors/emc2101.js';
import { Tmp1075 } from '../../drivers/sensors/tmp1075.js';
import { Ina260 } from '../../drivers/sensors/ina260.js';
import { Tps546 } from '../../drivers/power/tps546.js';
import { Emc2101Fan } from '../../drivers/fans/emc2101-fan.js';
import { SensorError, TEMPERATURE_RANGE } from '../../drivers/sensors/reading.js';
import { PowerError } from '../../drivers/power/voltage-controller.js';
import { MAX_PLAUSIBLE_RPM } from '../../drivers/fans/fan.js';
import { linkedPair } from '../../drivers/transport/in-process-link.js';
import { BitaxeRawControl, BitaxeRawI2cBus } from '../../drivers/transport/i2c-bitaxe-raw.js';
import { BusError } from '../../drivers/transport/bus.js';

/** A part whose every register read returns the next byte of `noise` (ids kept real where given). */
class NoisyPart extends PointerRegisterModel {
  private i = 0;
  constructor(
    private readonly noise: number[],
    private readonly fixed: Record<number, number> = {},
  ) {
    super();
  }
  protected readRegister(r: number): number {
    return this.fixed[r] ?? this.noise[this.i++ % this.noise.length]!;
  }
  protected writeRegister(): void {}
}

/** The same for raw transactions (PMBus words and blocks, MSB-first words). */
class NoisyRaw implements I2cDeviceModel {
  private i = 0;
  constructor(private readonly noise: number[]) {}
  write(): void {}
  read(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.noise[this.i++ % this.noise.length]!);
  }
}

// About half of what the fixed seeds give (printed by FUZZ_COUNTS=1): enough that a driver
// rejecting good bytes fails, with room for a changed generator.
const OK_FLOOR = { tmp451: 150, emc2101: 360, telemetry: 500, bitaxeRaw: 60 };
const bytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 });

/** Reads that returned a number, per property: a driver that always threw would pass the range checks alone. */
let ok = 0;
async function outcome(read: () => Promise<number>, allowed: (e: unknown) => boolean): Promise<number | 'error'> {
  try {
    const v = await read();
    ok++;
    return v;
  } catch (e) {
    if (!allowed(e)) throw e;
    return 'error';
  }
}
const sensorError = (e: unknown) => e instanceof SensorError;
const inTemp = (v: number | 'error') => v === 'error' || (Number.isFinite(v) && v >= TEMPERATURE_RANGE.min && v <= TEMPERATURE_RANGE.max);

describe('drivers on noise', () => {
  beforeEach(() => {
    ok = 0;
  });
  it('TMP451 family (each map): temperatures in range or SensorError', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, fc.constantFrom(...Object.values(TMP451_IDS)), async (noise, id) => {
        const bus = new EmulatedI2cBus().attach(0x4c, new NoisyPart(noise, { 0xfe: id.manufacturer, 0xff: id.device }));
        let chip: Tmp451;
        try {
          chip = await Tmp451.open(bus, 0x4c);
        } catch (e) {
          if (!(e instanceof SensorError)) throw e;
          return;
        }
        expect(inTemp(await outcome(() => chip.local(), sensorError))).toBe(true);
        expect(inTemp(await outcome(() => chip.remote(), sensorError))).toBe(true);
      }),
      { numRuns: 300, seed: 451 },
    );
    if (process.env.FUZZ_COUNTS) console.log("ok tmp451", ok);
    expect(ok).toBeGreaterThan(OK_FLOOR.tmp451);
  });

  it('EMC2101 temperatures and fan speed', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, async (noise) => {
        const bus = new EmulatedI2cBus().attach(0x4c, new NoisyPart(noise));
        const c = new Emc2101(bus);
        expect(inTemp(await outcome(() => c.internal(), sensorError))).toBe(true);
        expect(inTemp(await outcome(() => c.external(), sensorError))).toBe(true);
        const rpm = await outcome(() => new Emc2101Fan(c).readRpm(), sensorError);
        expect(rpm === 'error' || (rpm >= 0 && rpm <= MAX_PLAUSIBLE_RPM)).toBe(true);
      }),
      { numRuns: 300, seed: 2101 },
    );
    if (process.env.FUZZ_COUNTS) console.log("ok emc2101", ok);
    expect(ok).toBeGreaterThan(OK_FLOOR.emc2101);
  });

  it('TMP1075, INA260 and TPS546 telemetry', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, async (noise) => {
        const bus = new EmulatedI2cBus().attach(0x4a, new NoisyRaw(noise)).attach(0x40, new NoisyRaw(noise)).attach(0x24, new NoisyRaw(noise));
        expect(inTemp(await outcome(() => new Tmp1075(bus, 0x4a).temperature(), sensorError))).toBe(true);
        const ina = new Ina260(bus);
        for (const [read, lo, hi] of [[() => ina.current(), -15, 15], [() => ina.busVoltage(), 0, 36], [() => ina.power(), 0, 540]] as const) {
          const v = await outcome(read, sensorError);
          expect(v === 'error' || (v >= lo && v <= hi)).toBe(true);
        }
        const vr = new Tps546(bus);
        const power = (e: unknown) => e instanceof SensorError || e instanceof PowerError;
        expect(inTemp(await outcome(() => vr.temperature(), power))).toBe(true);
        for (const [read, lo, hi] of [[() => vr.vin(), 0, 20], [() => vr.vout(), 0, 6], [() => vr.iout(), -5, 60]] as const) {
          const v = await outcome(read, power);
          expect(v === 'error' || (v >= lo && v <= hi)).toBe(true);
        }
      }),
      { numRuns: 300, seed: 546 },
    );
    if (process.env.FUZZ_COUNTS) console.log("ok telemetry", ok);
    expect(ok).toBeGreaterThan(OK_FLOOR.telemetry);
  });

  it('bitaxe-raw control port: any reply bytes give data or a BusError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }), fc.constantFrom('v0' as const, 'v1' as const), fc.option(fc.integer({ min: 0, max: 255 })), async (noise, format, good) => {
        // Half the runs answer with a well-formed reply to request id 0 (mujina's description of the
        // format: v0 `len id data`, len = data bytes; v1 `len id status data`, len = total), which must
        // come back as that byte.
        const reply = good === null ? noise : format === 'v0' ? [1, 0, 0, good] : [5, 0, 0, 0, good];
        const [host, device] = linkedPair(115_200);
        device.on('data', () => void device.write(Uint8Array.from(reply)));
        const bus = new BitaxeRawI2cBus(new BitaxeRawControl(host, format, 20));
        const v = await outcome(() => bus.readByte(0x4c, 0), (e) => e instanceof BusError);
        expect(v === 'error' || (Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
        if (good !== null) expect(v).toBe(good);
        await host.close();
      }),
      { numRuns: 150, seed: 7 },
    );
    if (process.env.FUZZ_COUNTS) console.log("ok bitaxeRaw", ok);
    expect(ok).toBeGreaterThan(OK_FLOOR.bitaxeRaw);
  });
});
