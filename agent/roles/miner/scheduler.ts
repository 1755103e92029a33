// The work scheduler: keeps every chain fed from the current job, each chain at its own refresh
// interval (faster than its chips can finish a search space), and turns the chains' shares into
// MiningShares for the upstream. A clean job (new prevhash) voids the rings and writes new work to
// every chain at once — the latency-critical path.
import type { ChainDriver, FoundShare } from '../../../drivers/asic/chain.js';
import type { MiningJob, MiningShare } from '../../channels/mining-job.js';
import { WorkGenerator, WorkItem, type WorkTag } from './work-generator.js';

export interface SchedulerOptions {
  onShare: (share: MiningShare, found: FoundShare<WorkTag>, chain: ChainDriver<WorkTag>) => void;
}

export class WorkScheduler {
  private generator: WorkGenerator | null = null;
  /** The generator kept across jobs (its buffers reused), current or not. */
  private spare: WorkGenerator | null = null;
  /** Per chain, the work items it is fed from in turn: one more than the driver may still hold. */
  private readonly pools = new Map<ChainDriver<WorkTag>, { items: WorkItem[]; next: number }>();
  private readonly timers = new Map<ChainDriver<WorkTag>, NodeJS.Timeout>();
  /** The duration each chain's timer was made with (refresh() keeps it). */
  private readonly timerMs = new Map<ChainDriver<WorkTag>, number>();
  /** When each chain's next work is due (absolute, ms): late timers do not push the schedule back. */
  private readonly due = new Map<ChainDriver<WorkTag>, number>();
  private readonly listeners = new Map<ChainDriver<WorkTag>, (s: FoundShare<WorkTag>) => void>();
  private running = false;
  /** Work items written, per chain. */
  readonly dispatched = new Map<ChainDriver<WorkTag>, number>();

  constructor(private readonly opts: SchedulerOptions) {}

  /** Chains' fixed lanes (their order in the configuration) and how many there are: standard
   * channels keep chains apart by lane, which must not shift while one is re-initialised. */
  private readonly lanes = new Map<ChainDriver<WorkTag>, number>();
  laneCount = 1;

  /** Adds a chain (already initialised); it gets work at once if there is a job. */
  addChain(chain: ChainDriver<WorkTag>, lane = this.lanes.get(chain) ?? this.lanes.size): void {
    if (this.listeners.has(chain)) return;
    this.lanes.set(chain, lane);
    this.laneCount = Math.max(this.laneCount, lane + 1);
    // The extranonce is copied: the work item it sits in is refilled later.
    const on = (s: FoundShare<WorkTag>) =>
      this.opts.onShare({ job: s.work.tag.job, extranonce: s.work.tag.extranonce.slice(), ntime: s.work.ntime, version: s.version, nonce: s.nonce }, s, chain);
    chain.on('share', on);
    this.listeners.set(chain, on);
    this.chainList.push(chain);
    this.feeders.set(chain, () => this.feed(chain));
    this.dispatched.set(chain, 0);
    this.pools.set(chain, { items: Array.from({ length: chain.retainedWork + 1 }, () => new WorkItem()), next: 0 });
    if (this.running) this.feed(chain);
  }

  removeChain(chain: ChainDriver<WorkTag>): void {
    clearTimeout(this.timers.get(chain));
    this.timers.delete(chain);
    const on = this.listeners.get(chain);
    if (on) chain.off('share', on);
    this.listeners.delete(chain);
    const i = this.chainList.indexOf(chain);
    if (i >= 0) this.chainList.splice(i, 1);
    this.dispatched.delete(chain);
    this.due.delete(chain);
    this.pools.delete(chain);
    this.feeders.delete(chain);
  }

  /** The chains fed (kept as a list: the new-block path walks it without allocating). */
  private readonly chainList: ChainDriver<WorkTag>[] = [];
  /** Each chain's timer callback, made once. */
  private readonly feeders = new Map<ChainDriver<WorkTag>, () => void>();

  get chains(): ChainDriver<WorkTag>[] {
    return [...this.chainList];
  }

