// S9 temperatures come through chip 61's own I2C master, so they exist only once the chain is
// up. The real S9 sensor wiring (bus kind 'chip') on the emulated board, with the chain's side
// played by the chip I2C master model: pending (fans 100 %, no shutdown) until the chain is
// ready, real readings after, and a shutdown if the chain never delivers them.
import { afterEach, describe, expect, it } from 'vitest';
import { openBoard, type BoardHardware } from '../../board/open.js';
import { antminerS9 } from '../../board/antminer-s9.js';
import { emulatedAntminerS9 } from '../../board/emulated-boards.js';
import type { BoardDefinition } from '../../board/types.js';
import { I2cMasterModel } from '../../board/emulated/i2c-master-model.js';
import { SafetyController } from '../../agent/safety/controller.js';
import { safetyConfigFor } from '../../agent/safety/policy.js';
import type { ChipRegisterAccess } from '../../drivers/transport/i2c-over-chip.js';
import { EmulatedHashboards } from '../../board/emulated/hashboard.js';
import { ChainDriver } from '../../drivers/asic/chain.js';
import { CHIP_PROFILES } from '../../drivers/asic/profiles.js';

// The emulated S9 with the real board's sensor wiring: TMP451s behind chip 61 of each chain.
const viaChips: BoardDefinition = { ...emulatedAntminerS9, sensors: antminerS9.sensors };

function chipRegisters(hw: BoardHardware, chain: number): ChipRegisterAccess {
  const master = new I2cMasterModel(hw.emulated!.i2c(`chain${chain}-chip61`));
  return {
    writeRegister: async (_chip, _reg, word) => master.write(word),
    readRegister: async () => master.read(),
  };
}

let open: BoardHardware[] = [];
afterEach(async () => {
  for (const hw of open) await hw.close();
  open = [];
});

