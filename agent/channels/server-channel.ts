// Server-side state of one standard or extended channel: its jobs, the current prevhash, its
// target, and share validation (job, target, duplicates, ntime, version bits), as the pool sees it.
import { bigIntToLe, buildHeader, concat, headerHash, leToBigInt, meetsTarget, merkleRootFromPath, sha256d, targetToDifficulty } from '../bitcoin/index.js';

/** BIP323 general-purpose version bits (the spec's mask since 2026). */
export const VERSION_ROLLING_MASK = 0x1fffffe0;
/** BIP320's older, narrower mask, which some peers still assume. */
export const BIP320_VERSION_MASK = 0x1fffe000;

/** A job as the pool made it from a template, before it is bound to a channel. */
export interface PoolJob {
  templateId: bigint;
  future: boolean;
  version: number;
  coinbasePrefix: Uint8Array;
  coinbaseSuffix: Uint8Array;
  merklePath: Uint8Array[];
}

interface ChannelJob extends PoolJob {
  jobId: number;
  /** Standard channels: the merkle root the device hashes (the whole extranonce is the prefix). */
  merkleRoot: Uint8Array | null;
  /** Extended channels: prefix ‖ channel prefix ‖ [rollable] ‖ suffix, rollable bytes rewritten per share. */
  coinbase: Uint8Array | null;
}

export interface ShareSubmission {
  jobId: number;
  nonce: number;
  ntime: number;
  version: number;
  /** Extended channels: the rolled part of the extranonce. */
  extranonce?: Uint8Array;
}

export type ShareResult =
  /** `header` is the channel's scratch unless `block` (then a copy): use it before the next validate(). */
  | { ok: true; hash: Uint8Array; difficulty: number; block: boolean; job: PoolJob; coinbase: () => Uint8Array; header: Uint8Array }
  | { ok: false; error: string };

export interface PrevHash {
  prevHash: Uint8Array;
  minNtime: number;
  nbits: number;
  networkTarget: Uint8Array;
  receivedAt: number;
}

export class ServerChannel {
  private readonly jobs = new Map<number, ChannelJob>();
  private readonly byTemplate = new Map<bigint, number>();
  private nextJobId = 1;
  private prev: PrevHash | null = null;
  private seen = new Set<string>();
  /** Header being checked; a share that is a block gets its own copy. */
  private readonly headerScratch = new Uint8Array(80);
  /** Current share target (LE 32 bytes). */
  target: Uint8Array;
  /** Its difficulty, kept with it (a bigint division per share would cost more than the hash). */
  difficulty: number;
  /** After a raise in difficulty, the easier previous target stays valid until the next job. */
  private graceTarget: Uint8Array | null = null;

  constructor(
    readonly channelId: number,
    readonly kind: 'standard' | 'extended',
    readonly extranoncePrefix: Uint8Array,
    /** Rollable extranonce bytes (extended only). */
    readonly extranonceSize: number,
    target: bigint,
    readonly userIdentity: string,
    /** Version bits a share may roll (BIP323 by default; BIP320 for pools that insist on it). */
    readonly versionMask: number = VERSION_ROLLING_MASK,
  ) {
    this.target = bigIntToLe(target);
    this.difficulty = targetToDifficulty(target);
  }

  /** Changes the share target (SetTarget). Shares for the current jobs may still meet the old one. */
  setTarget(target: bigint): void {
    const old = this.target;
    this.target = bigIntToLe(target);
    this.difficulty = targetToDifficulty(target);
    if (leToBigInt(old) > target) this.graceTarget = old;
  }

