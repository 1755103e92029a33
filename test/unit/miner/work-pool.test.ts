// The scheduler refills a chain's work items in turn (retainedWork + 1 of them, so nothing is
// allocated per dispatch). That is only sound while no item is refilled as long as the driver's
// job ring can still match a late nonce to it: every work the ring still reaches must read as it
// did when it was dispatched. A pool of retainedWork - 1 items fails this test (checked by hand);
// retainedWork would pass only because the item refilled is the one the ring drops in the same
// dispatch — the extra item keeps a margin so the refill never touches a reachable work.
import { afterEach, describe, expect, it } from 'vitest';
import { ChainDriver } from '../../../drivers/asic/chain.js';
import type { DispatchWork } from '../../../drivers/asic/work.js';
import { CHIP_PROFILES } from '../../../drivers/asic/profiles.js';
import type { JobRing } from '../../../drivers/asic/job-ring.js';
import { linkedPair } from '../../../drivers/transport/in-process-link.js';
import { WorkScheduler } from '../../../agent/roles/miner/scheduler.js';
import type { WorkTag } from '../../../agent/roles/miner/work-generator.js';
import type { MiningJob } from '../../../agent/channels/mining-job.js';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed) & 0xff);
const hex = (b: Uint8Array | Uint32Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** What a late nonce is checked against: the header fields, midstates and the share's tag. */
const snapshot = (w: DispatchWork<WorkTag>) =>
  [w.version, w.ntime, w.nbits, hex(w.prevHash), hex(w.merkleRoot), hex(w.tag.extranonce), w.tag.job.jobId, ...(w.midstates ?? []).map((m) => `${m.version}:${hex(m.state)}`)].join('|');

const job = (jobId: number, clean: boolean): MiningJob => ({
  jobId, version: 0x20000000, versionMask: 0x1fffe000, prevHash: bytes(32, jobId), nbits: 0x1703a30c, ntime: 1_761_000_000 + jobId,
  coinbasePrefix: bytes(45, 2), coinbaseSuffix: bytes(120, 3), extranonceSize: 8,
  merklePath: Array.from({ length: 4 }, (_, i) => bytes(32, 10 + i)), target: new Uint8Array(32).fill(0xff), clean,
});

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe('work-item pool of the scheduler', () => {
  it.each(['BM1387', 'BM1366'] as const)('%s: every work the job ring still reaches is unchanged since its dispatch', (chip) => {
    const profile = CHIP_PROFILES[chip];
    const [driverEnd] = linkedPair(3_125_000);
    const driver = new ChainDriver<WorkTag>({ link: driverEnd, profile, expectedChips: 1, difficultyShift: 0 });
    closers.push(() => driver.close());
    const ring = (driver as unknown as { ring: JobRing<WorkTag> }).ring;
    // Record what each ring slot was given, at the moment it was given.
    const given = new Map<object, string>();
    const set = ring.set.bind(ring);
    ring.set = (id, work, nullWork) => {
      set(id, work, nullWork);
      given.set(ring.get(id)!, snapshot(work as DispatchWork<WorkTag>));
    };
    const sched = new WorkScheduler({ onShare: () => {} });
    sched.addChain(driver);
    sched.start();
    sched.setJob(job(1, true));
    const feed = (sched as unknown as { feed(f: unknown): void; fed: Map<unknown, unknown> });
    const record = feed.fed.get(driver);
    // Many times around the pool, with a new job (same block) now and then.
    const rounds = 5 * (driver.retainedWork + 1);
    for (let n = 0; sched.dispatchedTo(driver) < rounds; n++) {
      feed.feed(record);
      if (n % 97 === 96) sched.setJob(job(2 + n, false));
    }
    sched.stop();
    let reachable = 0;
    for (const id of profile.jobIds) {
      for (let slot = ring.get(id); slot; slot = slot.previous) {
        if (!slot.work) continue;
        reachable++;
        expect(snapshot(slot.work as DispatchWork<WorkTag>), `job id ${id}`).toBe(given.get(slot));
      }
    }
    // The ring reaches as many works as the driver says it retains (so the check covered them all).
    expect(reachable).toBe(driver.retainedWork);
  });
});
