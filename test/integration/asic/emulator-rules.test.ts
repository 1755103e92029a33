// The emulator refuses what a real chip refuses (board/emulated/chip-rules.ts): each rule gets the
// wrong bring-up (the driver's profile with one step or value changed, often what the driver sent
// before it followed the captures) ⇒ no nonces, or none from the chips the rule cuts off; and the
// profile's own bring-up ⇒ mining. Small chains keep it quick; the rules do not depend on length
// except where the test says so.
import { afterEach, describe, expect, it } from 'vitest';
import { ChainDriver } from '../../../drivers/asic/chain.js';
import { CHIP_PROFILES, type ChipProfile } from '../../../drivers/asic/profiles.js';
import type { BringUp, BringUpStep } from '../../../drivers/asic/bringup.js';
import { emulatedBoard, type EmulatedBoardProfile } from '../../../board/emulated/chain-profiles.js';
import { EmulatedHashboards } from '../../../board/emulated/hashboard.js';
import { WorkScheduler } from '../../../agent/roles/miner/scheduler.js';
import type { WorkTag } from '../../../agent/roles/miner/work-generator.js';
import { testJob } from '../../support/mining-job.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One chain of `chips` chips of a board's kind. */
const small = (name: string, chips: number): EmulatedBoardProfile => ({ ...emulatedBoard(name), chains: 1, chipsPerChain: chips });

/** The profile with its bring-up steps rewritten. */
function withSteps(p: ChipProfile, edit: (steps: BringUpStep[]) => BringUpStep[], more: Partial<BringUp> = {}): ChipProfile {
  return { ...p, bringUp: { ...p.bringUp, ...more, steps: edit([...p.bringUp.steps]) } };
}
/** Replaces one register's value in every broadcast / per-chip step. */
const setValue = (reg: number, value: number) => (steps: BringUpStep[]): BringUpStep[] =>
  steps.map((s) => (s.kind === 'broadcast' ? { ...s, writes: s.writes.map((w) => (w !== 'ticket' && w[0] === reg ? [reg, value] as const : w)) } : s.kind === 'perChip' ? { ...s, writes: s.writes.map((w) => (w[0] === reg ? [reg, value] as const : w)) } : s));
const dropReg = (reg: number) => (steps: BringUpStep[]): BringUpStep[] =>
  steps.map((s) => (s.kind === 'broadcast' ? { ...s, writes: s.writes.filter((w) => w === 'ticket' || w[0] !== reg) } : s.kind === 'perChip' ? { ...s, writes: s.writes.filter((w) => w[0] !== reg) } : s));
const dropStep = (kind: BringUpStep['kind']) => (steps: BringUpStep[]): BringUpStep[] => steps.filter((s) => s.kind !== kind);

/** Brings the chain up with `profile` (the emulator keeps the real chip) and mines for `ms`. */
async function mine(board: EmulatedBoardProfile, profile: ChipProfile, ms: number, nbits = 0x1703a30c, maxBaud: number | undefined = board.linkBaud) {
  const { boards, links } = EmulatedHashboards.inProcess(board, { hashrateScale: 1 });
  cleanups.push(() => boards.close());
  const driver = new ChainDriver<WorkTag>({ link: links[0]!, profile, expectedChips: board.chipsPerChain, difficultyShift: board.difficultyShift, rampIntervalMs: 0, replyTimeoutMs: 200, ticketDifficulty: 1, ...(maxBaud ? { maxBaud } : {}) });
  cleanups.push(() => driver.close());
  const report = await driver.init();
  const sched = new WorkScheduler({ onShare: () => {} });
  sched.addChain(driver);
  sched.start();
  sched.setJob(testJob({ nbits }));
  await new Promise((r) => setTimeout(r, ms));
  sched.stop();
  const chipsReporting = driver.chips.filter((c) => c.nonces > 0).length;
  return { report, nonces: driver.stats.nonces, chipsReporting, driver, boards };
}

