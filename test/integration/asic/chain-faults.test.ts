// Faults on demand: a dead chip is found and named by position, 1 % CRC noise and garbage between
// frames keep the chain mining with the errors counted, a new prevhash reaches every chain at
// once, and work that is not refreshed makes the chips re-hash (which the driver sees as duplicates).
import { afterEach, describe, expect, it } from 'vitest';
import { ChainDriver, ChainError, type ChainDriverOptions } from '../../../drivers/asic/chain.js';
import { boardChip, emulatedBoard } from '../../../board/emulated/chain-profiles.js';
import { EmulatedHashboards } from '../../../board/emulated/hashboard.js';
import { WorkScheduler } from '../../../agent/roles/miner/scheduler.js';
import type { WorkTag } from '../../../agent/roles/miner/work-generator.js';
import type { MiningShare } from '../../../agent/channels/mining-job.js';
import { shareMeetsTarget, testJob } from '../../support/mining-job.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitUntil(ok: () => boolean, ms: number): Promise<void> {
  for (const end = performance.now() + ms; !ok(); await sleep(5)) if (performance.now() > end) throw new Error(`not reached within ${ms} ms`);
}

function rig(boardName: string, driverOpts: Partial<ChainDriverOptions> = {}, hashrateScale = 0.5) {
  const board = emulatedBoard(boardName);
  const { boards, links } = EmulatedHashboards.inProcess(board, { hashrateScale });
  cleanups.push(() => boards.close());
  const drivers = links.map(
    (link) => new ChainDriver<WorkTag>({ link, profile: boardChip(board), expectedChips: board.chipsPerChain, difficultyShift: board.difficultyShift, rampIntervalMs: 0, replyTimeoutMs: 250, ...driverOpts }),
  );
  return { board, boards, drivers };
}

async function mine(drivers: ChainDriver<WorkTag>[], ms: number) {
  const shares: MiningShare[] = [];
  const sched = new WorkScheduler({ onShare: (s) => shares.push(s) });
  drivers.forEach((d) => sched.addChain(d));
  sched.start();
  sched.setJob(testJob());
  await sleep(ms);
  sched.stop();
  return shares;
}

