// Rolling hash rates from work actually done: a cumulative counter per series (diff-1 shares of
// work: valid nonces × their ticket difficulty) sampled on a fixed period into a ring, and the
// rate over a window read as the difference across it. cgminer's `MHS 5s`…`MHS 15m`, /metrics
// and the status line all read the same windows. `reset` starts a series' history again (a
// re-initialised chain): a window never reaches back past it, so a chain that just came back
// reads what it does now, not an average over its whole life.

/** The windows operators know from cgminer, seconds. */
export const RATE_WINDOWS = { '5s': 5, '1m': 60, '5m': 300, '15m': 900 } as const;
export type RateWindow = keyof typeof RATE_WINDOWS;

const TWO_32 = 2 ** 32;

export class WorkMeter {
  /** Sample times (ms) and, per sample, every series' cumulative work. */
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  /** Per series: the time from which its history counts (its last reset). */
  private readonly since: Float64Array;
  /** Per series: its cumulative work at that reset. */
  private readonly baseline: Float64Array;
  private head = -1;
  private count = 0;

  constructor(
    readonly series: number,
    readonly periodMs: number,
    spanS = RATE_WINDOWS['15m'],
  ) {
    const slots = Math.ceil((spanS * 1000) / periodMs) + 2;
    this.times = new Float64Array(slots);
    this.values = new Float64Array(slots * series);
    this.since = new Float64Array(series).fill(-Infinity);
    this.baseline = new Float64Array(series);
  }

  /** Records every series' cumulative work (diff-1 shares) at `now` (ms). */
  sample(now: number, read: (series: number) => number): void {
    const slots = this.times.length;
    this.head = (this.head + 1) % slots;
    this.count = Math.min(this.count + 1, slots);
    this.times[this.head] = now;
    const base = this.head * this.series;
    for (let s = 0; s < this.series; s++) this.values[base + s] = read(s);
  }

  /** Series `s` starts again at `now` with cumulative work `value` (its counter may restart too). */
  reset(s: number, now: number, value: number): void {
    this.since[s] = now;
    this.baseline[s] = value;
  }

  /** H/s of series `s` over the last `windowS` seconds up to `now` with its work `current` now;
   * over what history there is when the series is younger than the window. */
  rate(s: number, windowS: number, now: number, current: number): number {
    const slots = this.times.length;
    const from = now - windowS * 1000;
    const since = this.since[s]!;
    // The newest sample at or before the window's start, never one from before the last reset;
    // failing that, the reset itself (or, for a series never reset, the oldest sample).
    let t0 = since;
    let v0 = this.baseline[s]!;
    for (let k = 0; k < this.count; k++) {
      const i = (this.head - k + slots) % slots;
      const t = this.times[i]!;
      if (t < since) break;
      if (since === -Infinity || t <= from) {
        t0 = t;
        v0 = this.values[i * this.series + s]!;
      }
      if (t <= from) break;
    }
    if (t0 === -Infinity) return 0;
    const dt = (now - t0) / 1000;
    if (dt <= 0) return 0;
    return (Math.max(0, current - v0) * TWO_32) / dt;
  }
}
