// The header an SV1 share describes, rebuilt from the job it names: the translator checks every
// share against the miner's own target before anything goes upstream.
import type { MiningJob } from '../../channels/mining-job.js';
import { buildHeader, concat, merkleRootFromPath, sha256d } from '../../bitcoin/index.js';

export interface Sv1ShareFields {
  /** Everything the miner does not roll after the job's coinbasePrefix, then its extranonce2. */
  extranonce: Uint8Array;
  ntime: number;
  nonce: number;
  version: number;
}

/** The 80-byte header of a share (coinbase = prefix ‖ extranonce ‖ suffix). */
export function shareHeader(job: MiningJob, s: Sv1ShareFields): Uint8Array {
  const txid = sha256d(concat(job.coinbasePrefix, s.extranonce, job.coinbaseSuffix));
  return buildHeader({ version: s.version, prevHash: job.prevHash, merkleRoot: merkleRootFromPath(txid, job.merklePath), ntime: s.ntime, nbits: job.nbits, nonce: s.nonce });
}

/** BIP310: the header version from the job's and the miner's rolled bits, or null if outside the mask. */
export function rolledVersion(jobVersion: number, versionBits: number | null, mask: number): number | null {
  if (versionBits === null) return jobVersion;
  if ((versionBits & ~mask) >>> 0 !== 0 && ((versionBits ^ jobVersion) & ~mask) >>> 0 !== 0) return null;
  return ((jobVersion & ~mask) | (versionBits & mask)) >>> 0;
}
