// `hashagent emulate` in its own process, reached the ways a board reaches a chain: the real
// `serialport` package on pty pairs made by socat (every board), and TCP sockets (as a QEMU chardev
// would be; an S9's three chains). The driver enumerates, switches baud, mines.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ChainDriver } from '../../../drivers/asic/chain.js';
import { SerialPortLink } from '../../../drivers/transport/serialport-link.js';
import { SocketLink } from '../../../drivers/transport/socket-link.js';
import type { SerialLink } from '../../../drivers/transport/serial-link.js';
import { RESET_BAUD } from '../../../drivers/asic/registers.js';
import { EMULATED_BOARDS, boardChip, emulatedBoard } from '../../../board/emulated/chain-profiles.js';
import { WorkScheduler } from '../../../agent/roles/miner/scheduler.js';
import type { WorkTag } from '../../../agent/roles/miner/work-generator.js';
import type { MiningShare } from '../../../agent/channels/mining-job.js';
import { CLI } from '../../support/cli.js';
import { shareMeetsTarget, testJob } from '../../support/mining-job.js';
import { haveSocat } from '../../support/tools.js';
import { stopChild } from '../../support/processes.js';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Emulator {
  addresses: string[];
  /** SIGTERM; resolves with the work each chain reports having hashed ("chain i done: work W hashes"). */
  stop(): Promise<number[]>;
}

/** Starts the emulator and resolves once it has printed one address per chain. */
async function startEmulator(board: string, listen: string, chains: number, scale = 0.5): Promise<Emulator> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'emulate', '--board', board, '--listen', listen, '--hashrate-scale', String(scale)], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => stopChild(child));
  const addresses: string[] = [];
  const work: number[] = [];
  let listening!: () => void;
  const ready = new Promise<void>((r) => (listening = r));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const a = /^chain \d+: (.+)$/.exec(line);
    if (a) addresses.push(a[1]!);
    if (addresses.length === chains) listening();
    const w = /^chain (\d+) done: work (\d+) hashes/.exec(line);
    if (w) work[Number(w[1])] = Number(w[2]);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await Promise.race([ready, exited.then(() => Promise.reject(new Error('the emulator exited before listening')))]);
  return {
    addresses,
    stop: async () => {
      await stopChild(child);
      await exited;
      return work;
    },
  };
}

/**
 * Mines for `ms`, then stops the emulator while the drivers still listen, so both sides count
 * the same span. `ratios`: per chain, the work the driver measured from its nonces over the
 * work the emulator reports it hashed — no wall clock in it, so a loaded machine that slows the
 * emulator changes both alike.
 */
async function mineOn(links: SerialLink[], boardName: string, ms: number, emulator: Emulator) {
  const board = emulatedBoard(boardName);
  // An S9 at ticket 1 returns ~550 nonces a second per chain at half its rate: enough for its
  // work within a few per cent in a few seconds.
  const ticketDifficulty = board.chipsPerChain === 1 || boardName === 'antminer-s9' ? 1 : 8;
  const drivers = links.map((link) => new ChainDriver<WorkTag>({ link, profile: boardChip(board), expectedChips: board.chipsPerChain, difficultyShift: board.difficultyShift, rampIntervalMs: 0, replyTimeoutMs: 300, requireAllChips: true, ticketDifficulty }));
  const reports = await Promise.all(drivers.map((d) => d.init()));
  const shares: MiningShare[] = [];
  const sched = new WorkScheduler({ onShare: (s) => shares.push(s) });
  drivers.forEach((d) => sched.addChain(d));
  sched.start();
  sched.setJob(testJob());
  await new Promise((r) => setTimeout(r, ms));
  const work = await emulator.stop();
  sched.stop();
  const ratios = drivers.map((d, i) => (d.stats.nonces * ticketDifficulty * 2 ** 32) / work[i]!);
  return { drivers, reports, shares, ratios };
}

/**
 * What the driver measures is what the emulator hashed (an S9's work is streamed ahead of the
 * chips; a regression that let jobs be replaced unhashed showed as a rate ~0.5 of nominal, which
 * the emulator's own count now shows instead). The bounds are the nonce count's statistics
 * (~1,400 nonces per chain: σ ≈ 3 %).
 */
function expectMeasuredIsHashed(ratios: number[]): void {
  for (const r of ratios) expect(r).toBeGreaterThan(0.85);
  for (const r of ratios) expect(r).toBeLessThan(1.15);
}

describe('hashagent emulate across process boundaries', () => {
  // Every board over real ptys: the emulator in its own process opens one end of each socat pair
  // with serialport, the driver the other; the baud switch goes through termios on both.
  it.skipIf(!haveSocat).each(EMULATED_BOARDS.map((b) => b.name))('%s over real ptys with serialport on both ends', async (name) => {
    const board = emulatedBoard(name);
    const scale = 0.5;
    const emulator = await startEmulator(name, 'pty', board.chains, scale);
    const links = await Promise.all(emulator.addresses.map((d) => SerialPortLink.open(d, RESET_BAUD)));
    cleanups.push(() => Promise.all(links.map((l) => l.close())));
    const { drivers, reports, shares, ratios } = await mineOn(links, name, 2500, emulator);
    if (name === 'antminer-s9') expectMeasuredIsHashed(ratios);
    for (const r of reports) expect(r).toMatchObject({ found: board.chipsPerChain, missingAt: null, baud: Math.round(boardChip(board).fastBaud) });
    for (const l of links) expect(l.baudRate).toBe(Math.round(boardChip(board).fastBaud));
    expect(drivers.reduce((s, d) => s + d.stats.hwErrors, 0)).toBe(0);
    expect(drivers.every((d) => d.stats.nonces > 3)).toBe(true);
    expect(shares.length).toBeGreaterThan(0);
    expect(shares.every(shareMeetsTarget)).toBe(true);
  });

  it('S9 over TCP sockets, one per chain', async () => {
    const emulator = await startEmulator('antminer-s9', 'tcp://127.0.0.1:0', 3, 0.5);
    const links = await Promise.all(emulator.addresses.map((a) => SocketLink.connect(a, RESET_BAUD)));
    cleanups.push(() => Promise.all(links.map((l) => l.close())));
    const { drivers, reports, shares, ratios } = await mineOn(links, 'antminer-s9', 2500, emulator);
    expectMeasuredIsHashed(ratios);
    for (const r of reports) expect(r).toMatchObject({ found: 63, missingAt: null });
    expect(drivers.reduce((s, d) => s + d.stats.hwErrors, 0)).toBe(0);
    expect(drivers.every((d) => d.stats.nonces > 5)).toBe(true);
    expect(shares.every(shareMeetsTarget)).toBe(true);
  });
});
