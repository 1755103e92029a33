import { describe, expect, it } from 'vitest';
import { BOARDS, boardDefinition } from '../../board/boards.js';
import { openBoard } from '../../board/open.js';
import { BoardError, formatLink, parseLink } from '../../board/types.js';
import { emulatedBoard } from '../../board/emulated/chain-profiles.js';
import { CHIP_PROFILES } from '../../drivers/asic/profiles.js';
import { SafetyController } from '../../agent/safety/controller.js';
import { safetyConfigFor } from '../../agent/safety/policy.js';

const CHIPS = ['BM1387', 'BM1397', 'BM1362', 'BM1366', 'BM1368', 'BM1370'];

describe('board definitions', () => {
  it('are consistent: unique chain numbers, known chips, limits in order, notes on what is unverified', () => {
    expect(new Set(BOARDS.map((b) => b.name)).size).toBe(BOARDS.length);
    for (const b of BOARDS) {
      const idx = b.chains.map((c) => c.index);
      expect(new Set(idx).size, b.name).toBe(idx.length);
      for (const c of b.chains) expect(CHIPS, b.name).toContain(c.chip);
      const l = b.limits;
      expect(l.targetTemp < l.hotTemp && l.hotTemp < l.dangerousTemp, b.name).toBe(true);
      expect(l.minFans, b.name).toBeLessThanOrEqual(b.fans.length);
      expect(l.frequency.min <= l.frequency.default && l.frequency.default <= l.frequency.max, b.name).toBe(true);
      if (l.voltage) expect(l.voltage.min <= l.voltage.default && l.voltage.default <= l.voltage.max, b.name).toBe(true);
      for (const s of b.sensors) if (s.chain !== undefined) expect(idx, `${b.name} ${s.name}`).toContain(s.chain);
      expect(b.notes.length, b.name).toBeGreaterThan(0);
      if (!b.emulation) expect(b.unverified.length, b.name).toBeGreaterThan(0);
    }
    expect(boardDefinition('antminer-s19j-pro').description).toMatch(/unverified/);
    expect(() => boardDefinition('antminer-s7')).toThrow(BoardError);
  });

  it('the emulated boards follow the chain emulator\'s profiles (chips per chain)', () => {
    const expected: Record<string, [string, number, number]> = {
      'emulated-antminer-s9': ['BM1387', 3, 63],
      'emulated-antminer-s19j-pro': ['BM1362', 3, 126],
      'emulated-antminer-s19-xp': ['BM1366', 3, 110],
      'emulated-antminer-s21': ['BM1368', 3, 108],
      'emulated-antminer-s21-pro': ['BM1370', 3, 65],
      'emulated-bitaxe-gamma': ['BM1370', 1, 1],
      'emulated-gekko-compac-f': ['BM1397', 1, 1],
    };
    for (const [name, [chip, chains, chips]] of Object.entries(expected)) {
      const b = boardDefinition(name);
      expect(b.chains.map((c) => [c.chip, c.expectedChips]), name).toEqual(Array(chains).fill([chip, chips]));
      b.chains.forEach((c, i) => expect(c.link).toMatchObject({ kind: 'emulated', profile: name.replace(/^emulated-/, ''), chain: i }));
      // The emulated host UART is modelled on the real link's limit (or the chip's own fast rate).
      const link = b.chains[0]!.link as { baud?: number };
      const emu = emulatedBoard(name);
      expect(link.baud ?? CHIP_PROFILES[emu.chip].fastBaud, name).toBe(emu.linkBaud);
    }
  });

  it('chain links round-trip through their text form', () => {
    for (const t of ['/dev/ttyS1', 's9io:6', 's9io:7@/tmp/stand-in', 'tcp://10.0.0.2:5555', 'tcp://[::1]:5555', 'unix:/run/hb0.sock', 'emulated:antminer-s9/2']) expect(formatLink(parseLink(t))).toBe(t.replace('[::1]', '::1'));
    expect(() => parseLink('tcp://host:99999')).toThrow(BoardError);
    expect(() => parseLink('ttyS1')).toThrow(/not a chain link/);
  });

  it('a real board cannot be opened on a machine without its hardware: a BoardError says what is missing', async () => {
    await expect(openBoard(boardDefinition('antminer-s9'))).rejects.toThrow(BoardError);
    await expect(openBoard(boardDefinition('antminer-s9'))).rejects.toThrow(/GPIO|i2c/);
    await expect(openBoard(boardDefinition('bitaxe-gamma'), { openSerial: async (p) => Promise.reject(new Error(`cannot open ${p}`)) })).rejects.toThrow(/control port \/dev\/ttyACM0/);
  });

  for (const b of BOARDS.filter((x) => x.emulation)) {
    it(`${b.name}: opens on the emulator and every sensor and fan reads plausibly`, async () => {
      const hw = await openBoard(b, { emulation: { timeScale: 10 } });
      try {
        const safety = new SafetyController(hw, safetyConfigFor(b.limits));
        const d = await safety.poll();
        const st = safety.status();
        expect(st.readings.every((r) => 'celsius' in r && r.celsius > 15 && r.celsius < 40), JSON.stringify(st.readings)).toBe(true);
        expect(st.readings).toHaveLength(b.sensors.length);
        expect(st.fans.every((f) => f.rpm !== null)).toBe(true);
        expect(d.shutdown).toBeNull();
        expect(hw.chains.every((c) => !hw.emulated!.isPowered(c.index) || c.power === null)).toBe(true); // nothing powered before bring-up
        expect(hw.chains.every((c) => c.reset === null || hw.emulated!.inReset(c.index))).toBe(true);
      } finally {
        await hw.close();
      }
    });
  }
});