  /** Binds a pool job to this channel (under the group's job id when it is a group member); returns the channel's job id and, for standard channels, the merkle root. */
  addJob(job: PoolJob, groupJobId?: number): { jobId: number; merkleRoot: Uint8Array | null } {
    // Members of a group channel share the group's job ids; a lone channel numbers its own.
    const jobId = groupJobId ?? this.nextJobId;
    this.nextJobId = jobId + 1;
    this.graceTarget = null; // jobs from now on are mined at the new target
    const merkleRoot =
      this.kind === 'standard' ? merkleRootFromPath(sha256d(concat(job.coinbasePrefix, this.extranoncePrefix, job.coinbaseSuffix)), job.merklePath) : null;
    const coinbase = this.kind === 'extended' ? concat(job.coinbasePrefix, this.extranoncePrefix, new Uint8Array(this.extranonceSize), job.coinbaseSuffix) : null;
    this.jobs.set(jobId, { ...job, jobId, merkleRoot, coinbase });
    this.byTemplate.set(job.templateId, jobId);
    // Bounded history: keep the last 16 jobs (SRI's default max_past_jobs).
    if (this.jobs.size > 16) this.jobs.delete(this.jobs.keys().next().value!);
    return { jobId, merkleRoot };
  }

  /** A new tip: the future job made from `templateId` becomes active and every other job is stale. */
  setPrevHash(templateId: bigint, prev: PrevHash): number | null {
    const jobId = this.byTemplate.get(templateId);
    if (jobId === undefined) return null;
    for (const id of [...this.jobs.keys()]) if (id !== jobId) this.jobs.delete(id);
    this.byTemplate.clear();
    this.byTemplate.set(templateId, jobId);
    this.prev = prev;
    this.seen.clear();
    return jobId;
  }

  validate(s: ShareSubmission, now: number): ShareResult {
    const job = this.jobs.get(s.jobId);
    if (!job) return { ok: false, error: this.nextJobId > s.jobId ? 'stale-share' : 'invalid-job-id' };
    const prev = this.prev;
    if (!prev) return { ok: false, error: 'stale-share' };
    if (s.ntime < prev.minNtime) return { ok: false, error: 'invalid-share' };
    // ntime may roll forward at most one second per second since the prevhash (spec §5), with slack.
    if (s.ntime > prev.minNtime + Math.max(0, Math.ceil(now - prev.receivedAt)) + 60) return { ok: false, error: 'invalid-share' };
    if ((s.version & ~this.versionMask) !== (job.version & ~this.versionMask)) return { ok: false, error: 'invalid-non-rollable-version-bit' };
    let root: Uint8Array;
    // The full coinbase is only needed to hash it (extended) or to build a block (rare): lazily.
    let coinbase: () => Uint8Array;
    if (this.kind === 'standard') {
      coinbase = () => concat(job.coinbasePrefix, this.extranoncePrefix, job.coinbaseSuffix);
      root = job.merkleRoot!;
    } else {
      if (!s.extranonce || s.extranonce.length !== this.extranonceSize) return { ok: false, error: 'bad-extranonce-size' };
      // Rewrite only the rolled bytes of this job's coinbase (validation is synchronous).
      const cb = job.coinbase!;
      cb.set(s.extranonce, job.coinbasePrefix.length + this.extranoncePrefix.length);
      root = merkleRootFromPath(sha256d(cb), job.merklePath);
      const en = s.extranonce.slice();
      coinbase = () => concat(job.coinbasePrefix, this.extranoncePrefix, en, job.coinbaseSuffix);
    }
    const header = buildHeader({ version: s.version, prevHash: prev.prevHash, merkleRoot: root, ntime: s.ntime, nbits: prev.nbits, nonce: s.nonce }, this.headerScratch);
    const hash = headerHash(header);
    // A block is a block whatever the channel target (regtest/testnet: the network's is easier).
    const block = meetsTarget(hash, prev.networkTarget);
    if (!block && !meetsTarget(hash, this.target) && !(this.graceTarget && meetsTarget(hash, this.graceTarget))) return { ok: false, error: 'difficulty-too-low' };
    const key = Buffer.from(hash.buffer, hash.byteOffset, 32).toString('latin1'); // cheapest exact key
    if (this.seen.has(key)) return { ok: false, error: 'duplicate-share' };
    this.seen.add(key);
    return { ok: true, hash, difficulty: this.difficulty, block, job, coinbase, header: block ? header.slice() : header };
  }
}
