// Power-down is unconditional: `hashagent mine` as a real process on an emulated S9 gets SIGTERM,
// SIGINT or SIGHUP at 20 points spread over bring-up and mining, a fault thrown inside the chain
// driver, a rejected promise in the scheduler, a closed stdout (EPIPE) and a full disk (ENOSPC).
// Each time the verdict comes from the emulated board's own record of its rails and resets
// (test/support/board-probe.ts), not from a log line: every rail off and every chain in reset
// within 2 s of the signal or fault.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildFaultChild } from '../../../scripts/build-fault-child.js';
import { CLI } from '../../support/cli.js';
import { agentToml, sleep, startTestPool, until, type TestPool } from '../../support/agent-rig.js';
import { powerDownOf } from '../../support/board-probe.js';
import { EMULATED_STATE_ENV as STATE_ENV, allHashing, anyPowered, readBoardStates as readStates } from '../../../board/emulated/state-record.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let pool: TestPool;
let dir: string;
let config: string;
let faultChild: string;
let runs = 0;

beforeAll(async () => {
  pool = await startTestPool();
  dir = mkdtempSync(join(tmpdir(), 'hashagent-power-down-'));
  config = join(dir, 'agent.toml');
  // No PLL settling on emulated chips: bring-up takes seconds, so the 20 points cover all of it.
  writeFileSync(config, agentToml('emulated-antminer-s9', [{ url: pool.url }], '[hash_chain_global]\nramp_step_ms = 0\n'));
  faultChild = await buildFaultChild(ROOT, `fault-child-${process.pid}.mjs`);
}, 60_000);

afterAll(async () => {
  await pool?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (faultChild) rmSync(faultChild, { force: true });
  if (faultChild) rmSync(`${faultChild}.map`, { force: true });
});

interface Run {
  child: ChildProcess;
  lines: string[];
  state: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function run(args: string[], o: { script?: string; env?: Record<string, string>; stdout?: 'pipe' | number } = {}): Run {
  const state = join(dir, `state-${runs++}.jsonl`);
  const child = spawn(process.execPath, [o.script ?? CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, [STATE_ENV]: state, ...o.env },
    stdio: ['ignore', o.stdout ?? 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) => child.once('exit', (code, signal) => r({ code, signal, at: Date.now() })));
  return { child, lines, state, exited };
}

async function settle(r: Run): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }> {
  const t = setTimeout(() => r.child.kill('SIGKILL'), 20_000);
  try {
    return await r.exited;
  } finally {
    clearTimeout(t);
  }
}

/** The board after the run: everything off and held; when anything had been powered, off within 2 s of `since`. */
function expectPoweredDown(r: Run, since: number): void {
  const { everPowered, final, offAt } = powerDownOf(r.state, since);
  if (!everPowered) {
    // Stopped before any voltage: nothing to take down (the board may not even have been opened).
    expect(final === null || Object.values(final.chains).every((c) => !c.powered)).toBe(true);
    return;
  }
  expect(final, r.lines.join('\n')).not.toBeNull();
  expect(Object.values(final!.chains).every((c) => !c.powered && c.reset), JSON.stringify(final)).toBe(true);
  expect(offAt, 'every rail off and every reset held after the signal').not.toBeNull();
  expect(offAt! - since).toBeLessThan(2000);
}

// 20 points over bring-up (~3–8 s here) and mining; the signal rotates TERM, INT, HUP. SIGHUP is a
// reload and must not stop anything: the agent is then stopped by SIGTERM a second later.
const POINTS = Array.from({ length: 20 }, (_, i) => ({ delayMs: i * 500, signal: (['SIGTERM', 'SIGINT', 'SIGHUP'] as const)[i % 3]! }));

describe('power-down on a signal at any moment (hashagent mine, emulated S9, the board\'s own record)', () => {
  it.each(POINTS)('$signal at $delayMs ms', async ({ delayMs, signal }) => {
    const r = run(['mine', '--config', config, '--status-interval', '1']);
    await sleep(delayMs);
    let stopAt = Date.now();
    r.child.kill(signal);
    if (signal === 'SIGHUP') {
      // A reload, at any moment (queued during bring-up): the agent keeps running.
      await sleep(1000);
      expect(r.child.exitCode, r.lines.join('\n')).toBeNull();
      stopAt = Date.now();
      r.child.kill('SIGTERM');
    }
    const exit = await settle(r);
    if (exit.signal !== null) {
      // Only before the process guard is installed (the bundle still loading): nothing can have
      // been powered then — the guard comes before the first bus is opened.
      expect(exit.signal).toBe(signal === 'SIGHUP' ? 'SIGTERM' : signal);
      expect(powerDownOf(r.state, stopAt).everPowered).toBe(false);
      return;
    }
    expect(exit.code).toBe(0);
    expectPoweredDown(r, stopAt);
  });
});