describe('MISC_CONTROL report enables (mujina REFERENCE.md 0x18: power-on 0x0000C100 cannot report)', () => {
  const board = emulatedBoard('bitaxe-gamma');
  it('BM1370 without the 0x18 open-core writes reports nothing', async () => {
    const r = await mine(board, withSteps(CHIP_PROFILES.BM1370, dropReg(0x18)), 1500);
    expect(r.report.found).toBe(1);
    expect(r.nonces).toBe(0);
  });
  it('with them it mines', async () => {
    expect((await mine(board, CHIP_PROFILES.BM1370, 1500)).nonces).toBeGreaterThan(10);
  });
});

describe('core clock words through 0x3C (mujina 0x3C; ESP-Miner bm1368.c)', () => {
  const board = small('antminer-s21', 4);
  it('BM1368 given the BM1366 clock select and delay (0x80008540, 0x80008020) reports nothing', async () => {
    const wrong = withSteps(CHIP_PROFILES.BM1368, (steps) => setValue(0x3c, 0)(steps).map((s) => (s.kind === 'perChip' ? { ...s, writes: [[0xa8, 0x000701f0], [0x18, 0xf000c100], [0x3c, 0x80008540], [0x3c, 0x80008020], [0x3c, 0x800082aa]] } : s)));
    expect((await mine(board, wrong, 1500)).nonces).toBe(0);
  });
  it('without the core enable 0x800082AA nothing either', async () => {
    const wrong = withSteps(CHIP_PROFILES.BM1368, (steps) => steps.map((s) => (s.kind === 'perChip' ? { ...s, writes: s.writes.filter((w) => w[1] !== 0x800082aa) } : s)));
    expect((await mine(board, wrong, 1500)).nonces).toBe(0);
  });
  it('BM1397 without 0x3C = 0x80008074 reports nothing; with it, it mines', async () => {
    const gekko = emulatedBoard('gekko-compac-f');
    expect((await mine(gekko, withSteps(CHIP_PROFILES.BM1397, dropReg(0x3c)), 1500)).nonces).toBe(0);
    expect((await mine(gekko, CHIP_PROFILES.BM1397, 1500)).nonces).toBeGreaterThan(10);
  });
  it('the captured values mine on every chip', async () => {
    const r = await mine(board, CHIP_PROFILES.BM1368, 1500);
    expect(r.chipsReporting).toBe(4);
  });
});

describe('BM1362 0xA8 bit 4 is CHIP_RST (mujina 0xA8 layout)', () => {
  const board = small('antminer-s19j-pro', 6);
  it('the BM1366 per-chip 0xA8 = 0x000701F0 resets each chip: only chip 0 (whose address is 0 again) is configured', async () => {
    const wrong = withSteps(CHIP_PROFILES.BM1362, (steps) => steps.map((s) => (s.kind === 'perChip' ? { ...s, writes: s.writes.map((w) => (w[0] === 0xa8 ? [0xa8, 0x000701f0] as const : w)) } : s)));
    const r = await mine(board, wrong, 1500);
    expect(r.chipsReporting).toBeLessThanOrEqual(1);
  });
  it('the captured 0xA8 = 0x00000002 (CORE_SRST_FAST) keeps every chip', async () => {
    expect((await mine(board, CHIP_PROFILES.BM1362, 1500)).chipsReporting).toBe(6);
  });
});

describe('BM1387 GATE_BLOCK and open-core work (bosminer bm1387.rs:495-499, lib.rs:632-655)', () => {
  const board = small('antminer-s9', 4);
  it('gate block without the open-core null jobs: cores ignore work (even nbits)', async () => {
    expect((await mine(board, withSteps(CHIP_PROFILES.BM1387, dropStep('openCore')), 1000)).nonces).toBe(0);
  });
  it('with the 114 open-core jobs every chip mines', async () => {
    const r = await mine(board, CHIP_PROFILES.BM1387, 1000);
    expect(r.chipsReporting).toBe(4);
    expect(r.driver.stats.hwErrors).toBe(0);
  });
  it('without INV_CLKO a 63-chip chain garbles replies from its far chips', async () => {
    const s9 = small('antminer-s9', 63);
    const noInv: ChipProfile = { ...CHIP_PROFILES.BM1387, baudValue: (div) => (CHIP_PROFILES.BM1387.baudValue(div) & ~(1 << 21)) >>> 0 };
    const r = await mine(s9, noInv, 1500);
    const far = (d: typeof r.driver) => d.chips.slice(16).reduce((n, c) => n + c.nonces, 0);
    const near = (d: typeof r.driver) => d.chips.slice(0, 16).reduce((n, c) => n + c.nonces, 0);
    // Only the odd misaligned window that passes CRC5 and the (2^27-scaled) ticket gets through.
    expect(far(r.driver)).toBeLessThan(near(r.driver) / 10);
    // BM1387 replies have no preamble: a garbled one is skipped byte by byte.
    expect(r.driver.stats.skippedBytes).toBeGreaterThan(0);
    const ok = await mine(s9, CHIP_PROFILES.BM1387, 1500);
    expect(far(ok.driver)).toBeGreaterThan(near(ok.driver));
  });
});

