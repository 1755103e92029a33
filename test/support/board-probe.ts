// Reads what an emulated board recorded of its rails and resets (HASHAGENT_EMULATED_STATE: one
// JSON line per change, and one at process exit) — the board's side of a power-down, not a log line.
import { existsSync, readFileSync } from 'node:fs';
import type { EmulatedBoardState } from '../../board/emulated/board-model.js';

export const STATE_ENV = 'HASHAGENT_EMULATED_STATE';

export function readStates(file: string): EmulatedBoardState[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as EmulatedBoardState);
}

export const allOff = (s: EmulatedBoardState) => Object.values(s.chains).every((c) => !c.powered && c.reset);
export const anyPowered = (s: EmulatedBoardState) => Object.values(s.chains).some((c) => c.powered);
export const allHashing = (s: EmulatedBoardState) => Object.values(s.chains).every((c) => c.powered && !c.reset);

/** The verdict on a run: was any chain ever powered, is everything off at the end, and when
 * (epoch ms) it first was after `since`. */
export function powerDownOf(file: string, since: number): { everPowered: boolean; final: EmulatedBoardState | null; offAt: number | null } {
  const states = readStates(file);
  const final = states.at(-1) ?? null;
  const offAt = states.find((s) => s.at >= since && allOff(s))?.at ?? null;
  return { everPowered: states.some(anyPowered), final, offAt };
}
