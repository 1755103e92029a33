// Variable difficulty per channel, after SRI's "classic" algorithm (sv2-protocol digest §5.7):
// estimate the hashrate from the shares seen since the last change and retarget only when the
// change is large for the time observed, so a miner is neither flooded nor starved.
import { hashrateToTarget, targetToHashrate } from '../bitcoin/index.js';

export interface VardiffOptions {
  sharesPerMinute: number;
  /** Floor: never estimate below this hashrate (H/s); it bounds how easy a target can get. */
  minHashrate?: number;
  /** No change sooner than this after the previous one (SRI: 15 s). */
  minIntervalMs?: number;
}

// (minimum seconds observed, minimum relative change) — larger changes need less evidence.
const THRESHOLDS: [number, number][] = [
  [300, 0.15],
  [240, 0.3],
  [180, 0.45],
  [120, 0.5],
  [60, 0.6],
  [0, 1.0],
];

export class Vardiff {
  private shares = 0;
  private since: number;
  /** The hashrate the current target was chosen for (H/s). */
  hashrate: number;

  constructor(
    private readonly opts: VardiffOptions,
    initialHashrate: number,
    now: number,
  ) {
    this.hashrate = Math.max(initialHashrate, opts.minHashrate ?? 1);
    this.since = now;
  }

  /** Starts over from a newly declared hashrate (UpdateChannel). */
  reset(hashrate: number, nowMs: number): void {
    this.hashrate = Math.max(hashrate, this.opts.minHashrate ?? 1);
    this.shares = 0;
    this.since = nowMs;
  }

  onShare(): void {
    this.shares++;
  }

  /** A new target when one is due (ms clock), else null. */
  update(currentTarget: bigint, nowMs: number): bigint | null {
    const elapsedMs = nowMs - this.since;
    if (elapsedMs <= (this.opts.minIntervalMs ?? 15_000)) return null;
    const secs = elapsedMs / 1000;
    const spm = this.opts.sharesPerMinute;
    const old = this.hashrate;
    let next: number;
    if (this.shares === 0) {
      next = old / (secs <= 30 ? 1.5 : secs < 60 ? 2 : 3);
    } else {
      const realizedPerMinute = this.shares / (secs / 60);
      next = targetToHashrate(currentTarget, realizedPerMinute);
      const change = Math.abs(next - old) / old;
      if (next > old * 11) next = old * (secs <= 30 ? 10 : secs < 60 ? 5 : 3); // a >1000 % jump is capped
      else {
        const needed = THRESHOLDS.find(([s]) => secs >= s)![1];
        if (change < needed) return null;
      }
    }
    next = Math.max(next, this.opts.minHashrate ?? 1);
    this.hashrate = next;
    this.shares = 0;
    this.since = nowMs;
    return hashrateToTarget(next, spm);
  }
}
