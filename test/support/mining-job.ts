// A MiningJob like an extended channel delivers, and an independent check of a share against it
// (coinbase → merkle root → header → sha256d with agent/bitcoin, not with the driver's code).
import { randomBytes } from 'node:crypto';
import { bigIntToLe, buildHeader, concat, meetsTarget, merkleRootFromPath, sha256d } from '../../agent/bitcoin/index.js';
import type { MiningJob, MiningShare } from '../../agent/channels/mining-job.js';

export function testJob(over: Partial<MiningJob> = {}): MiningJob {
  return {
    jobId: 1,
    version: 0x20000000,
    versionMask: 0x1fffe000,
    prevHash: randomBytes(32),
    nbits: 0x1d00ffff,
    ntime: 1_761_000_000,
    coinbasePrefix: randomBytes(41),
    coinbaseSuffix: randomBytes(60),
    extranonceSize: 8,
    merklePath: Array.from({ length: 12 }, () => randomBytes(32)),
    // Easy enough that a fair share of the emulated chips' nonces are shares.
    target: bigIntToLe((1n << 250n) - 1n),
    clean: true,
    ...over,
  };
}

/** The share's hash, rebuilt from the job alone. */
export function shareHash(s: MiningShare): Uint8Array {
  const j = s.job;
  const root = merkleRootFromPath(sha256d(concat(j.coinbasePrefix, s.extranonce, j.coinbaseSuffix)), j.merklePath);
  return sha256d(buildHeader({ version: s.version, prevHash: j.prevHash, merkleRoot: root, ntime: s.ntime, nbits: j.nbits, nonce: s.nonce }));
}

export const shareMeetsTarget = (s: MiningShare): boolean => meetsTarget(shareHash(s), s.job.target);

/** Only the version bits the job allows differ from its version. */
export const versionAllowed = (s: MiningShare): boolean => ((s.version ^ s.job.version) & ~s.job.versionMask) === 0;
