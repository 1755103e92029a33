// The S19 supply chain: APW12 frames against hashsource's psu_test.c (a program run on a real
// S19, phletchv/hashsource_antminer_x19 hashsource_x19/src/psu_test.c:243-284), the dsPIC
// framed-sum checksum against DCENT_OS dspic_frame.rs, and the drivers against their models on
// an emulated I2C bus: detection, voltage, DC-DC on/off, heartbeats, and the PSU shared by chains.
import { describe, expect, it } from 'vitest';
import { APW12_RANGE, Apw12, apw12Frame, apw12VoltageCode, parseApw12Frame } from '../../../drivers/power/apw12.js';
import { DsPic, Pic1704, dspicFrame } from '../../../drivers/power/s19-pic.js';
import { S19ChainPower, SharedSupply } from '../../../drivers/power/s19-power.js';
import { PowerError } from '../../../drivers/power/voltage-controller.js';
import { EmulatedI2cBus } from '../../../board/emulated/i2c-bus.js';
import { EmulatedClock } from '../../../board/emulated/clock.js';
import { Apw12Model, DsPicModel, Pic1704Model } from '../../../board/emulated/s19-power-models.js';

const FAST = { sendDelayMs: 0, readDelayMs: 0, retries: 3 };

describe('APW12 frames (psu_test.c)', () => {
  it('get type and set voltage as psu_test.c builds them', () => {
    // psu_get_version: {55 AA 04 02} + sum(04,02) = 0x0006 little-endian.
    expect([...apw12Frame(0x02)]).toEqual([0x55, 0xaa, 0x04, 0x02, 0x06, 0x00]);
    // voltage_to_psu(12000) = (1190935338 − 12000·78743)/10⁶ = 246; frame {55 AA 06 83 F6 00} + 0x017F.
    expect(apw12VoltageCode(12.0)).toBe(246);
    expect([...apw12Frame(0x83, [246, 0])]).toEqual([0x55, 0xaa, 0x06, 0x83, 0xf6, 0x00, 0x7f, 0x01]);
    // 15 V: (1190935338 − 1181145000)/10⁶ = 9.79 → 9 (and the clamp at 9).
    expect(apw12VoltageCode(15.0)).toBe(9);
    expect(parseApw12Frame(apw12Frame(0x02, [0x71, 0]))).toEqual({ command: 0x02, data: Uint8Array.of(0x71, 0) });
    expect(() => parseApw12Frame(Uint8Array.of(0x55, 0xaa, 0x04, 0x02, 0x07, 0x00))).toThrow(PowerError);
    expect(() => parseApw12Frame(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toThrow(/55 AA/);
  });

  it('dsPIC framed-sum: LEN = payload + 3, SUM8 = LEN + CMD + payload (dspic_frame.rs)', () => {
    expect([...dspicFrame(0x16)]).toEqual([0x55, 0xaa, 0x03, 0x16, 0x19]);
    expect([...dspicFrame(0x15, [1])]).toEqual([0x55, 0xaa, 0x04, 0x15, 0x01, 0x1a]);
  });
});

describe('S19 supply drivers on their models', () => {
  function rig(controller: 'pic1704' | 'dspic') {
    const clock = new EmulatedClock();
    const bus = new EmulatedI2cBus('i2c-1');
    let enable = false;
    const psuModel = new Apw12Model(() => enable);
    bus.attach(0x10, psuModel);
    const ctrlModels = [0, 1].map(() => (controller === 'pic1704' ? new Pic1704Model(clock, 200) : new DsPicModel(clock, 200)));
    ctrlModels.forEach((m, i) => bus.attach(0x20 + i, m));
    const psu = new Apw12(bus, 0x10, async (on) => void (enable = on), FAST);
    const supply = new SharedSupply(psu);
    const chains = ctrlModels.map((_, i) => new S19ChainPower(i, supply, controller === 'pic1704' ? new Pic1704(bus, 0x20 + i, undefined, 0) : new DsPic(bus, 0x20 + i)));
    return { psuModel, ctrlModels, chains, psu, enabled: () => enable };
  }

  for (const controller of ['pic1704', 'dspic'] as const) {
    it(`${controller}: PSU detected (v2, version 0x71), voltage set, DC-DC on, PSU off only with the last chain`, async () => {
      const { psuModel, ctrlModels, chains, psu, enabled } = rig(controller);
      await chains[0]!.setVoltage(13.6);
      expect(psu.version).toBe(0x71);
      expect(psuModel.code).toBe(apw12VoltageCode(13.6));
      await expect(chains[0]!.setVoltage(APW12_RANGE.max + 1)).rejects.toThrow(PowerError);
      await chains[0]!.enable(true);
      await chains[1]!.enable(true);
      expect(enabled()).toBe(true);
      expect(ctrlModels.every((m) => m.powered())).toBe(true);
      await chains[0]!.heartbeat();
      expect(ctrlModels[0]!.heartbeats).toBe(1);
      await chains[0]!.enable(false);
      expect(ctrlModels[0]!.powered()).toBe(false);
      expect(enabled()).toBe(true); // chain 1 still on
      await chains[1]!.enable(false);
      expect(enabled()).toBe(false);
      await chains[1]!.enable(false); // again: safe
    });
  }

  it('a controller left without heartbeats cuts its DC-DC (dead-man switch)', async () => {
    const { ctrlModels, chains } = rig('pic1704');
    await chains[0]!.enable(true);
    expect(ctrlModels[0]!.powered()).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(ctrlModels[0]!.powered()).toBe(false);
    expect(ctrlModels[0]!.watchdogTrips).toBe(1);
  });
});
