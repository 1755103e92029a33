// The agent mines end to end with the S9 definition whose chains go through the Braiins OS s9io
// IP: agent.toml points each connector at `s9io:N@<stand-in root>`, where the IP's register
// model (board/emulated/s9io-ip.ts) stands behind files in place of /dev/uioN and drives the
// chip-chain emulator. Every register access of the chain path goes through the native addon's
// mmap; shares are real SHA-256 accepted by the embedded SV2 pool.
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatedS9io } from '../../../board/emulated/s9io-ip.js';
import { EmulatedChain } from '../../../board/emulated/chip-chain.js';
import { boardChip, emulatedBoard } from '../../../board/emulated/chain-profiles.js';
import { startTestAgent, startTestPool, until } from '../../support/agent-rig.js';
import { nativeIo } from '../../support/native.js';
import { tempDir } from '../../support/processes.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('agent on the S9 through the s9io IP (UIO)', () => {
  it('enumerates 3 × 63 BM1387 through the FIFOs and gets shares accepted, none rejected', async () => {
    nativeIo();
    const board = emulatedBoard('antminer-s9');
    const tmp = tempDir('hashagent-s9-uio-');
    cleanups.push(tmp.remove);
    const ips: EmulatedS9io[] = [];
    for (const connector of [6, 7, 8]) {
      const ip = new EmulatedS9io(tmp.dir, connector);
      const chain = new EmulatedChain(ip.chipEnd, { profile: boardChip(board), chips: board.chipsPerChain, difficultyShift: board.difficultyShift, hashrateScale: 0.5 });
      ips.push(ip);
      cleanups.push(() => (chain.close(), ip.close()));
    }
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    const links = [6, 7, 8].map((n) => `[hash_chain.${n}]\nlink = "s9io:${n}@${tmp.dir}"\n`).join('');
    const agent = await startTestAgent('emulated-antminer-s9', [{ url: pool.url }], { hashrateScale: 0.5, ticketDifficulty: 4, extra: links });
    cleanups.push(() => agent.stop());
    // Mining starts with the first chain up: wait for shares and for nonces from every chain.
    await until('accepted shares and nonces from every chain', () => pool.pool.shares.accepted.get() > 2 && [...agent.chains.values()].length === 3 && [...agent.chains.values()].every((c) => c.driver.stats.nonces > 0), 120_000);
    const chains = [...agent.chains.values()];
    expect(chains.length).toBe(3);
    expect(chains.every((c) => c.found === 63)).toBe(true);
    expect(chains.every((c) => c.driver.stats.nonces > 0)).toBe(true);
    expect(chains.reduce((s, c) => s + c.driver.stats.hwErrors, 0)).toBe(0);
    expect(pool.pool.shares.rejected.get()).toBe(0);
    expect(ips.every((ip) => ip.sent.works > 0 && ip.errors === 0)).toBe(true);
  }, 150_000);
});
