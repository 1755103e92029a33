// Faults while the agent mines on the embedded pool: a chip dies mid-run (the chain recovers with
// one fewer chip, reported by position), a chip stops hashing (reported by position, the chain
// keeps going), and the board overheats (hashing stops and voltage is cut within 2 s, fans 100 %,
// latched).
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, startTestAgent, startTestPool, until } from '../../support/agent-rig.js';
import { boardChip, emulatedBoard } from '../../../board/emulated/chain-profiles.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('agent faults', () => {
  it('a chip dies mid-run: the chain re-initialises with one fewer chip, named by position; a chip that stops hashing is named too', async () => {
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    const lines: string[] = [];
    // Ticket 2: each S9 chip reports ~10 nonces/s, so a 2 s check window tells a dead one.
    const agent = await startTestAgent('emulated-antminer-s9', [{ url: pool.url }], { lines, ticketDifficulty: 2, hashrateScale: 0.5, chipCheckMs: 2000 });
    cleanups.push(() => agent.stop());
    await until('shares', () => pool.pool.shares.accepted.get() > 0, 20_000);
    const chain7 = agent.chains.get(7)!;
    expect(chain7.found).toBe(63);
    // The last chip of chain 7 (emulator chain 1) dies; chip 17 of chain 8 stops hashing.
    agent.emulator!.chain(1).killChip(62);
    agent.emulator!.chain(2).stopHashing(17);
    await until('chain 7 re-initialised', () => chain7.found === 62, 15_000);
    expect(chain7.missingAt).toBe(62);
    expect(lines.some((l) => /chain 7: .*chip 62/.test(l))).toBe(true);
    await until('chip 17 reported', () => lines.some((l) => /chain 8: chip 17 stopped hashing/.test(l)), 10_000);
    const before = chain7.driver.stats.nonces;
    await sleep(2000);
    expect(chain7.driver.stats.nonces).toBeGreaterThan(before);
    const text = await (await fetch(agent.metricsUrl!)).text();
    expect(text).toMatch(/^hashagent_chips\{chain="7",state="missing"\} 1$/m);
    expect(pool.pool.shares.rejected.get()).toBe(0);
  });

  it('a chain that stops replying is re-initialised, then disabled and reported; the others keep hashing', async () => {
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    const lines: string[] = [];
    const agent = await startTestAgent('emulated-antminer-s9', [{ url: pool.url }], { lines, ticketDifficulty: 4, hashrateScale: 0.3, watchdog: { minSilenceMs: 1500, startupMs: 1500, startGraceMs: 1500, checkMs: 250, maxReinits: 2, backoffMs: 250 } });
    cleanups.push(() => agent.stop());
    await until('shares', () => pool.pool.shares.accepted.get() > 0, 20_000);
    // Chip 0 of chain 8 dies: nothing behind it answers any more, so the whole chain is silent.
    agent.emulator!.chain(2).killChip(0);
    await until('chain 8 disabled', () => lines.some((l) => /chain 8 disabled/.test(l)), 20_000);
    expect(lines.some((l) => /chain 8: no nonce for [\d.]+ s while fed work \(limit [\d.]+ s\), re-initialising/.test(l))).toBe(true);
    expect(lines.some((l) => /chain 8: re-initialisation attempt 1 failed/.test(l))).toBe(true);
    expect(agent.hardware!.emulated!.isPowered(8)).toBe(false);
    const others = [6, 7].map((c) => agent.chains.get(c)!.driver.stats.nonces);
    await sleep(1500);
    expect([6, 7].map((c) => agent.chains.get(c)!.driver.stats.nonces).every((n, i) => n > others[i]!)).toBe(true);
    expect(agent.safety!.latched).toBeNull();
    const text = await (await fetch(agent.metricsUrl!)).text();
    expect(text).toMatch(/^hashagent_chain_disabled\{chain="8"\} 1$/m);
    expect(text).toMatch(/^hashagent_chain_state\{chain="8",state="disabled"\} 1$/m);
    expect(agent.chains.get(8)!.reason).toMatch(/2 re-initialisations failed/);
  });

  it('overheat: hashing stops and the voltage is cut within 2 s, fans 100 %, latched', async () => {
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    const lines: string[] = [];
    const agent = await startTestAgent('emulated-antminer-s9', [{ url: pool.url }], { lines, hashrateScale: 0.2, safety: { pollMs: 200 } });
    cleanups.push(() => agent.stop());
    await until('shares', () => pool.pool.shares.accepted.get() > 0, 20_000);
    const board = agent.hardware!.emulated!;
    board.addHeat(6, 20_000);
    const dangerous = agent.cfg.safety.dangerousTemp;
    await until('a chip past dangerous', () => board.chipTemperature(6) > dangerous, 30_000);
    const crossed = performance.now();
    await until('the shutdown', () => agent.safety!.latched !== null, 2000);
    await until('every chain unpowered', () => [6, 7, 8].every((c) => !board.isPowered(c)), 2000);
    expect(performance.now() - crossed).toBeLessThan(2000);
    const jobs = [...agent.chains.values()].map((c) => c.driver.stats.jobs);
    await sleep(500);
    expect([...agent.chains.values()].map((c) => c.driver.stats.jobs)).toEqual(jobs);
    expect(agent.safety!.status().duty).toBe(100);
    expect([6, 7, 8].every((c) => board.inReset(c))).toBe(true);
    // Latched: cooling down does not bring it back.
    board.addHeat(6, 0);
    await sleep(1500);
    expect(agent.safety!.latched).not.toBeNull();
    expect(lines.some((l) => /SAFETY SHUTDOWN/.test(l))).toBe(true);
  });
});