describe('BM1370 voltage domains on the S21 Pro (mujina "The Serial Chain")', () => {
  const board = small('antminer-s21-pro', 20);
  it('without the domain setup, chips past the first domain are lost at the fast rate', async () => {
    const r = await mine(board, withSteps(CHIP_PROFILES.BM1370, dropStep('domains')), 1500);
    expect(r.driver.chips.slice(5).every((c) => c.nonces === 0)).toBe(true);
    expect(r.driver.chips.slice(0, 5).some((c) => c.nonces > 0)).toBe(true);
  });
  it('with it every domain mines', async () => {
    const r = await mine(board, CHIP_PROFILES.BM1370, 1500);
    expect(r.chipsReporting).toBeGreaterThan(15);
  });
});

describe('PLL lock (ESP-Miner pll.c / bm1366.c vdo_scale; bosminer PllReg)', () => {
  const board = small('antminer-s19-xp', 2);
  it('FBDIV outside the chip\'s range: no lock, no hashing', async () => {
    const wide: ChipProfile = { ...CHIP_PROFILES.BM1366, pll: { ...CHIP_PROFILES.BM1366.pll, fbRange: [236, 400] } };
    expect((await mine(board, wide, 1500)).nonces).toBe(0);
  });
  it('in range it mines', async () => {
    expect((await mine(board, CHIP_PROFILES.BM1366, 1500)).nonces).toBeGreaterThan(10);
  });
});

describe('the line rate each link carries (real-hardware.md §1b #6, #7; host-uart.ts)', () => {
  it('Compac F: asked for 3.125 Mbaud, ftdi_sio falls back to 9600 and the chain goes silent', async () => {
    const r = await mine(emulatedBoard('gekko-compac-f'), CHIP_PROFILES.BM1397, 1500, 0x1703a30c, 0);
    expect(r.report.baud).toBe(9600);
    expect(r.nonces).toBe(0);
  });
  it('Compac F at its link\'s 1.5 Mbaud: the chip at divider 1 (1.5625 M, 4 % off) and it mines', async () => {
    const r = await mine(emulatedBoard('gekko-compac-f'), CHIP_PROFILES.BM1397, 1500);
    expect(r.report.baud).toBe(1_500_000);
    expect(r.boards.chain(0).lineRate).toBe(1_562_500);
    expect(r.nonces).toBeGreaterThan(10);
  });
  it('S19j Pro on a 48 MHz/16 SoC UART: host 3.0 Mbaud, chips 3.125 Mbaud, mining', async () => {
    const r = await mine(small('antminer-s19j-pro', 4), CHIP_PROFILES.BM1362, 1500);
    expect(r.report.baud).toBe(3_000_000);
    expect(r.boards.chain(0).lineRate).toBe(3_125_000);
    expect(r.nonces).toBeGreaterThan(10);
  });
  it('Bitaxe Gamma at ≤ 1 Mbaud: divider 2 (1.0417 M)', async () => {
    const r = await mine(emulatedBoard('bitaxe-gamma'), CHIP_PROFILES.BM1370, 1000);
    expect(r.boards.chain(0).lineRate).toBe(Math.round(25e6 / 24));
    expect(r.nonces).toBeGreaterThan(0);
  });
});
