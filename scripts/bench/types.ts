// One benchmark result, printed by `npm run bench` as one JSON line.
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The same quantity measured for the baseline in the same run (omitted when only reported). */
  baseline?: number;
  /** value / baseline, or the ratio the issue defines; the thing to compare across runs. */
  ratio?: number;
  /** The target for `ratio`, e.g. '>= 5'. */
  target?: string;
  /** Extra figures (p50/p99, sizes, ...). */
  [extra: string]: unknown;
}

export type Report = (r: BenchResult) => void;

export interface Bench {
  name: string;
  run(report: Report): Promise<void> | void;
}

/** Runs fn repeatedly for about `ms` milliseconds after a warm-up; returns operations per second. */
export function opsPerSecond(fn: () => void, ms = 1000, batch = 100): number {
  const warmEnd = performance.now() + Math.min(200, ms / 4);
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}
