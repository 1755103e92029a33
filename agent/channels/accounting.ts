// Share accounting per user identity: accepted work (sum of share difficulties), counts by result,
// last share time. Bounded: the least recently active identities are dropped beyond `maxUsers`.

export interface UserAccount {
  user: string;
  accepted: number;
  rejected: number;
  stale: number;
  /** Sum of the difficulty of accepted shares (diff-1 units of work). */
  work: number;
  blocks: number;
  lastShareAt: number;
  /** When this identity's first share came (its hash rate is over the time since). */
  firstSeenAt: number;
}

export class ShareAccounting {
  private readonly users = new Map<string, UserAccount>();

  constructor(readonly maxUsers = 100_000) {}

  private get(user: string, now: number): UserAccount {
    let a = this.users.get(user);
    if (a) this.users.delete(user); // re-insert: Map order doubles as recency
    else a = { user, accepted: 0, rejected: 0, stale: 0, work: 0, blocks: 0, lastShareAt: 0, firstSeenAt: now };
    a.lastShareAt = now;
    this.users.set(user, a);
    if (this.users.size > this.maxUsers) this.users.delete(this.users.keys().next().value!);
    return a;
  }

  accepted(user: string, difficulty: number, block: boolean, now = Date.now()): void {
    const a = this.get(user, now);
    a.accepted++;
    a.work += difficulty;
    if (block) a.blocks++;
  }

  rejected(user: string, stale: boolean, now = Date.now()): void {
    const a = this.get(user, now);
    if (stale) a.stale++;
    else a.rejected++;
  }

  account(user: string): UserAccount | undefined {
    return this.users.get(user);
  }

  all(): UserAccount[] {
    return [...this.users.values()];
  }
}
