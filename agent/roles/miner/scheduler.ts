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

/** What the scheduler keeps per chain, in one record: the dispatch path reads it once. */
class Fed {
  /** The work items it is fed from in turn: one more than the driver may still hold. */
  readonly items: WorkItem[];
  next = 0;
  timer: NodeJS.Timeout | null = null;
  /** The duration the timer was made with (refresh() keeps it). */
  timerMs = -1;
  /** When the next work is due (absolute, ms): late timers do not push the schedule back. */
  due = -1;
  /** Work items written. */
  dispatched = 0;
  readonly feeder: () => void;

  constructor(
    readonly chain: ChainDriver<WorkTag>,
    readonly lane: number,
    readonly listener: (s: FoundShare<WorkTag>) => void,
    feed: (f: Fed) => void,
  ) {
    this.items = Array.from({ length: chain.retainedWork + 1 }, () => new WorkItem());
    this.feeder = () => feed(this);
  }

  clearTimer(): void {
    clearTimeout(this.timer ?? undefined);
    this.timer = null;
  }
}

export class WorkScheduler {
  private generator: WorkGenerator | null = null;
  /** The generator kept across jobs (its buffers reused), current or not. */
  private spare: WorkGenerator | null = null;
  private readonly fed = new Map<ChainDriver<WorkTag>, Fed>();
  /** The chains fed, as a list: the new-block path walks it without allocating. */
  private readonly fedList: Fed[] = [];
  private running = false;

  constructor(private readonly opts: SchedulerOptions) {}

  /** Chains' fixed lanes (their order in the configuration) and how many there are: standard
   * channels keep chains apart by lane, which must not shift while one is re-initialised. */
  private readonly lanes = new Map<ChainDriver<WorkTag>, number>();
  laneCount = 1;

  /** Adds a chain (already initialised); it gets work at once if there is a job. */
  addChain(chain: ChainDriver<WorkTag>, lane = this.lanes.get(chain) ?? this.lanes.size): void {
    if (this.fed.has(chain)) return;
    this.lanes.set(chain, lane);
    this.laneCount = Math.max(this.laneCount, lane + 1);
    // The extranonce is copied: the work item it sits in is refilled later.
    const on = (s: FoundShare<WorkTag>) =>
      this.opts.onShare({ job: s.work.tag.job, extranonce: s.work.tag.extranonce.slice(), ntime: s.work.ntime, version: s.version, nonce: s.nonce }, s, chain);
    chain.on('share', on);
    const f = new Fed(chain, lane, on, (x) => this.feed(x));
    this.fed.set(chain, f);
    this.fedList.push(f);
    if (this.running) this.feed(f);
  }

  removeChain(chain: ChainDriver<WorkTag>): void {
    const f = this.fed.get(chain);
    if (!f) return;
    f.clearTimer();
    chain.off('share', f.listener);
    this.fed.delete(chain);
    this.fedList.splice(this.fedList.indexOf(f), 1);
  }

  get chains(): ChainDriver<WorkTag>[] {
    return this.fedList.map((f) => f.chain);
  }

  /** Work items written to `chain` since it was added. */
  dispatchedTo(chain: ChainDriver<WorkTag>): number {
    return this.fed.get(chain)?.dispatched ?? 0;
  }

  start(): void {
    this.running = true;
    for (const f of [...this.fedList]) this.feed(f);
  }

  stop(): void {
    this.running = false;
    for (const f of this.fedList) f.clearTimer();
    this.generator = null;
  }

  /** No valid job (upstream lost): chains idle on what they have until the next job. */
  clearJob(): void {
    this.generator = null;
    for (const f of this.fedList) f.chain.invalidateAll();
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
    const list = this.fedList;
    for (let i = 0; i < list.length; i++) list[i]!.chain.invalidateAll();
    for (let i = 0; i < list.length; i++) this.dispatchOne(list[i]!);
    for (let i = 0; i < list.length; i++) this.arm(list[i]!, true);
  }

  /** A new share target (SetTarget / set_difficulty): later items use it; the search goes on
   * where it was (a fresh generator would repeat extranonces, and the pool rejects duplicates). */
  setTarget(target: Uint8Array): void {
    if (this.generator) this.generator.target = target;
  }

  private dispatchOne(f: Fed): void {
    const gen = this.generator;
    const chain = f.chain;
    if (!gen || chain.isClosed) return;
    const item = f.items[f.next]!;
    f.next = (f.next + 1) % f.items.length;
    chain.dispatch(gen.next(chain.profile.jobFormat === 'midstate' ? chain.profile.maxMidstates : 0, f.lane, this.laneCount, item));
    f.dispatched++;
  }

  private feed(f: Fed): void {
    if (this.fed.get(f.chain) !== f) return; // removed while its timer was due
    this.dispatchOne(f);
    const chain = f.chain;
    if (chain.streams) {
      // Keep a few items queued on the line so the chips never wait for the event loop (an S9's
      // FPGA queues more: its work FIFO holds dozens of jobs). A new block flushes what the link
      // has not sent (see ChainDriver.invalidateAll).
      const ahead = Math.max(24, 8 * chain.workIntervalMs);
      for (let n = 0; chain.txAheadMs < ahead && chain.txPendingBytes < 4096 && n < 16 && this.generator; n++) this.dispatchOne(f);
      if (this.running) this.rearm(f, Math.max(1, Math.round(ahead / 2)));
      else f.clearTimer();
      return;
    }
    this.arm(f);
  }

  private arm(f: Fed, fromNow = false): void {
    if (!this.running || this.fed.get(f.chain) !== f) {
      f.clearTimer();
      return;
    }
    const now = performance.now();
    const interval = f.chain.workIntervalMs;
    let due = (fromNow || f.due < 0 ? now : f.due) + interval;
    if (due < now) due = now + interval / 2; // fell behind by more than an interval: catch up once
    f.due = due;
    // Whole milliseconds: Node keeps one timer list per distinct duration, and a fractional one
    // would make (allocate) a new list every time.
    this.rearm(f, Math.max(0, Math.round(due - now)));
  }

  /** Sets the chain's timer to fire in `ms`: the same Timeout is refreshed when the duration has
   * not changed (the new-block path re-arms every chain with its full interval), so it allocates
   * nothing; a new duration makes a new one. */
  private rearm(f: Fed, ms: number): void {
    if (f.timer && f.timerMs === ms) {
      f.timer.refresh();
      return;
    }
    f.clearTimer();
    f.timerMs = ms;
    f.timer = setTimeout(f.feeder, ms);
  }
}
