// Bringing a board up in the only safe order — fans spinning before any voltage, voltage before
// the chains are released from reset. Taking it down is the process guard's (process-guard.ts)
// and the controller's powerDown.
import { STOPPED_RPM } from '../../drivers/fans/fan.js';
import { S9Pic } from '../../drivers/power/s9-pic.js';
import type { ChainHardware } from '../../board/open.js';
import type { SafetyController, SafetyHardware } from './controller.js';
import { abortableSleep, untilAborted } from './process-guard.js';

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
  /** Aborted when the agent stops (a signal, a fault): bring-up ends at once, nothing more is powered. */
  signal?: AbortSignal;
}

export interface ChainBringUp {
  index: number;
  state: 'running' | 'absent' | 'failed';
  error?: string;
}

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
  const signal = o.signal;
  // Every wait below ends when the agent stops; the power-down itself is not bring-up's to do.
  const stopped = () => {
    if (signal?.aborted) throw new BringUpError('stopped during bring-up');
    if (safety.halted) throw new BringUpError('safety shutdown during bring-up');
  };
  const wait = <T>(p: Promise<T>) => untilAborted(p, signal);
  await wait(Promise.all(hw.chains.map((c) => c.reset?.hold())));
  await wait(Promise.all(hw.fans.map((f) => f.setDuty(100))));
  const deadline = performance.now() + (o.fanTimeoutMs ?? 15_000);
  while ((await wait(spinningFans(hw))) < o.minFans) {
    if (performance.now() > deadline) throw new BringUpError(`fans: fewer than ${o.minFans} spinning after ${o.fanTimeoutMs ?? 15_000} ms; no voltage applied`);
    await abortableSleep(100, signal).catch(() => stopped());
  }
  stopped();
  log(`fans spinning (${await spinningFans(hw)} of ${hw.fans.length})`);

  const results: ChainBringUp[] = [];
  for (const plan of o.chains) {
    const c = hw.chains.find((x) => x.index === plan.index);
    if (!c) throw new BringUpError(`no chain ${plan.index} on this board`);
    const abort = stopped;
    try {
      abort();
      if (c.plug && !(await wait(c.plug.present()))) {
        results.push({ index: c.index, state: 'absent' });
        log(`chain ${c.index}: no hashboard`);
        continue;
      }
      if (c.power) {
        if (c.power instanceof S9Pic) await wait(c.power.start());
        if (plan.voltage !== null) await wait(c.power.setVoltage(plan.voltage));
        abort();
        await wait(c.power.enable(true));
        // A stop that came while the enable was on the bus (a NACKing PIC retries for seconds):
        // the power-down's "off" may have gone out first, so say it once more.
        if (signal?.aborted || safety.halted) await c.power.enable(false).catch(() => undefined);
      }
      abort();
      safety.chainPowered(c.index);
      await wait(c.reset?.release() ?? Promise.resolve());
      if (o.initChain) await wait(o.initChain(c));
      abort();
      safety.chainReady(c.index);
      results.push({ index: c.index, state: 'running' });
      log(`chain ${c.index}: running`);
    } catch (e) {
      if (e instanceof BringUpError) throw e;
      if (signal?.aborted || safety.halted) stopped();
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
