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
import { EMULATED_BOARDS, boardChip, emulatedBoard, nominalBoardHashrate } from '../../../board/emulated/chain-profiles.js';
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

/** Starts the emulator and resolves with the addresses it prints, one per chain. */
async function startEmulator(board: string, listen: string, chains: number, scale = 0.5): Promise<string[]> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'emulate', '--board', board, '--listen', listen, '--hashrate-scale', String(scale)], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => stopChild(child));
  const addresses: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const m = /^chain \d+: (.+)$/.exec(line);
    if (m) addresses.push(m[1]!);
    if (addresses.length === chains) break;
  }
  return addresses;
}

/** Mines for `ms`; `rates` are the chains' measured hash rates as fractions of their nominal. */
async function mineOn(links: SerialLink[], boardName: string, ms: number, scale: number) {
  const board = emulatedBoard(boardName);
  const nominal = nominalBoardHashrate(board, scale) / board.chains;
  // An S9 at ticket 1 returns ~550 nonces a second per chain at half its rate: enough for its
  // rate within a few per cent in a few seconds.
  const ticketDifficulty = board.chipsPerChain === 1 || boardName === 'antminer-s9' ? 1 : 8;
  const drivers = links.map((link) => new ChainDriver<WorkTag>({ link, profile: boardChip(board), expectedChips: board.chipsPerChain, difficultyShift: board.difficultyShift, rampIntervalMs: 0, replyTimeoutMs: 300, requireAllChips: true, ticketDifficulty }));
  const reports = await Promise.all(drivers.map((d) => d.init()));
  const shares: MiningShare[] = [];
  const sched = new WorkScheduler({ onShare: (s) => shares.push(s) });
  drivers.forEach((d) => sched.addChain(d));
  sched.start();
  sched.setJob(testJob());
  const t0 = performance.now();
  const n0 = drivers.map((d) => d.stats.nonces);
  await new Promise((r) => setTimeout(r, ms));
  const secs = (performance.now() - t0) / 1000;
  const rates = drivers.map((d, i) => ((d.stats.nonces - n0[i]!) * ticketDifficulty * 2 ** 32) / secs / nominal);
  sched.stop();
  return { drivers, reports, shares, rates };
}

/**
 * An S9's work is streamed ahead of the chips. A pty or socket hands over at once what a UART
 * delivers byte by byte; the emulator clocks it in at the line rate, so each job is hashed in
 * turn instead of being replaced unhashed by the next (which cost an S9 three quarters of its
 * rate; at half rate, as here, it came to ~0.5). The bounds leave room for a loaded machine
 * slowing the emulator's process.
 */
function expectStreamedRate(rates: number[]): void {
  for (const r of rates) expect(r).toBeGreaterThan(0.7);
  for (const r of rates) expect(r).toBeLessThan(1.3);
}

describe('hashagent emulate across process boundaries', () => {
  // Every board over real ptys: the emulator in its own process opens one end of each socat pair
  // with serialport, the driver the other; the baud switch goes through termios on both.
  it.skipIf(!haveSocat).each(EMULATED_BOARDS.map((b) => b.name))('%s over real ptys with serialport on both ends', async (name) => {
    const board = emulatedBoard(name);
    const scale = 0.5;
    const devices = await startEmulator(name, 'pty', board.chains, scale);
    const links = await Promise.all(devices.map((d) => SerialPortLink.open(d, RESET_BAUD)));
    cleanups.push(() => Promise.all(links.map((l) => l.close())));
    const { drivers, reports, shares, rates } = await mineOn(links, name, 2500, scale);
    if (name === 'antminer-s9') expectStreamedRate(rates);
    for (const r of reports) expect(r).toMatchObject({ found: board.chipsPerChain, missingAt: null, baud: Math.round(boardChip(board).fastBaud) });
    for (const l of links) expect(l.baudRate).toBe(Math.round(boardChip(board).fastBaud));
    expect(drivers.reduce((s, d) => s + d.stats.hwErrors, 0)).toBe(0);
    expect(drivers.every((d) => d.stats.nonces > 3)).toBe(true);
    expect(shares.length).toBeGreaterThan(0);
    expect(shares.every(shareMeetsTarget)).toBe(true);
  });

  it('S9 over TCP sockets, one per chain', async () => {
    const addresses = await startEmulator('antminer-s9', 'tcp://127.0.0.1:0', 3, 0.5);
    const links = await Promise.all(addresses.map((a) => SocketLink.connect(a, RESET_BAUD)));
    cleanups.push(() => Promise.all(links.map((l) => l.close())));
    const { drivers, reports, shares, rates } = await mineOn(links, 'antminer-s9', 2500, 0.5);
    expectStreamedRate(rates);
    for (const r of reports) expect(r).toMatchObject({ found: 63, missingAt: null });
    expect(drivers.reduce((s, d) => s + d.stats.hwErrors, 0)).toBe(0);
    expect(drivers.every((d) => d.stats.nonces > 5)).toBe(true);
    expect(shares.every(shareMeetsTarget)).toBe(true);
  });
});
