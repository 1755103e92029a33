// Client-side state of one standard or extended channel (or of its group): jobs as they arrive,
// future jobs activated by SetNewPrevHash, jobs with min_ntime active at once on the current
// prevhash, everything older dropped on a new prevhash. It answers "what should be mined now".

export interface ClientJob {
  jobId: number;
  version: number;
  /** Standard channels: the merkle root to hash (the pool already put in our extranonce). */
  merkleRoot: Uint8Array | null;
  /** Extended channels: what the miner needs to build its own coinbase and merkle root. */
  extended: { coinbasePrefix: Uint8Array; coinbaseSuffix: Uint8Array; merklePath: Uint8Array[]; versionRollingAllowed: boolean } | null;
  /** null for a future job (waits for its SetNewPrevHash). */
  minNtime: number | null;
}

export interface ClientPrevHash {
  jobId: number;
  prevHash: Uint8Array;
  minNtime: number;
  nbits: number;
}

/** The work to mine: a job on the current prevhash, with the ntime to start from. */
export interface ActiveWork {
  job: ClientJob;
  prev: ClientPrevHash;
  ntime: number;
}

export class ClientChannel {
  private readonly jobs = new Map<number, ClientJob>();
  private prev: ClientPrevHash | null = null;
  active: ActiveWork | null = null;

  constructor(
    readonly channelId: number,
    readonly kind: 'standard' | 'extended',
    /** The group this channel belongs to (0: none); messages on it apply here too. */
    readonly groupId: number,
    public target: Uint8Array,
    public extranoncePrefix: Uint8Array,
    /** Rollable extranonce bytes (extended). */
    readonly extranonceSize: number,
  ) {}

  /** Whether a message addressed to `channelId` is for this channel. */
  addressedBy(channelId: number): boolean {
    return channelId === this.channelId || (this.groupId !== 0 && channelId === this.groupId);
  }

  /** A new job; returns the work to switch to when it is active at once, else null. Copies its bytes. */
  addJob(job: ClientJob): ActiveWork | null {
    const own: ClientJob = {
      ...job,
      merkleRoot: job.merkleRoot ? job.merkleRoot.slice() : null,
      extended: job.extended
        ? { ...job.extended, coinbasePrefix: job.extended.coinbasePrefix.slice(), coinbaseSuffix: job.extended.coinbaseSuffix.slice(), merklePath: job.extended.merklePath.map((p) => p.slice()) }
        : null,
    };
    this.jobs.set(own.jobId, own);
    if (this.jobs.size > 32) this.jobs.delete(this.jobs.keys().next().value!);
    if (own.minNtime === null || !this.prev) return null; // a future job waits for its prevhash
    return (this.active = { job: own, prev: this.prev, ntime: Math.max(own.minNtime, this.prev.minNtime) });
  }

  /** A new prevhash: its job becomes active and every other job is dropped. */
  setPrevHash(p: ClientPrevHash): ActiveWork | null {
    this.prev = { ...p, prevHash: p.prevHash.slice() };
    for (const id of [...this.jobs.keys()]) if (id !== p.jobId) this.jobs.delete(id);
    const job = this.jobs.get(p.jobId);
    this.active = job ? { job, prev: this.prev, ntime: p.minNtime } : null;
    return this.active;
  }

  get jobCount(): number {
    return this.jobs.size;
  }
}