describe('power-down on a fault', () => {
  it.each([
    { fault: 'driver-throw', what: /FATAL uncaught exception: Error: injected: exception in the chain driver's nonce intake/ },
    { fault: 'scheduler-reject', what: /FATAL unhandled rejection: Error: injected: rejected promise in the work scheduler/ },
  ])('$fault: powered down, then exit 1', async ({ fault, what }) => {
    const r = run(['mine', '--config', config], { script: faultChild, env: { FAULT: fault, FAULT_AFTER: fault === 'scheduler-reject' ? '1' : '30' } });
    const exit = await settle(r);
    expect(exit.code, r.lines.join('\n')).toBe(1);
    const faultLine = r.lines.find((l) => what.test(l));
    expect(faultLine, r.lines.join('\n')).toBeDefined();
    // The fault came while mining (the first chain mines while the others come up): the board
    // had been powered, and is off now.
    expect(readStates(r.state).some(anyPowered)).toBe(true);
    const { final } = powerDownOf(r.state, 0);
    expect(Object.values(final!.chains).every((c) => !c.powered && c.reset)).toBe(true);
    // Off within 2 s of the fault: the last record while hashing is at or before the fault.
    const states = readStates(r.state);
    const lastOn = [...states].reverse().find((s) => Object.values(s.chains).some((c) => c.powered))!;
    const firstOff = states.find((s) => s.at >= lastOn.at && Object.values(s.chains).every((c) => !c.powered && c.reset))!;
    expect(firstOff.at - lastOn.at).toBeLessThan(2000);
  });
});

describe('output that cannot be written never stops the agent or leaves the board powered', () => {
  it('EPIPE: stdout closed by its reader (hashagent mine | head -3) — mining goes on; SIGTERM powers down', async () => {
    const r = run(['mine', '--config', config, '--status-interval', '1']);
    await until('the agent mining', () => r.lines.some((l) => / metrics: http/.test(l)), 40_000);
    const url = /metrics: (\S+)/.exec(r.lines.find((l) => / metrics: http/.test(l))!)![1]!;
    r.child.stdout!.destroy(); // the reader is gone: every write from now on is EPIPE
    const work = async () => Number(/^hashagent_work_diff1_total (\S+)$/m.exec(await (await fetch(url)).text())![1]);
    const before = await work();
    await sleep(3000); // three status lines into a broken pipe
    expect(r.child.exitCode).toBeNull();
    expect(await work()).toBeGreaterThan(before);
    const stopAt = Date.now();
    r.child.kill('SIGTERM');
    const exit = await settle(r);
    expect(exit.code).toBe(0);
    expect(r.lines.join('\n')).not.toMatch(/Unhandled 'error' event|EPIPE/);
    expectPoweredDown(r, stopAt);
  });

  it('ENOSPC: stdout on a full disk (> /dev/full) — mining goes on; SIGTERM powers down', async () => {
    const full = openSync('/dev/full', 'w');
    let r: Run;
    try {
      r = run(['mine', '--config', config, '--status-interval', '1'], { stdout: full });
    } finally {
      closeSync(full);
    }
    await until('every chain hashing', () => readStates(r.state).some(allHashing), 40_000);
    await sleep(2500); // status lines into a full disk
    expect(r.child.exitCode, r.lines.join('\n')).toBeNull();
    const stopAt = Date.now();
    r.child.kill('SIGTERM');
    const exit = await settle(r);
    expect(exit.code, r.lines.join('\n')).toBe(0);
    expect(r.lines.join('\n')).not.toMatch(/Unhandled 'error' event|ENOSPC/);
    expectPoweredDown(r, stopAt);
  });
});

describe('fail before touching hardware', () => {
  it('a busy metrics port: exit 2 naming the key and address, before the board is even opened', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    try {
      const taken = (blocker.address() as net.AddressInfo).port;
      const busy = join(dir, 'busy.toml');
      writeFileSync(busy, readFileSync(config, 'utf8').replace('http_listen = "127.0.0.1:0"', `http_listen = "127.0.0.1:${taken}"`));
      const r = run(['mine', '--config', busy]);
      const exit = await settle(r);
      expect(exit.code, r.lines.join('\n')).toBe(2);
      expect(r.lines.some((l) => l.includes(`cannot start: [api] http_listen: cannot listen on 127.0.0.1:${taken}: EADDRINUSE (the port is in use)`))).toBe(true);
      // No board model was ever made: nothing was powered, not even for a moment.
      expect(existsSync(r.state)).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
