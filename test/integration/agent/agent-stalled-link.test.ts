// Every recovery step is bounded. The hashboards' emulator runs in its own process behind TCP
// sockets or ptys (socat, the real serialport path); it is frozen with SIGSTOP for 20 s at a
// random moment while the agent mines, then resumed. A re-initialisation that hangs on the stalled
// link ends at its deadline and is retried after a backoff: every chain ends up either mining
// again or disabled with its reason, none stuck "re-initialising".
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI } from '../../support/cli.js';
import { sleep, startTestAgent, startTestPool, until } from '../../support/agent-rig.js';

const haveSocat = spawnSync('socat', ['-V']).status === 0;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function emulator(listen: string): Promise<{ child: ChildProcess; addresses: string[] }> {
  const child = spawn(process.execPath, [CLI, 'emulate', '--board', 'antminer-s9', '--listen', listen, '--hashrate-scale', '0.3'], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }),
  );
  const addresses: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const m = /^chain (\d): (\S+)$/.exec(l);
    if (m) addresses[Number(m[1])] = m[2]!;
  });
  await until('the emulator listening', () => addresses.filter(Boolean).length === 3, 15_000);
  return { child, addresses };
}

async function stallAndRecover(listen: string): Promise<void> {
  const pool = await startTestPool();
  cleanups.push(() => pool.stop());
  const { child, addresses } = await emulator(listen);
  const links = addresses.map((a, i) => `[hash_chain.${6 + i}]\nlink = "${a}"\n`).join('');
  const lines: string[] = [];
  const agent = await startTestAgent('emulated-antminer-s9', [{ url: pool.url }], {
    lines,
    // Short deadlines so the test sees several attempts inside the 20 s stall.
    watchdog: { minSilenceMs: 3000, startGraceMs: 2000, reinitDeadlineMs: 5000, backoffMs: 1000, maxReinits: 6, checkMs: 250 },
    extra: links,
  });
  cleanups.push(() => agent.stop());
  await until('shares', () => pool.pool.shares.accepted.get() > 0, 40_000);
  await sleep(Math.random() * 4000);
  child.kill('SIGSTOP');
  await sleep(20_000);
  child.kill('SIGCONT');
  // Worst case from here: an attempt in flight (5 s), its backoff (≤ 32 s), one more attempt (5 s).
  const settled = () => [...agent.chains.values()].every((c) => c.state === 'disabled' || (c.state === 'running' && c.driver.stats.nonces > 0));
  await until('every chain mining again or disabled', settled, 60_000);
  for (const c of agent.chains.values()) {
    if (c.state === 'disabled') expect(c.reason).toMatch(/re-initialisations failed|no nonce/);
    else {
      const n = c.driver.stats.nonces;
      await sleep(1500);
      expect(c.driver.stats.nonces, `chain ${c.index} hashing again`).toBeGreaterThan(n);
    }
  }
  expect(lines.some((l) => /no nonce for [\d.]+ s while fed work/.test(l))).toBe(true);
  expect(lines.some((l) => /re-initialisation attempt \d+ (failed: no result within 5 s|succeeded)/.test(l))).toBe(true);
  expect([...agent.chains.values()].some((c) => c.state === 'reinitialising')).toBe(false);
}

describe('a stalled hashboard link never hangs the agent', () => {
  it('over TCP: SIGSTOP 20 s, SIGCONT — each chain mines again or is disabled with a reason', () => stallAndRecover('tcp://127.0.0.1:0'), 150_000);
  it.skipIf(!haveSocat)('over ptys (serialport): SIGSTOP 20 s, SIGCONT — each chain mines again or is disabled with a reason', () => stallAndRecover('pty'), 150_000);
});
