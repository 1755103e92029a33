// One running chain as the agent keeps it: its hardware, the driver of its current
// initialisation (a re-initialisation makes a new one), what earlier drivers counted, and its
// rolling rate windows. Status, metrics, chip health and the APIs read chains through this.
import type { ChainHardware } from '../../../board/open.js';
import type { ChainDriver } from '../../../drivers/asic/chain.js';
import type { SerialLink } from '../../../drivers/transport/serial-link.js';
import type { WorkTag } from './work-generator.js';
import { WorkMeter } from './work-meter.js';

/** How often the chain's rate is sampled, and each chip's (the windows are the same). */
export const CHAIN_SAMPLE_MS = 1000;
export const CHIP_SAMPLE_MS = 5000;

export type ChainState = 'running' | 'reinitialising' | 'disabled';

export interface ChainRuntime {
  index: number;
  hw: ChainHardware;
  driver: ChainDriver<WorkTag>;
  link: SerialLink;
  /** Chips found at the last init, the position of the first missing one. */
  found: number;
  missingAt: number | null;
  state: ChainState;
  /** Why the chain was disabled (or its last re-initialisation failed), for the operator. */
  reason: string | null;
  /** What the chain's earlier drivers counted (one per re-initialisation). */
  retired: { work: number; nonces: number; hwErrors: number; crcErrors: number };
  /** Rolling rates: the chain's work (series 0), and each chip's. Fresh at every init. */
  meter: WorkMeter;
  chipMeter: WorkMeter;
}

/** Diff-1 shares of work the chain has done in its life (valid nonces × their ticket difficulty). */
export function chainWork(c: ChainRuntime): number {
  return c.retired.work + c.driver.stats.nonces * c.driver.ticket;
}

/** Diff-1 work of chip `i` under the current driver. */
export function chipWork(c: ChainRuntime, i: number): number {
  return (c.driver.chips[i]?.nonces ?? 0) * c.driver.ticket;
}

/** Lifetime counters across re-initialisations. */
export function chainCounts(c: ChainRuntime): { nonces: number; hwErrors: number; crcErrors: number } {
  const s = c.driver.stats;
  return { nonces: c.retired.nonces + s.nonces, hwErrors: c.retired.hwErrors + s.hwErrors, crcErrors: c.retired.crcErrors + s.crcErrors };
}

/** New rate windows for a chain that has just been (re)initialised: they start from now. */
export function freshMeters(c: Pick<ChainRuntime, 'found' | 'driver' | 'retired'>, now: number): { meter: WorkMeter; chipMeter: WorkMeter } {
  const meter = new WorkMeter(1, CHAIN_SAMPLE_MS);
  meter.reset(0, now, c.retired.work + c.driver.stats.nonces * c.driver.ticket);
  const chipMeter = new WorkMeter(Math.max(1, c.found), CHIP_SAMPLE_MS);
  for (let i = 0; i < c.found; i++) chipMeter.reset(i, now, (c.driver.chips[i]?.nonces ?? 0) * c.driver.ticket);
  return { meter, chipMeter };
}

/** H/s of the chain over a window (Infinity: since its last init). */
export function chainRate(c: ChainRuntime, windowS: number, now = performance.now()): number {
  return c.meter.rate(0, windowS, now, chainWork(c));
}

/** H/s of chip `i` over a window. */
export function chipRate(c: ChainRuntime, i: number, windowS: number, now = performance.now()): number {
  return c.chipMeter.rate(i, windowS, now, chipWork(c, i));
}
