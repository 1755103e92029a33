// Processes that belong to one test run: those whose environment carries the run's TMPDIR (set by
// the global setup and inherited by every worker and every process a test spawns), wherever they
// were re-parented after their parent died. Linux /proc only; elsewhere none are found.
import { readdirSync, readFileSync } from 'node:fs';

export function leftoverProcesses(runTmp: string, self = process.pid): { pid: number; cmdline: string }[] {
  const want = `TMPDIR=${runTmp}`;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  const found: { pid: number; cmdline: string }[] = [];
  for (const d of pids) {
    const pid = Number(d);
    if (pid === self) continue;
    try {
      if (!readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(want)) continue;
      found.push({ pid, cmdline: readFileSync(`/proc/${d}/cmdline`, 'latin1').split('\0').join(' ').trim() });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}
