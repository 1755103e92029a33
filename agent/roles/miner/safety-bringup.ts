// Bringing a board up in the only safe order — fans spinning before any voltage, voltage before
// the chains are released from reset — and taking it down on SIGTERM/SIGINT.
import { STOPPED_RPM } from '../../../drivers/fans/fan.js';
import { S9Pic } from '../../../drivers/power/s9-pic.js';
import type { ChainHardware } from '../../../board/open.js';
import type { SafetyController, SafetyHardware } from './safety.js';

export class BringUpError extends Error {
  override readonly name = 'BringUpError';
}

export interface ChainPlan {
  index: number;
  /** Volts; ignored for chains whose board cannot set them. */
  voltage: number | null;
}

export interface BringUpOptions {
  chains: readonly ChainPlan[];
  minFans: number;
  /** How long fans get to reach speed before bring-up gives up (no voltage applied). */
  fanTimeoutMs?: number;
  /** The chain driver's part: enumerate and configure a chain that is powered and out of reset. */
  initChain?(chain: ChainHardware): Promise<void>;
  /** Called once a chain is running, before the next one is brought up. */
  onRunning?(index: number): void;
  log?(message: string): void;
}

export interface ChainBringUp {
  index: number;
  state: 'running' | 'absent' | 'failed';
  error?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function spinningFans(hw: SafetyHardware): Promise<number> {
  const rpms = await Promise.all(hw.fans.map((f) => f.readRpm().catch(() => 0)));
  return rpms.filter((r) => r >= STOPPED_RPM).length;
}

/**
 * Resets held → fans 100 % and spinning → per chain: plug check, power controller start, voltage,
 * enable → reset released → the chain driver's init. Safety must already be running. A chain that
 * fails is switched off again and reported; a latched safety shutdown aborts everything.
 */
export async function bringUp(hw: SafetyHardware, safety: SafetyController, o: BringUpOptions): Promise<ChainBringUp[]> {
  const log = o.log ?? (() => undefined);
  await Promise.all(hw.chains.map((c) => c.reset?.hold()));
  await Promise.all(hw.fans.map((f) => f.setDuty(100)));
  const deadline = performance.now() + (o.fanTimeoutMs ?? 15_000);
  while ((await spinningFans(hw)) < o.minFans) {
    if (performance.now() > deadline) throw new BringUpError(`fans: fewer than ${o.minFans} spinning after ${o.fanTimeoutMs ?? 15_000} ms; no voltage applied`);
    await sleep(100);
  }
  log(`fans spinning (${await spinningFans(hw)} of ${hw.fans.length})`);

  const results: ChainBringUp[] = [];
  for (const plan of o.chains) {
    const c = hw.chains.find((x) => x.index === plan.index);
    if (!c) throw new BringUpError(`no chain ${plan.index} on this board`);
    const abort = () => {
      if (safety.latched) throw new BringUpError('safety shutdown during bring-up');
    };
    try {
      abort();
      if (c.plug && !(await c.plug.present())) {
        results.push({ index: c.index, state: 'absent' });
        log(`chain ${c.index}: no hashboard`);
        continue;
      }
      if (c.power) {
        if (c.power instanceof S9Pic) await c.power.start();
        if (plan.voltage !== null) await c.power.setVoltage(plan.voltage);
        abort();
        await c.power.enable(true);
      }
      safety.chainPowered(c.index);
      abort();
      await c.reset?.release();
      await o.initChain?.(c);
      safety.chainReady(c.index);
      results.push({ index: c.index, state: 'running' });
      log(`chain ${c.index}: running`);
    } catch (e) {
      if (e instanceof BringUpError) throw e;
      const error = (e as Error).message;
      await safety.disableChain(c.index, `bring-up failed: ${error}`);
      results.push({ index: c.index, state: 'failed', error });
      log(`chain ${c.index}: failed: ${error}`);
      continue;
    }
    o.onRunning?.(c.index);
  }
  return results;
}

/**
 * SIGTERM/SIGINT: voltage off, resets held, fans left at a safe speed, then `exit` (e.g. process
 * exit). Returns the function that removes the handlers.
 */
export function powerDownOnSignals(safety: SafetyController, exit: (signal: string, allOff: boolean) => void, exitDuty = 50): () => void {
  let done = false;
  const handler = (signal: NodeJS.Signals) => {
    if (done) return;
    done = true;
    void safety.powerDown(exitDuty).then((allOff) => exit(signal, allOff));
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
