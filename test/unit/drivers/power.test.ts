import { describe, expect, it } from 'vitest';
import { EmulatedI2cBus } from '../../../board/emulated/i2c-bus.js';
import { PicModel } from '../../../board/emulated/pic-model.js';
import { Tps546Model } from '../../../board/emulated/tps546-model.js';
import { Ds4432uModel } from '../../../board/emulated/eeprom-models.js';
import { EmulatedClock } from '../../../board/emulated/clock.js';
import { S9Pic, picAddress, picToVoltage, voltageToPic } from '../../../drivers/power/s9-pic.js';
import { Tps546 } from '../../../drivers/power/tps546.js';
import { decodeLinear11, encodeLinear11, voutModeExponent } from '../../../drivers/power/pmbus.js';
import { BITAXE_FEEDBACK, Ds4432uRail, ds4432uCode, ds4432uVoltage } from '../../../drivers/power/ds4432u.js';
import { PowerError } from '../../../drivers/power/voltage-controller.js';

const FAST = { retries: 3, retryDelayMs: 2, resetDelayMs: 30, heartbeatMs: 1000 };

describe('S9 PIC', () => {
  it('converts voltages with bmminer\'s coefficients (9.4 V = 6, 8.9 V = 92, 8.1 V = 228)', () => {
    expect(voltageToPic(9.4)).toBe(6);
    expect(voltageToPic(8.9)).toBe(92);
    expect(voltageToPic(8.1)).toBe(228);
    expect(picToVoltage(92)).toBeCloseTo(8.9, 2);
    expect(() => voltageToPic(10)).toThrow(RangeError);
    expect(picAddress(6)).toBe(0x55);
    expect(picAddress(8)).toBe(0x57);
  });

  it('sends every byte as its own transaction and brings the PIC from loader to app', async () => {
    const clock = new EmulatedClock();
    const pic = new PicModel(clock, 10_000, 20);
    const bus = new EmulatedI2cBus().attach(0x55, pic);
    const d = new S9Pic(bus, 0x55, FAST);
    const before = bus.transactions;
    await d.start(); // reset (NACKs while booting; retried), jump, version
    expect(pic.inApp()).toBe(true);
    const t0 = bus.transactions;
    await d.setVoltage(8.8);
    expect(bus.transactions - t0).toBe(4); // 55 AA 10 code
    expect(before).toBe(0);
    expect(pic.voltage()).toBeCloseTo(8.8, 1);
    expect(await d.voltage()).toBeCloseTo(8.8, 1);
    await d.enable(true);
    expect(pic.powered()).toBe(true);
    await d.heartbeat();
    expect(pic.heartbeats).toBe(1);
    await d.enable(false);
    expect(pic.powered()).toBe(false);
  });

  it('retries NACKed bytes, and gives up with a PowerError naming the PIC', async () => {
    const clock = new EmulatedClock();
    const pic = new PicModel(clock, 10_000, 0);
    const bus = new EmulatedI2cBus().attach(0x56, pic);
    const d = new S9Pic(bus, 0x56, FAST);
    await d.jumpToApp();
    bus.nackNext(0x56, 2);
    await d.enable(true);
    expect(pic.powered()).toBe(true);
    bus.silence(0x56);
    await expect(d.heartbeat()).rejects.toThrow(PowerError);
    await expect(d.heartbeat()).rejects.toThrow(/pic@0x56: command 0x16: no answer after 3 attempts/);
  });

  it('the emulated PIC, like the real one, gives one valid byte per read transaction', async () => {
    const pic = new PicModel(new EmulatedClock(), 10_000, 0);
    const bus = new EmulatedI2cBus().attach(0x55, pic);
    for (const b of [0x55, 0xaa, 0x06, 0x55, 0xaa, 0x17]) await bus.transfer(0x55, Uint8Array.of(b), 0);
    const two = await bus.transfer(0x55, new Uint8Array(0), 2);
    expect(two[0]).toBe(0x03); // the version
    expect(two[1]).not.toBe(0x03);
    expect(await new S9Pic(bus, 0x55, FAST).version()).toBe(0x03); // the driver reads byte by byte
  });

  it('refuses voltages outside 7.95–9.4 V before touching the bus', async () => {
    const bus = new EmulatedI2cBus().attach(0x55, new PicModel(new EmulatedClock()));
    const d = new S9Pic(bus, 0x55, FAST);
    await expect(d.setVoltage(9.6)).rejects.toThrow(/outside 7.95..9.4/);
    expect(bus.transactions).toBe(0);
  });

  it('the emulated PIC cuts the DC-DC when heartbeats stop', async () => {
    // The PIC's own time, stepped: no real sleeps to stretch on a loaded machine (audit 4.6).
    const clock = new EmulatedClock();
    clock.freeze();
    const pic = new PicModel(clock, 10_000, 0);
    const bus = new EmulatedI2cBus().attach(0x55, pic);
    const d = new S9Pic(bus, 0x55, FAST);
    await d.jumpToApp();
    await d.enable(true);
    clock.advance(6000);
    await d.heartbeat();
    const beat = clock.now();
    clock.advance(6000);
    expect(pic.powered()).toBe(true);
    clock.advance(3999); // 9.999 s since the last heartbeat
    expect(pic.powered()).toBe(true);
    clock.advance(2000); // 12 s
    expect(pic.powered()).toBe(false);
    expect(pic.watchdogTrips).toBe(1);
    expect(pic.trippedAt).toBe(beat + 10_000);
  });
});

