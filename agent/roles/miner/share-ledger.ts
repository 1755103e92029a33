// Every share the agent submits, followed until the pool answers for it: counted per pool and
// per chain as submitted, accepted, rejected (by reason) or unconfirmed. A batched
// SubmitShares.Success covers the range up to its last sequence number (the pool answers in
// order and sends each rejection at once, so what is still pending up to there was accepted);
// an SV1 answer names its one share. Shares still pending when the connection drops are
// reported as unconfirmed, not silently forgotten.

export interface ShareTally {
  submitted: number;
  accepted: number;
  rejected: number;
  /** Sent but never answered: the connection went away first. */
  unconfirmed: number;
  /** Rejections by the pool's reason (SV2 error code or SV1 message), bounded. */
  readonly rejectedBy: Map<string, number>;
  /** Epoch seconds of the last accepted share, 0 for none. */
  lastAcceptedAt: number;
}

interface Pending {
  seq: number;
  chain: number;
}

/** A pool that never answers must not grow the pending list without bound. */
const MAX_PENDING = 10_000;
/** Distinct rejection reasons kept per tally (a pool sending free text cannot grow it). */
const MAX_REASONS = 16;

export const newTally = (): ShareTally => ({ submitted: 0, accepted: 0, rejected: 0, unconfirmed: 0, rejectedBy: new Map(), lastAcceptedAt: 0 });

export class ShareLedger {
  readonly total = newTally();
  readonly pools: ShareTally[];
  private readonly chains = new Map<number, ShareTally>();
  private readonly pending: Pending[][];
  blocks = 0;

  constructor(poolCount: number) {
    this.pools = Array.from({ length: poolCount }, newTally);
    this.pending = Array.from({ length: poolCount }, () => []);
  }

  chain(index: number): ShareTally {
    let t = this.chains.get(index);
    if (!t) this.chains.set(index, (t = newTally()));
    return t;
  }

  /** Shares sent and not yet answered on pool `pool`. */
  pendingOn(pool: number): number {
    return this.pending[pool]?.length ?? 0;
  }

  /** A share went to pool `pool` from chain `chain` under number `seq`. */
  submitted(pool: number, chain: number, seq: number): void {
    const q = this.pending[pool];
    if (!q) return;
    for (const t of this.tallies(pool, chain)) t.submitted++;
    q.push({ seq, chain });
    if (q.length > MAX_PENDING) this.settle(pool, q.splice(0, q.length - MAX_PENDING), 'unconfirmed');
  }

  /** The pool's answer: accepted or rejected, for one share (`seq`), a range (`upTo`) or, when the
   * source names neither, the oldest pending ones. */
  result(pool: number, r: { accepted: number; rejected: number; error?: string; seq?: number; upTo?: number }): void {
    const q = this.pending[pool];
    if (!q) return;
    if (r.seq !== undefined) {
      const i = q.findIndex((p) => p.seq === r.seq);
      if (i >= 0) this.settle(pool, q.splice(i, 1), r.rejected ? 'rejected' : 'accepted', r.error);
      return;
    }
    if (r.upTo !== undefined && r.accepted > 0) {
      // Sequence numbers are u32 and wrap: "up to" is within half the space behind upTo.
      let n = 0;
      while (n < q.length && ((r.upTo - q[n]!.seq) >>> 0) < 0x8000_0000) n++;
      this.settle(pool, q.splice(0, n), 'accepted');
      return;
    }
    if (r.accepted) this.settle(pool, q.splice(0, r.accepted), 'accepted');
    if (r.rejected) this.settle(pool, q.splice(0, r.rejected), 'rejected', r.error);
  }

  /** The connection to pool `pool` is gone: what it never answered is unconfirmed. */
  disconnected(pool: number): void {
    const q = this.pending[pool];
    if (q?.length) this.settle(pool, q.splice(0), 'unconfirmed');
  }

  private tallies(pool: number, chain: number): ShareTally[] {
    return [this.total, this.pools[pool]!, this.chain(chain)];
  }

  private settle(pool: number, shares: Pending[], how: 'accepted' | 'rejected' | 'unconfirmed', reason = 'rejected'): void {
    const now = Math.floor(Date.now() / 1000);
    for (const s of shares) {
      for (const t of this.tallies(pool, s.chain)) {
        t[how]++;
        if (how === 'accepted') t.lastAcceptedAt = now;
        if (how === 'rejected' && (t.rejectedBy.has(reason) || t.rejectedBy.size < MAX_REASONS)) t.rejectedBy.set(reason, (t.rejectedBy.get(reason) ?? 0) + 1);
      }
    }
  }
}