// The same recovery on boards whose chains run far above the reset baud (S19j Pro: BM1362,
// S21 Pro: BM1370): re-initialising a chain that is already at its fast baud must go back to
// the reset baud, enumerate, and switch again.
describe.each([
  ['antminer-s19j-pro', 4],
  ['antminer-s21-pro', 16],
] as const)('agent faults on emulated-%s', (name, ticketDifficulty) => {
  it('a chip dies mid-run: the chain is re-initialised through the baud switch with one fewer chip', async () => {
    const board = emulatedBoard(name);
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    const lines: string[] = [];
    // Tickets that give each chip ~8–10 nonces/s at half rate: a 2 s check window tells a dead one.
    const agent = await startTestAgent(`emulated-${name}`, [{ url: pool.url }], { lines, ticketDifficulty, hashrateScale: 0.5, chipCheckMs: 2000 });
    cleanups.push(() => agent.stop());
    await until('shares', () => pool.pool.shares.accepted.get() > 0, 30_000);
    const [, index] = [...agent.chains.keys()];
    const chain = agent.chains.get(index!)!;
    // The fast rate is what the board's link carries (#13: S19j Pro/S21 Pro SoC UARTs give 3.0 Mbaud).
    const fast = Math.round(chain.link.baudRate);
    expect(fast).toBeGreaterThan(1_000_000);
    expect(fast).toBeLessThanOrEqual(Math.round(boardChip(board).fastBaud));
    expect(chain.found).toBe(board.chipsPerChain);
    const last = board.chipsPerChain - 1;
    agent.emulator!.chain(1).killChip(last);
    await until('the chain re-initialised', () => chain.found === last, 30_000);
    expect(chain.missingAt).toBe(last);
    expect(lines.some((l) => new RegExp(`chain ${index}: re-initialised with ${last} of ${board.chipsPerChain} chips`).test(l))).toBe(true);
    // Back at the fast baud, and mining: its nonces keep coming.
    expect(Math.round(chain.link.baudRate)).toBe(fast);
    const before = chain.driver.stats.nonces;
    await until('nonces after the re-initialisation', () => chain.driver.stats.nonces > before + 10, 15_000);
    expect(chain.driver.stats.hwErrors).toBe(0);
    expect(pool.pool.shares.rejected.get()).toBe(0);
  });
});