describe('PMBus and TPS546', () => {
  it('LINEAR11 round-trips and VOUT_MODE gives the exponent', () => {
    for (const v of [0, 1.15, 5.0, 12.5, -3.25, 85, 1000]) expect(decodeLinear11(encodeLinear11(v))).toBeCloseTo(v, 1);
    expect(decodeLinear11(0xd3e8)).toBe(1000 / 64); // exponent −6, mantissa 1000
    expect(decodeLinear11(0xfc00 | 0x7ff)).toBe(-1 / 2); // exponent −1, mantissa −1
    expect(voutModeExponent(0x17)).toBe(-9);
    expect(voutModeExponent(0x97)).toBe(-9);
    expect(() => voutModeExponent(0x40)).toThrow(RangeError);
  });

  it('identifies, sets VOUT, switches OPERATION and reads telemetry', async () => {
    const m = new Tps546Model(() => 5.02, () => 12.5, () => 48);
    const bus = new EmulatedI2cBus().attach(0x24, m);
    const vr = new Tps546(bus, 0x24, { min: 1.0, max: 1.4 });
    expect(await vr.identify()).toBe('5449546d2441');
    await vr.setVoltage(1.15);
    expect(m.setpoint()).toBeCloseTo(1.15, 2);
    await vr.enable(true);
    expect(m.on()).toBe(true);
    expect(await vr.vout()).toBeCloseTo(1.15, 2);
    expect(await vr.vin()).toBeCloseTo(5.02, 1);
    expect(await vr.iout()).toBeCloseTo(12.5, 1);
    expect(await vr.temperature()).toBeCloseTo(48, 1);
    await vr.enable(false);
    expect(m.on()).toBe(false);
    await expect(vr.setVoltage(2.5)).rejects.toThrow(PowerError);
    m.nonsense = true;
    await expect(vr.temperature()).rejects.toThrow(/implausible|outside/);
  });
});

describe('DS4432U', () => {
  it('encodes sign-magnitude codes around the nominal output', async () => {
    expect(ds4432uCode(BITAXE_FEEDBACK.nominal, BITAXE_FEEDBACK)).toBe(0);
    const below = ds4432uCode(1.2, BITAXE_FEEDBACK);
    expect(below & 0x80).toBe(0x80);
    expect(ds4432uVoltage(below, BITAXE_FEEDBACK)).toBeCloseTo(1.2, 2);
    const above = ds4432uCode(1.6, BITAXE_FEEDBACK);
    expect(above & 0x80).toBe(0);
    expect(ds4432uVoltage(above, BITAXE_FEEDBACK)).toBeCloseTo(1.6, 2);
    expect(() => ds4432uCode(0.5, BITAXE_FEEDBACK)).toThrow(RangeError);
    const m = new Ds4432uModel();
    let on = false;
    const rail = new Ds4432uRail(new EmulatedI2cBus().attach(0x48, m), 0, BITAXE_FEEDBACK, { min: 1.1, max: 1.5 }, async (v) => void (on = v));
    await rail.setVoltage(1.2);
    expect(m.codes[0]).toBe(below);
    await rail.enable(true);
    expect(on).toBe(true);
  });
});