describe('chain faults', () => {
  it('a dead chip stops forwarding: the chain is short and the first missing position is named', async () => {
    const { boards, drivers } = rig('antminer-s9', { ticketDifficulty: 4 });
    boards.chain(1).killChip(17);
    const reports = await Promise.all(drivers.map((d) => d.init()));
    expect(reports[0]!.missingAt).toBeNull();
    expect(reports[1]).toMatchObject({ found: 17, expected: 63, missingAt: 17 });
    // The remaining 17 chips still mine.
    const shares = await mine(drivers, 1500);
    expect(drivers[1]!.stats.nonces).toBeGreaterThan(0);
    expect(drivers[1]!.chips.length).toBe(17);
    expect(shares.every(shareMeetsTarget)).toBe(true);
  });

  it('with requireAllChips the error says which chip is missing', async () => {
    const { boards, drivers } = rig('antminer-s19j-pro', { requireAllChips: true });
    boards.chain(0).killChip(40);
    const err = await drivers[0]!.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainError);
    expect((err as ChainError).code).toBe('chip-count');
    expect((err as Error).message).toMatch(/40 of 126 chips answer; chip 40 \(address 0x50\) is the first missing/);
  });

  it('no chip at all is a typed error, not a hang', async () => {
    const { boards, drivers } = rig('bitaxe-gamma');
    boards.chain(0).killChip(0);
    await expect(drivers[0]!.init()).rejects.toMatchObject({ code: 'no-chips' });
  });

  it.each(['antminer-s9', 'antminer-s19j-pro'])('%s: one percent CRC noise and garbage bytes keep it mining, errors counted', async (name) => {
    const { boards, drivers } = rig(name, { ticketDifficulty: 4 });
    await Promise.all(drivers.map((d) => d.init()));
    for (const c of boards.chains) Object.assign(c!.faults, { crcNoise: 0.01, garbage: 0.02 });
    const shares = await mine(drivers, 3000);
    const sum = (k: 'nonces' | 'crcErrors' | 'skippedBytes' | 'hwErrors') => drivers.reduce((s, d) => s + d.stats[k], 0);
    expect(sum('nonces')).toBeGreaterThan(500);
    expect(sum('skippedBytes')).toBeGreaterThan(0);
    // A corrupted reply is dropped by its CRC, except the 1 in 32 whose CRC still checks: those
    // re-hash to garbage and count as hardware errors.
    expect(sum('hwErrors')).toBeLessThan(sum('nonces') * 0.01 + 5);
    if (name === 'antminer-s19j-pro') expect(sum('crcErrors')).toBeGreaterThan(0); // preamble framing: counted as CRC errors
    expect(shares.length).toBeGreaterThan(0);
    expect(shares.every(shareMeetsTarget)).toBe(true);
  });

  it('late replies, after their job id came round again, still match the work they were for', async () => {
    const { boards, drivers } = rig('antminer-s9', { ticketDifficulty: 4 });
    await Promise.all(drivers.map((d) => d.init()));
    // Work streams at ~345 jobs/s over 128 ids: the ring turns every ~0.37 s; replies come
    // 0.6 s late, after their id was reused.
    for (const c of boards.chains) c!.faults.lateMs = 600;
    const shares = await mine(drivers, 2500);
    expect(drivers.reduce((s, d) => s + d.stats.jobs, 0)).toBeGreaterThan(3 * 128 * 3);
    expect(drivers.reduce((s, d) => s + d.stats.nonces, 0)).toBeGreaterThan(50);
    expect(drivers.reduce((s, d) => s + d.stats.hwErrors, 0)).toBe(0);
    expect(shares.every(shareMeetsTarget)).toBe(true);
  });

  it('a new prevhash replaces the work on every chain at once; late nonces for the old block are stale', async () => {
    const { boards, drivers } = rig('antminer-s21-pro');
    await Promise.all(drivers.map((d) => d.init()));
    const shares: MiningShare[] = [];
    const sched = new WorkScheduler({ onShare: (s) => shares.push(s) });
    drivers.forEach((d) => sched.addChain(d));
    sched.start();
    sched.setJob(testJob());
    await sleep(800);
    const next = testJob({ jobId: 2 });
    const prevOf = (i: number) => Buffer.from(boards.chain(i).chips[0]!.job?.job.prevHash ?? []).toString('hex');
    const want = Buffer.from(next.prevHash).toString('hex');
    // The order of what each chain receives after setJob, not how fast (a loaded machine may be
    // slow): frames already on the wire may still carry the old block, but once a chain has the
    // new prevhash it never gets old work again.
    const seen: string[][] = [[], [], []];
    [0, 1, 2].forEach((i) => boards.chain(i).on('job', () => seen[i]!.push(prevOf(i) === want ? 'new' : 'old')));
    sched.setJob(next);
    await waitUntil(() => [0, 1, 2].every((i) => prevOf(i) === want), 10_000);
    const before = shares.length;
    await sleep(800);
    sched.stop();
    for (const s of seen) expect(s.join(' ')).toMatch(/^(old )*new( new)*$/);
    expect(shares.slice(before).some((s) => s.job.jobId === 2)).toBe(true);
    // Shares found after the switch settled are all for the new block.
    expect(shares.slice(before + 5).every((s) => s.job.jobId === 2)).toBe(true);
  });

  it('refreshed work never lets a chip re-hash; a job left alone does, and the driver sees duplicates', async () => {
    // At a tenth of the nominal rate an S9 chip needs ~32 ms per job, so only an event loop
    // stalled that long (a loaded machine) makes it start over while work is refreshed; the bound
    // leaves room for such stalls and is still far from the left-alone case below.
    const { boards, drivers } = rig('antminer-s9', { ticketDifficulty: 1 }, 0.1);
    await Promise.all(drivers.map((d) => d.init()));
    await mine(drivers, 1500);
    const hashed = boards.chains.reduce((s, c) => s + c!.stats.hashes, 0);
    const rehashedRefreshed = boards.chains.reduce((s, c) => s + c!.stats.rehashed, 0);
    expect(hashed).toBeGreaterThan(0);
    expect(rehashedRefreshed).toBeLessThan(hashed * 0.25);
    // One job, never refreshed: the chips sweep it in ~32 ms, then start over.
    const job = testJob();
    const { WorkGenerator } = await import('../../../agent/roles/miner/work-generator.js');
    const gen = new WorkGenerator(job);
    for (const d of drivers) d.dispatch(gen.next(4));
    const before = boards.chains.reduce((s, c) => s + c!.stats.hashes, 0);
    await sleep(1500);
    const after = boards.chains.reduce((s, c) => s + c!.stats.hashes, 0);
    // Left alone, nearly everything hashed is a repeat: at least three times the refreshed share.
    const rehashedAlone = boards.chains.reduce((s, c) => s + c!.stats.rehashed, 0) - rehashedRefreshed;
    expect(rehashedAlone).toBeGreaterThan((after - before) * 0.7);
    expect(rehashedAlone / (after - before)).toBeGreaterThan((3 * rehashedRefreshed) / hashed);
    expect(drivers.reduce((s, d) => s + d.stats.duplicates, 0)).toBeGreaterThan(0);
  });
});

describe('chip register access', () => {
  it.each(['antminer-s9', 'antminer-s21-pro'])('%s: a unicast write reads back from that chip only; a missing chip times out with a typed error', async (name) => {
    const { boards, drivers } = rig(name);
    boards.chain(0).killChip(40);
    const d = drivers[0]!;
    await d.init();
    await d.writeChipRegister(7, 0x44, 0x12345678);
    expect(await d.readChipRegister(7, 0x44)).toBe(0x12345678);
    expect(boards.chain(0).chips[7]!.registers.get(0x44)).toBe(0x12345678);
    expect(boards.chain(0).chips[8]!.registers.get(0x44)).toBeUndefined();
    await expect(d.readChipRegister(41, 0x44, 100)).rejects.toMatchObject({ code: 'timeout' });
    // The lock keeps concurrent requests apart: each gets its own answer.
    await d.writeChipRegister(3, 0x44, 3);
    const [a, b] = await Promise.all([d.readChipRegister(3, 0x44), d.readChipRegister(7, 0x44)]);
    expect([a, b]).toEqual([3, 0x12345678]);
  });
});