  start(): void {
    this.running = true;
    for (const c of this.chains) this.feed(c);
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.generator = null;
  }

  /** No valid job (upstream lost): chains idle on what they have until the next job. */
  clearJob(): void {
    this.generator = null;
    for (const c of this.chains) c.invalidateAll();
  }

  get currentJob(): MiningJob | null {
    return this.generator?.job ?? null;
  }

  setJob(job: MiningJob): void {
    if (this.spare) this.spare.load(job);
    else this.spare = new WorkGenerator(job);
    this.generator = this.spare;
    if (!job.clean || !this.running) return;
    // New block: void every ring and write the new work to every chain now, then re-arm timers.
    const chains = this.chainList;
    for (let i = 0; i < chains.length; i++) chains[i]!.invalidateAll();
    for (let i = 0; i < chains.length; i++) this.dispatchOne(chains[i]!);
    for (let i = 0; i < chains.length; i++) this.arm(chains[i]!, true);
  }

  /** A new share target (SetTarget / set_difficulty): later items use it; the search goes on
   * where it was (a fresh generator would repeat extranonces, and the pool rejects duplicates). */
  setTarget(target: Uint8Array): void {
    if (this.generator) this.generator.target = target;
  }

  private dispatchOne(chain: ChainDriver<WorkTag>): void {
    const gen = this.generator;
    const pool = this.pools.get(chain);
    if (!gen || !pool || chain.isClosed) return;
    const item = pool.items[pool.next]!;
    pool.next = (pool.next + 1) % pool.items.length;
    chain.dispatch(gen.next(chain.profile.jobFormat === 'midstate' ? chain.profile.maxMidstates : 0, this.lanes.get(chain) ?? 0, this.laneCount, item));
    this.dispatched.set(chain, (this.dispatched.get(chain) ?? 0) + 1);
  }

  private feed(chain: ChainDriver<WorkTag>): void {
    this.dispatchOne(chain);
    if (chain.streams) {
      // Keep a few items queued on the line so the chips never wait for the event loop (an S9's
      // FPGA queues more: its work FIFO holds dozens of jobs). A new block flushes what the link
      // has not sent (see ChainDriver.invalidateAll).
      const ahead = Math.max(24, 8 * chain.workIntervalMs);
      for (let n = 0; chain.txAheadMs < ahead && chain.txPendingBytes < 4096 && n < 16 && this.generator; n++) this.dispatchOne(chain);
      if (this.running) this.rearm(chain, Math.max(1, Math.round(ahead / 2)));
      else {
        clearTimeout(this.timers.get(chain));
        this.timers.delete(chain);
      }
      return;
    }
    this.arm(chain);
  }

  private arm(chain: ChainDriver<WorkTag>, fromNow = false): void {
    if (!this.running || !this.listeners.has(chain)) {
      clearTimeout(this.timers.get(chain));
      this.timers.delete(chain);
      return;
    }
    const now = performance.now();
    const interval = chain.workIntervalMs;
    let due = (fromNow ? now : (this.due.get(chain) ?? now)) + interval;
    if (due < now) due = now + interval / 2; // fell behind by more than an interval: catch up once
    this.due.set(chain, due);
    // Whole milliseconds: Node keeps one timer list per distinct duration, and a fractional one
    // would make (allocate) a new list every time.
    this.rearm(chain, Math.max(0, Math.round(due - now)));
  }

  /** Sets the chain's timer to fire in `ms`: the same Timeout is refreshed when the duration has
   * not changed (the new-block path re-arms every chain with its full interval), so it allocates
   * nothing; a new duration makes a new one. */
  private rearm(chain: ChainDriver<WorkTag>, ms: number): void {
    const t = this.timers.get(chain);
    if (t && this.timerMs.get(chain) === ms) {
      t.refresh();
      return;
    }
    clearTimeout(t);
    this.timerMs.set(chain, ms);
    this.timers.set(chain, setTimeout(this.feeders.get(chain)!, ms));
  }
}
