// A MiningJob like an extended channel delivers, and an independent check of a share against it:
// coinbase → merkle root → header → double SHA-256 with node:crypto and the header packed by hand
// here (Bitcoin's 80-byte layout), not with agent/bitcoin or the driver's code.
import { createHash, randomBytes } from 'node:crypto';
import type { MiningJob, MiningShare } from '../../agent/channels/mining-job.js';

const sha256d = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return createHash('sha256').update(h.digest()).digest();
};

/** (1 << 250) − 1 as a 32-byte little-endian target. */
function easyTarget(): Uint8Array {
  const t = new Uint8Array(32).fill(0xff);
  t[31] = 0x03;
  return t;
}

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
    target: easyTarget(),
    clean: true,
    ...over,
  };
}

/** The share's hash (internal byte order), rebuilt from the job alone. */
export function shareHash(s: MiningShare): Uint8Array {
  const j = s.job;
  let root = sha256d(j.coinbasePrefix, s.extranonce, j.coinbaseSuffix);
  for (const sibling of j.merklePath) root = sha256d(root, sibling); // the coinbase is always the left branch
  // version u32le ‖ prevhash ‖ merkle root ‖ ntime u32le ‖ nbits u32le ‖ nonce u32le
  const header = Buffer.alloc(80);
  header.writeUInt32LE(s.version >>> 0, 0);
  Buffer.from(j.prevHash).copy(header, 4);
  root.copy(header, 36);
  header.writeUInt32LE(s.ntime >>> 0, 68);
  header.writeUInt32LE(j.nbits >>> 0, 72);
  header.writeUInt32LE(s.nonce >>> 0, 76);
  return sha256d(header);
}

/** hash ≤ target, both little-endian 256-bit numbers. */
export function shareMeetsTarget(s: MiningShare): boolean {
  const h = Buffer.from(shareHash(s)).reverse();
  const t = Buffer.from(s.job.target).reverse();
  return Buffer.compare(h, t) <= 0;
}

/** Only the version bits the job allows differ from its version. */
export const versionAllowed = (s: MiningShare): boolean => ((s.version ^ s.job.version) & ~s.job.versionMask) === 0;
