// The emulated board's record of its rails and resets (EmulatedBoardOptions.stateFile, set by
// `hashagent mine` from HASHAGENT_EMULATED_STATE): one JSON line per change and one at process
// exit. The writer is the board model; the power-down tests and the agent.fault_power_down
// benchmark read it here — what a probe on the board would have seen, not a log line.
import { existsSync, readFileSync } from 'node:fs';

/** The environment variable `hashagent mine` takes the record's path from (emulated boards only). */
export const EMULATED_STATE_ENV = 'HASHAGENT_EMULATED_STATE';

/** One line of the record. */
export interface EmulatedBoardState {
  /** Epoch ms of the write. */
  at: number;
  /** Per chain (the definition's number): supply on, reset asserted. */
  chains: Record<string, { powered: boolean; reset: boolean }>;
  /** The process had exited (the exit handler wrote it). */
  exited: boolean;
}

export function readBoardStates(file: string): EmulatedBoardState[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as EmulatedBoardState);
}

export const allOff = (s: EmulatedBoardState) => Object.values(s.chains).every((c) => !c.powered && c.reset);
export const anyPowered = (s: EmulatedBoardState) => Object.values(s.chains).some((c) => c.powered);
export const allHashing = (s: EmulatedBoardState) => Object.values(s.chains).every((c) => c.powered && !c.reset);
