// The hardware side of `hashagent mine` in one place: open the configured board, start safety
// on it, bring the enabled chains up in the safe order, and power down on SIGTERM/SIGINT. The
// run loop supplies the chain driver's parts (init, stop hashing) and prints the events.
import type { AgentConfig } from '../../config/agent.js';
import { openBoard, type BoardHardware, type ChainHardware, type OpenBoardOptions } from '../../../board/open.js';
import { describeShutdown } from './safety-policy.js';
import { SafetyController, type SafetyEvent, type SafetyOptions } from './safety.js';
import { bringUp, powerDownOnSignals, type ChainBringUp } from './safety-bringup.js';
import { ChainWatchdog, type ChainEvent, type ChainSupervisor, type ChainWatchdogOptions } from './safety-chains.js';

export interface BoardSafety {
  hw: BoardHardware;
  safety: SafetyController;
  /** Present when a supervisor was given: tell it every reply with `watchdog.replied(chain)`. */
  watchdog: ChainWatchdog | null;
  /** Fans → voltage → reset → `initChain` for every enabled chain. */
  bringUp(initChain?: (chain: ChainHardware) => Promise<void>, onRunning?: (index: number) => void): Promise<ChainBringUp[]>;
  /** Installs the SIGTERM/SIGINT power-down; `exit` runs once it is done. Returns the remover. */
  onSignals(exit: (signal: string, allOff: boolean) => void): () => void;
  close(): Promise<void>;
}

export interface StartSafetyOptions {
  stopHashing?: () => void | Promise<void>;
  onEvent?: (e: SafetyEvent) => void;
  safety?: SafetyOptions;
  /** The chain driver's re-init hook: with it, silent chains are re-initialised and, after repeated failures, disabled. */
  supervisor?: ChainSupervisor;
  watchdog?: ChainWatchdogOptions;
  onChainEvent?: (e: ChainEvent) => void;
  board?: Omit<OpenBoardOptions, 'bitaxeRawFormat'>;
  log?: (line: string) => void;
}

export async function startBoardSafety(cfg: AgentConfig, o: StartSafetyOptions = {}): Promise<BoardSafety> {
  const hw = await openBoard(cfg.board, { ...o.board, bitaxeRawFormat: cfg.bitaxeRawFormat });
  const safety = new SafetyController(hw, cfg.safety, o.safety ?? {}, {
    ...(o.stopHashing ? { stopHashing: o.stopHashing } : {}),
    onEvent: (e) => {
      o.onEvent?.(e);
      o.log?.(describeSafetyEvent(e));
    },
  });
  safety.start();
  const watchdog = o.supervisor
    ? new ChainWatchdog(o.supervisor, safety, o.watchdog ?? {}, (e) => {
        o.onChainEvent?.(e);
        if (e.type !== 'chain-disabled') o.log?.(describeChainEvent(e)); // safety logs the disable itself
      })
    : null;
  return {
    hw,
    safety,
    watchdog,
    async bringUp(initChain, onRunning) {
      const results = await bringUp(hw, safety, {
        chains: cfg.chains.filter((c) => c.enabled).map((c) => ({ index: c.index, voltage: c.voltage })),
        minFans: cfg.safety.minFans,
        ...(initChain ? { initChain } : {}),
        ...(onRunning ? { onRunning } : {}),
        ...(o.log ? { log: o.log } : {}),
      });
      if (watchdog) {
        for (const r of results) if (r.state === 'running') watchdog.started(r.index);
        watchdog.start();
      }
      return results;
    },
    onSignals: (exit) => {
      const off = powerDownOnSignals(safety, (sig, allOff) => {
        watchdog?.stop();
        exit(sig, allOff);
      });
      return off;
    },
    async close() {
      watchdog?.stop();
      safety.stop();
      await hw.close();
    },
  };
}

export function describeChainEvent(e: ChainEvent): string {
  switch (e.type) {
    case 'chain-silent':
      return `chain ${e.chain}: no replies for ${Math.round(e.silentMs / 1000)} s, re-initialising`;
    case 'chain-reinit':
      return `chain ${e.chain}: re-initialisation ${e.ok ? 'succeeded' : `failed${e.error ? `: ${e.error}` : ''}`}`;
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
