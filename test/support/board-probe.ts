// Reads what an emulated board recorded of its rails and resets (HASHAGENT_EMULATED_STATE: one
// JSON line per change, and one at process exit) — the board's side of a power-down, not a log line.
import { allOff, anyPowered, readBoardStates, type EmulatedBoardState } from '../../board/emulated/state-record.js';

/** The verdict on a run: was any chain ever powered, is everything off at the end, and when
 * (epoch ms) it first was after `since`. */
export function powerDownOf(file: string, since: number): { everPowered: boolean; final: EmulatedBoardState | null; offAt: number | null } {
  const states = readBoardStates(file);
  const final = states.at(-1) ?? null;
  const offAt = states.find((s) => s.at >= since && allOff(s))?.at ?? null;
  return { everPowered: states.some(anyPowered), final, offAt };
}