describe('sensors behind a chip\'s I2C master', () => {
  it('are pending until the chain is up (fans 100 %, never a shutdown), then read', async () => {
    const hw = await openBoard(viaChips, { emulation: { timeScale: 20 } });
    open.push(hw);
    const safety = new SafetyController(hw, safetyConfigFor(viaChips.limits), { chainStartupMs: 5000 });
    for (const c of [6, 7, 8]) safety.chainPowered(c);
    for (let i = 0; i < 5; i++) {
      const d = await safety.poll();
      expect(d.shutdown).toBeNull();
      expect(d.duty).toBe(100);
    }
    expect(safety.status().readings.every((r) => 'error' in r && r.pending && /not available yet/.test(r.error))).toBe(true);
    for (const c of [6, 7, 8]) {
      expect(hw.attachChipRegisters(c, chipRegisters(hw, c))).toBe(true);
      safety.chainReady(c);
    }
    const d = await safety.poll();
    expect(safety.status().readings.map((r) => ('celsius' in r ? 'ok' : r.error))).toEqual(Array(6).fill('ok'));
    expect(d.hottestChip).not.toBeNull();
    expect(d.shutdown).toBeNull();
    safety.stop();
  });

  it('a chain that never delivers them within its startup window: three bad readings, shutdown', async () => {
    const hw = await openBoard(viaChips, { emulation: { timeScale: 20 } });
    open.push(hw);
    const safety = new SafetyController(hw, safetyConfigFor(viaChips.limits), { chainStartupMs: 50 });
    safety.chainPowered(6);
    await new Promise((r) => setTimeout(r, 80));
    const ds = [await safety.poll(), await safety.poll(), await safety.poll()];
    expect(ds.map((d) => d.shutdown?.kind ?? null)).toEqual([null, null, 'sensor-failure']);
    expect(ds[2]!.shutdown).toMatchObject({ sensor: 'chain6-chip' });
    safety.stop();
  });

  it('a sensor that fails after the chain is up is a failure, not pending', async () => {
    const hw = await openBoard(viaChips, { emulation: { timeScale: 20 } });
    open.push(hw);
    const safety = new SafetyController(hw, safetyConfigFor(viaChips.limits));
    for (const c of [6, 7, 8]) {
      safety.chainPowered(c);
      hw.attachChipRegisters(c, chipRegisters(hw, c));
      safety.chainReady(c);
    }
    expect((await safety.poll()).shutdown).toBeNull();
    hw.emulated!.sensorSilent('chain8-chip');
    const ds = [await safety.poll(), await safety.poll(), await safety.poll()];
    expect(ds[0]!.duty).toBe(100);
    expect(ds[2]!.shutdown).toMatchObject({ kind: 'sensor-failure', sensor: 'chain8-chip' });
    safety.stop();
  });

  // Audit 3.1: the real S9 path end to end. The chain driver writes and reads chip 61's register
  // 0x20 over the emulated BM1387 chain (UART frames, CRC5, the chain's own replies); the emulated
  // chip's I2C master runs each command on the board's bus, where the TMP451 model answers.
  it('through the chain driver: chip 61\'s I2C master on the emulated chain reaches the TMP451; an overheat read that way latches', async () => {
    const hw = await openBoard(viaChips, { emulation: { timeScale: 20 } });
    open.push(hw);
    const board = hw.emulated!;
    const { boards, links } = EmulatedHashboards.inProcess('antminer-s9', { hashrateScale: 0.01, i2cMaster: (n) => board.chainHooks(n).i2cMaster });
    const drivers = links.map((link) => new ChainDriver({ link, profile: CHIP_PROFILES.BM1387, expectedChips: 63, difficultyShift: 27, rampIntervalMs: 0, replyTimeoutMs: 100 }));
    try {
      await Promise.all(drivers.map((d) => d.init()));
      const safety = new SafetyController(hw, safetyConfigFor(viaChips.limits), { chainStartupMs: 60_000 });
      drivers.forEach((d, n) => {
        const index = board.chainHooks(n).index;
        safety.chainPowered(index);
        // What the agent attaches (MinerAgent.attach): the driver's own register access.
        expect(hw.attachChipRegisters(index, { readRegister: (chip, reg) => d.readChipRegister(chip, reg), writeRegister: (chip, reg, v) => d.writeChipRegister(chip, reg, v) })).toBe(true);
        safety.chainReady(index);
      });
      const d = await safety.poll();
      expect(d.shutdown).toBeNull();
      const readings = safety.status().readings;
      expect(readings.map((r) => ('celsius' in r ? 'ok' : r.error))).toEqual(Array(6).fill('ok'));
      // The numbers are the board's: TMP451 resolution is 1/16 °C.
      for (const c of [6, 7, 8]) {
        const chip = readings.find((r) => r.sensor === `chain${c}-chip`) as { celsius: number };
        const pcb = readings.find((r) => r.sensor === `chain${c}-pcb`) as { celsius: number };
        expect(Math.abs(chip.celsius - board.chipTemperature(c))).toBeLessThan(1);
        expect(Math.abs(pcb.celsius - board.boardTemperature(c))).toBeLessThan(1);
      }
      // The commands went to chip 61 and nowhere else: the emulated chip took them in its register.
      for (let n = 0; n < 3; n++) {
        const chips = boards.chain(n).chips;
        expect(chips[61]!.registers.get(0x20)).toBeDefined();
        expect(chips.filter((c) => c.registers.has(0x20)).map((c) => c.index)).toEqual([61]);
      }
      // Heat on J7, read through the same path: overheat latched on a chain-7 sensor.
      board.addHeat(7, 3000);
      let shut = null as Awaited<ReturnType<typeof safety.poll>>['shutdown'];
      for (let i = 0; i < 200 && !shut; i++) {
        shut = (await safety.poll()).shutdown;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(shut).toMatchObject({ kind: 'overheat', sensor: expect.stringMatching(/^chain7-(chip|pcb)$/) });
      safety.stop();
    } finally {
      for (const d of drivers) await d.close();
      await boards.close();
    }
  });
});
