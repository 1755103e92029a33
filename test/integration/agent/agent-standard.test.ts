// A pool that only opens standard (header-only) channels: the agent asks for an extended channel,
// is refused, opens a standard one and mines on the pool's merkle root, keeping its chains apart
// by version bits and ntime. Midstate chips (S9) and header chips (S21 Pro), shares accepted.
import { afterEach, describe, expect, it } from 'vitest';
import { encodeAuthorityPublicKey } from '../../../agent/sv2/keys.js';
import { WorkGenerator } from '../../../agent/roles/miner/work-generator.js';
import { startPool } from '../../support/sv1-stack.js';
import { startTestAgent, until } from '../../support/agent-rig.js';
import { testJob } from '../../support/mining-job.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('standard channels when the pool demands them', () => {
  it('work items on a header-only job never repeat a (version, ntime) across lanes and items', () => {
    const gen = new WorkGenerator(testJob({ merkleRoot: new Uint8Array(32).fill(7), coinbasePrefix: new Uint8Array(0), coinbaseSuffix: new Uint8Array(0), extranonceSize: 0, merklePath: [] }));
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      for (let lane = 0; lane < 3; lane++) {
        const w = gen.next(4, lane, 3);
        for (const m of w.midstates!) {
          const k = `${m.version}/${w.ntime}`;
          expect(seen.has(k)).toBe(false);
          seen.add(k);
          expect((m.version ^ 0x20000000) & ~0x1fffe000).toBe(0);
        }
      }
    }
    // Header chips: each item is its own ntime in its lane, and lanes roll disjoint version bits.
    const a = gen.next(0, 0, 3);
    const b = gen.next(0, 1, 3);
    expect(a.versionMask & b.versionMask).toBe(a.versionMask);
    expect(a.version).not.toBe(b.version);
    expect(gen.next(0, 0, 3).ntime).toBe(a.ntime + 1);
  });

  it('a pool that requires a fixed version: items keep the job\'s version and lanes never share an ntime', () => {
    // REQUIRES_FIXED_VERSION (sv2-spec 05 SetupConnection.Success flags): the channel's jobs carry mask 0.
    const gen = new WorkGenerator(testJob({ versionMask: 0, merkleRoot: new Uint8Array(32).fill(7), coinbasePrefix: new Uint8Array(0), coinbaseSuffix: new Uint8Array(0), extranonceSize: 0, merklePath: [] }));
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      for (let lane = 0; lane < 3; lane++) {
        for (const midstates of [0, 4]) {
          const w = gen.next(midstates, lane, 3);
          expect(w.version).toBe(0x20000000);
          expect(w.versionMask).toBe(0);
          for (const m of w.midstates ?? []) expect(m.version).toBe(0x20000000);
          expect(seen.has(w.ntime)).toBe(false);
          seen.add(w.ntime);
        }
      }
    }
  });

  it.each(['emulated-antminer-s9', 'emulated-antminer-s21-pro'])('%s mines on a standard channel: shares accepted, none rejected', async (board) => {
    const p = await startPool({ nbits: 0x1d00ffff, sharesPerMinute: 120 });
    cleanups.push(() => p.pool.stop());
    // The pool object from the SV1 stack, told to refuse extended channels.
    (p.pool.opts as { extendedChannels?: boolean }).extendedChannels = false;
    const url = `stratum2+tcp://127.0.0.1:${p.poolPort}/${encodeAuthorityPublicKey(p.authority.publicKey)}`;
    const lines: string[] = [];
    const agent = await startTestAgent(board, [{ url }], { lines, hashrateScale: 0.3, ticketDifficulty: 16 });
    cleanups.push(() => agent.stop());
    await until('shares on the standard channel', () => p.pool.shares.accepted.get() >= 5, 30_000);
    expect(lines.some((l) => /standard \(header-only\) channel/.test(l))).toBe(true);
    expect(p.pool.shares.rejected.get()).toBe(0);
    expect([...agent.chains.values()].reduce((n, c) => n + c.driver.stats.hwErrors, 0)).toBe(0);
  });
});
