// Per-chip health from the nonces each chip reports: a chip expected to have found several nonces
// in a check window that found none has stopped. When the silent chips are a chain's tail, the
// chain broke at the first of them (a chip that stops forwarding takes the rest with it): the
// chain is re-initialised and mines on with the chips before the break, reported by position.
import type { ChainRuntime } from './chain-runtime.js';

export interface ChipHealthOptions {
  checkMs: number;
  /** Emulated chips' rate multiplier (their nominal rate is the profile's times this). */
  hashrateScale?: number;
  /** Since when work has gone to the chains without a break (null: none now). A window is judged
   * only if work went out through all of it: no work is not a dead chip. */
  fedSince?: () => number | null;
  /** Nonces a chip must have been expected to find before silence counts (default 8). */
  minExpected?: number;
  log: (line: string) => void;
  reinit: (chain: number) => Promise<boolean>;
}

export interface ChipState {
  chain: number;
  chip: number;
  state: 'ok' | 'stopped';
}

export class ChipHealth {
  private readonly last = new Map<number, { at: number; counts: number[]; stale: number }>();
  private readonly stopped = new Map<number, Set<number>>();
  private timer: NodeJS.Timeout | null;
  private busy = false;

  constructor(
    private readonly agent: { chains: Map<number, ChainRuntime> },
    private readonly o: ChipHealthOptions,
  ) {
    this.timer = setInterval(() => void this.check(), o.checkMs);
    this.timer.unref();
  }

  /** Chips that stopped on chain `chain` (by position). */
  stoppedChips(chain: number): number[] {
    return [...(this.stopped.get(chain) ?? [])].sort((a, b) => a - b);
  }

  /** After a re-initialisation the chain starts a fresh window. */
  reset(chain: number): void {
    this.last.delete(chain);
    this.stopped.delete(chain);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async check(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const c of this.agent.chains.values()) await this.checkChain(c);
    } finally {
      this.busy = false;
    }
  }

  private async checkChain(c: ChainRuntime): Promise<void> {
    const d = c.driver;
    const now = performance.now();
    const counts = d.chips.map((x) => x.nonces);
    const prev = this.last.get(c.index);
    this.last.set(c.index, { at: now, counts, stale: d.stats.stale });
    if (!prev || prev.counts.length !== counts.length) return;
    // Nonces for voided work (a new block, a lost pool) are not counted per chip: no verdict then.
    if (d.stats.stale !== prev.stale || c.state !== 'running') return;
    if (this.o.fedSince) {
      const since = this.o.fedSince();
      if (since === null || since > prev.at) return;
    }
    const known = this.stopped.get(c.index);
    if (known) for (const i of [...known]) if (counts[i] !== prev.counts[i]) known.delete(i); // it found something again
    const secs = (now - prev.at) / 1000;
    // One chip's expected valid nonces: its share of the chain's nominal rate over the ticket.
    const perChip = d.frequencyMHz * 1e6 * d.profile.hashesPerClock * (this.o.hashrateScale ?? 1);
    const expected = (perChip * secs) / (2 ** 32 * d.ticket);
    if (expected < (this.o.minExpected ?? 8)) return;
    const silent = counts.map((n, i) => (n === prev.counts[i] ? i : -1)).filter((i) => i >= 0);
    if (!silent.length) return;
    const first = silent[0]!;
    const tail = silent.length === counts.length - first && silent.every((v, k) => v === first + k);
    if (tail && first > 0) {
      this.o.log(`chain ${c.index}: chips ${first}–${counts.length - 1} found nothing in ${secs.toFixed(0)} s (expected ~${expected.toFixed(0)} each): the chain breaks at chip ${first}; re-initialising`);
      await this.o.reinit(c.index);
      return;
    }
    const stopped = known ?? new Set<number>();
    this.stopped.set(c.index, stopped);
    for (const i of silent) {
      if (stopped.has(i)) continue;
      stopped.add(i);
      this.o.log(`chain ${c.index}: chip ${i} stopped hashing (no nonce in ${secs.toFixed(0)} s, ~${expected.toFixed(0)} expected)`);
    }
  }
}
