// The hardware side of `hashagent mine` in one place: open the configured board, start safety
// on it, bring the enabled chains up in the safe order, and power down on SIGTERM/SIGINT. The
// run loop supplies the chain driver's parts (init, stop hashing) and prints the events.
import type { AgentConfig } from '../config/agent.js';
import { openBoard, type BoardHardware, type ChainHardware, type OpenBoardOptions } from '../../board/open.js';
import { describeShutdown } from './policy.js';
import { SafetyController, type SafetyEvent, type SafetyOptions } from './controller.js';
import { bringUp, type ChainBringUp } from './bring-up.js';
import { HardwareWatchdog } from './hardware-watchdog.js';
import type { ChainEvent } from './chain-watchdog.js';

export interface BoardSafety {
  hw: BoardHardware;
  safety: SafetyController;
  /** The hardware watchdog the safety loop feeds ([safety] watchdog_device), or null. */
  watchdog: HardwareWatchdog | null;
  /** Fans → voltage → reset → `initChain` for every enabled chain; ends at once when `signal` aborts. */
  bringUp(initChain?: (chain: ChainHardware) => Promise<void>, onRunning?: (index: number) => void, signal?: AbortSignal): Promise<ChainBringUp[]>;
  close(): Promise<void>;
}

export interface StartSafetyOptions {
  stopHashing?: () => void | Promise<void>;
  onEvent?: (e: SafetyEvent) => void;
  safety?: SafetyOptions;
  board?: Omit<OpenBoardOptions, 'bitaxeRawFormat'>;
  log?: (line: string) => void;
}

export async function startBoardSafety(cfg: AgentConfig, o: StartSafetyOptions = {}): Promise<BoardSafety> {
  // Armed first: from here a hung agent reboots the board. A board that then fails to open disarms it.
  const watchdog = cfg.watchdogDevice ? HardwareWatchdog.open(cfg.watchdogDevice) : null;
  let hw: BoardHardware;
  try {
    hw = await openBoard(cfg.board, { ...o.board, bitaxeRawFormat: cfg.bitaxeRawFormat });
  } catch (e) {
    watchdog?.close();
    throw e;
  }
  const safety = new SafetyController(hw, cfg.safety, o.safety ?? {}, {
    ...(watchdog ? { onPollDone: () => watchdog.feed() } : {}),
    ...(o.stopHashing ? { stopHashing: o.stopHashing } : {}),
    onEvent: (e) => {
      o.onEvent?.(e);
      o.log?.(describeSafetyEvent(e));
    },
  });
  safety.start();
  return {
    hw,
    safety,
    bringUp(initChain, onRunning, signal) {
      return bringUp(hw, safety, {
        chains: cfg.chains.filter((c) => c.enabled).map((c) => ({ index: c.index, voltage: c.voltage })),
        minFans: cfg.safety.minFans,
        ...(initChain ? { initChain } : {}),
        ...(onRunning ? { onRunning } : {}),
        ...(o.log ? { log: o.log } : {}),
        ...(signal ? { signal } : {}),
      });
    },
    watchdog,
    async close() {
      safety.stop();
      await hw.close();
      watchdog?.close();
    },
  };
}

export function describeChainEvent(e: ChainEvent): string {
  switch (e.type) {
    case 'chain-silent':
      return `chain ${e.chain}: no nonce for ${(e.silentMs / 1000).toFixed(1)} s while fed work (limit ${(e.limitMs / 1000).toFixed(1)} s), re-initialising`;
    case 'chain-reinit':
      return `chain ${e.chain}: re-initialisation attempt ${e.attempt} ${e.ok ? 'succeeded' : `failed${e.error ? `: ${e.error}` : ''}`}`;
    case 'chain-disabled':
      return `chain ${e.chain} disabled: ${e.reason}`;
  }
}

/** One log line per safety event. */
export function describeSafetyEvent(e: SafetyEvent): string {
  switch (e.type) {
    case 'shutdown':
      return `SAFETY SHUTDOWN: ${describeShutdown(e.reason)} (hashing stopped, voltage off, resets held, fans 100 %; latched)`;
    case 'shutdown-step-failed':
      return `safety: ${e.step} failed: ${e.error}`;
    case 'alarm':
      return `safety: ${e.message}`;
    case 'alarm-cleared':
      return `safety: cleared: ${e.message}`;
    case 'heartbeat-missing':
      return `safety: chain ${e.chain}: power controller heartbeat missing for ${Math.round(e.sinceMs)} ms (${e.error})`;
    case 'heartbeat-restored':
      return `safety: chain ${e.chain}: power controller heartbeat restored`;
    case 'chain-disabled':
      return `safety: chain ${e.chain} disabled: ${e.reason}`;
    case 'cleared':
      return 'safety: shutdown cleared by the operator';
  }
}
