// Every board hashagent knows, by the name agent.toml's [board] name uses.
import { antminerS9 } from './antminer-s9.js';
import { antminerS19jPro } from './antminer-s19j-pro.js';
import { antminerS19jProAmlogic, antminerS19jProBbb } from './antminer-s19j-pro-control-boards.js';
import { bitaxeGamma } from './bitaxe-gamma.js';
import { gekkoCompacF } from './gekko-compac-f.js';
import { qemuVexpress } from './qemu-vexpress.js';
import {
  emulatedAntminerS9,
  emulatedAntminerS19jPro,
  emulatedAntminerS19jProAmlogic,
  emulatedAntminerS19jProBbb,
  emulatedAntminerS19Xp,
  emulatedAntminerS21,
  emulatedAntminerS21Pro,
  emulatedBitaxeGamma,
  emulatedGekkoCompacF,
} from './emulated-boards.js';
import { BoardError, type BoardDefinition } from './types.js';

export const BOARDS: readonly BoardDefinition[] = [
  antminerS9,
  antminerS19jPro,
  antminerS19jProBbb,
  antminerS19jProAmlogic,
  gekkoCompacF,
  bitaxeGamma,
  qemuVexpress,
  emulatedAntminerS9,
  emulatedAntminerS19jPro,
  emulatedAntminerS19jProAmlogic,
  emulatedAntminerS19jProBbb,
  emulatedAntminerS19Xp,
  emulatedAntminerS21,
  emulatedAntminerS21Pro,
  emulatedBitaxeGamma,
  emulatedGekkoCompacF,
];

export const BOARD_NAMES = BOARDS.map((b) => b.name);

export function boardDefinition(name: string): BoardDefinition {
  const b = BOARDS.find((x) => x.name === name);
  if (!b) throw new BoardError(`unknown board "${name}" (known: ${BOARD_NAMES.join(', ')})`);
  return b;
}
