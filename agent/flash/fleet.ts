// Many boards at once: a bounded number of flashes in flight, one progress line per board and
// step, and a result table at the end.
import type { HostResult } from './flash-host.js';

export async function forEachBounded<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** The table printed at the end: target, result, board, takeover gap, what happened. */
export function resultTable(results: readonly HostResult[]): string {
  const rows = [
    ['HOST', 'RESULT', 'BOARD', 'GAP', 'OUTCOME'],
    ...results.map((r) => [r.target, r.ok ? 'ok' : r.rolledBack ? 'rolled back' : 'FAILED', r.board ?? '-', r.gapSeconds === undefined ? '-' : `${r.gapSeconds.toFixed(2)} s`, r.outcome]),
  ];
  const widths = rows[0]!.slice(0, -1).map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c < widths.length ? cell.padEnd(widths[c]!) : cell)).join('  ')).join('\n');
}
