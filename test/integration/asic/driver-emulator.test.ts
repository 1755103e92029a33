// The chain driver against the emulated chains of every board profile, in process: enumerate,
// initialise, mine. Every nonce the chips report re-hashes under the scaled ticket target (no
// hardware errors), every share meets the channel target when rebuilt from the job alone, and
// the emulator's nominal hash rate matches what the nonces say it delivers.
import { afterEach, describe, expect, it } from 'vitest';
import { ChainDriver } from '../../../drivers/asic/chain.js';
import { EMULATED_BOARDS, boardChip } from '../../../board/emulated/chain-profiles.js';
import { EmulatedHashboards } from '../../../board/emulated/hashboard.js';
import { WorkScheduler } from '../../../agent/roles/miner/scheduler.js';
import type { WorkTag } from '../../../agent/roles/miner/work-generator.js';
import type { MiningShare } from '../../../agent/channels/mining-job.js';
import { shareMeetsTarget, testJob, versionAllowed } from '../../support/mining-job.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.each(EMULATED_BOARDS.map((b) => [b.name, b] as const))('%s', (_name, board) => {
  it('enumerates every chip, initialises and mines valid shares', async () => {
    const { boards, links } = EmulatedHashboards.inProcess(board, { hashrateScale: 0.5 });
    cleanups.push(() => boards.close());
    const p = boardChip(board);
    const drivers = links.map((link) => new ChainDriver<WorkTag>({ link, profile: p, expectedChips: board.chipsPerChain, maxBaud: board.linkBaud, difficultyShift: board.difficultyShift, rampIntervalMs: 0, replyTimeoutMs: 250, requireAllChips: true, ...(board.chipsPerChain === 1 ? { ticketDifficulty: 1 } : {}) }));
    const reports = await Promise.all(drivers.map((d) => d.init()));
    for (const r of reports) {
      expect(r.found).toBe(board.chipsPerChain);
      expect(r.missingAt).toBeNull();
      expect(r.frequencyMHz).toBeCloseTo(p.defaultFrequencyMHz, 0);
    }
    const shares: MiningShare[] = [];
    const sched = new WorkScheduler({ onShare: (s) => shares.push(s) });
    drivers.forEach((d) => sched.addChain(d));
    sched.start();
    sched.setJob(testJob());
    await new Promise((r) => setTimeout(r, 2500));
    sched.stop();
    // Read in one tick: the nonces the drivers counted and what the emulated chips really hashed.
    const nonces = drivers.reduce((s, d) => s + d.stats.nonces, 0);
    const measured = drivers.reduce((s, d) => s + d.stats.nonces * d.ticket * 2 ** 32, 0);
    const hashed = boards.chains.reduce((s, c) => s + (c?.work() ?? 0), 0);
    expect(drivers.reduce((s, d) => s + d.stats.hwErrors, 0)).toBe(0);
    expect(nonces).toBeGreaterThan(20);
    expect(shares.length).toBeGreaterThan(0);
    for (const s of shares) {
      expect(shareMeetsTarget(s)).toBe(true);
      expect(versionAllowed(s)).toBe(true);
    }
    // Shares come from many chips, not one (the chips split the nonce space).
    const chipsSeen = new Set(drivers.flatMap((d, ci) => d.chips.map((c, i) => (c.nonces ? `${ci}.${i}` : null)).filter(Boolean)));
    expect(chipsSeen.size).toBeGreaterThan(Math.min(3, board.chains * board.chipsPerChain) - 1);
    // Work measured from the nonces (ticket difficulty × 2^32 each) against what the chips really
    // hashed: no wall clock, so a loaded machine slowing the emulator changes both alike. The
    // bounds are the nonce count's statistics.
    expect(measured / hashed).toBeGreaterThan(nonces > 400 ? 0.85 : 0.5);
    expect(measured / hashed).toBeLessThan(nonces > 400 ? 1.15 : 1.6);
  });
});
