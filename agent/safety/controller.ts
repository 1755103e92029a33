// The safety loop: polls every sensor and fan on its own timer, feeds the pure policy, drives the
// fans, and on a shutdown decision stops hashing, cuts every chain's voltage, holds every reset
// and runs the fans at 100 % — never waiting on the network. It also keeps PIC-style power
// controllers alive with heartbeats and notices when they stop being answered.
import type { Fan } from '../../drivers/fans/fan.js';
import type { BoardSensor } from '../../board/board-sensors.js';
import type { ChainHardware } from '../../board/open.js';
import type { Led } from '../../drivers/transport/gpio-lines.js';
import {
  INITIAL_POLICY_STATE,
  clearLatch,
  decide,
  describeShutdown,
  type Decision,
  type FanReading,
  type PolicyState,
  type Reading,
  type SafetyConfig,
  type ShutdownReason,
} from './policy.js';

/** What the controller needs of a board (BoardHardware has it all). */
export interface SafetyHardware {
  readonly chains: readonly ChainHardware[];
  readonly sensors: readonly BoardSensor[];
  readonly fans: readonly Fan[];
  /** Red on (green off) while shut down, when the board has them. */
  readonly leds?: { readonly red: Led | null; readonly green: Led | null };
}

export type SafetyEvent =
  | { type: 'shutdown'; reason: ShutdownReason; message: string }
  | { type: 'shutdown-step-failed'; step: string; error: string }
  | { type: 'alarm'; message: string }
  | { type: 'alarm-cleared'; message: string }
  | { type: 'heartbeat-missing'; chain: number; sinceMs: number; error: string }
  | { type: 'heartbeat-restored'; chain: number }
  | { type: 'chain-disabled'; chain: number; reason: string }
  | { type: 'cleared' };

export interface SafetyHooks {
  /** Called at the end of every completed poll (the hardware watchdog's feed). */
  onPollDone?(): void;
  /** Stop sending work to every chain now. Given `stopHashingTimeoutMs`, then the voltage goes regardless. */
  stopHashing?(): void | Promise<void>;
  onEvent?(e: SafetyEvent): void;
}

export interface SafetyOptions {
  pollMs?: number;
  /** A sensor or tach read slower than this counts as unanswered. */
  readTimeoutMs?: number;
  /** Fans get this long after start before a stopped one counts. */
  fanSpinUpMs?: number;
  /** No successful heartbeat for this long ⇒ reported missing. */
  heartbeatWarnMs?: number;
  /** …and for this long ⇒ the controller has cut the chain itself (S9 PIC: ~10 s): chain disabled. */
  heartbeatLostMs?: number;
  /** Sensors read through a chain are "not yet available" for this long after it is powered. */
  chainStartupMs?: number;
  stopHashingTimeoutMs?: number;
  /** One shutdown step (a chain's voltage off, its reset, the LEDs) may take this long before the
   * next goes ahead regardless: a hung power controller must not keep a reset from being held. */
  stepTimeoutMs?: number;
  /** The clock fan regulation integrates over, ms (default real time; tests with sped-up physics pass the emulator's). */
  policyClock?: () => number;
}

export interface ChainStatus {
  index: number;
  powered: boolean;
  ready: boolean;
  disabled: string | null;
  heartbeatAgeMs: number | null;
}

export interface SafetyStatus {
  duty: number;
  shutdown: ShutdownReason | null;
  alarms: string[];
  readings: Reading[];
  fans: FanReading[];
  chains: ChainStatus[];
}

interface ChainState {
  hw: ChainHardware;
  powered: boolean;
  poweredAt: number;
  ready: boolean;
  disabled: string | null;
  lastHeartbeat: number;
  heartbeatMissing: boolean;
  heartbeatTimer: NodeJS.Timeout | null;
  /** A heartbeat is in flight (a NACKing PIC retries for seconds): the next tick skips, never queues. */
  beating: boolean;
}

class Timeout extends Error {}

const ALARM_CLEAR_POLLS = 5;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Timeout(`no answer in ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

export class SafetyController {
  private state: PolicyState = INITIAL_POLICY_STATE;
  private readonly chains = new Map<number, ChainState>();
  private readonly opts: Required<Omit<SafetyOptions, 'policyClock'>>;
  private readonly policyClock: () => number;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<Decision> | null = null;
  private lastPoll = 0;
  private startedAt = performance.now();
  private shutdownRun: Promise<void> | null = null;
  private last: SafetyStatus = { duty: 100, shutdown: null, alarms: [], readings: [], fans: [], chains: [] };
  private activeAlarms = new Set<string>();

  constructor(
    private readonly hw: SafetyHardware,
    private config: SafetyConfig,
    opts: SafetyOptions = {},
    private readonly hooks: SafetyHooks = {},
  ) {
    const pollMs = opts.pollMs ?? 1000;
    this.opts = {
      pollMs,
      readTimeoutMs: opts.readTimeoutMs ?? Math.min(800, pollMs),
      fanSpinUpMs: opts.fanSpinUpMs ?? 5000,
      heartbeatWarnMs: opts.heartbeatWarnMs ?? 3000,
      heartbeatLostMs: opts.heartbeatLostMs ?? 10_000,
      chainStartupMs: opts.chainStartupMs ?? 180_000,
      stopHashingTimeoutMs: opts.stopHashingTimeoutMs ?? 200,
      stepTimeoutMs: opts.stepTimeoutMs ?? 1000,
    };
    this.policyClock = opts.policyClock ?? (() => performance.now());
    this.lastPoll = this.policyClock();
    for (const c of hw.chains) {
      this.chains.set(c.index, { hw: c, powered: false, poweredAt: 0, ready: false, disabled: null, lastHeartbeat: 0, heartbeatMissing: false, heartbeatTimer: null, beating: false });
    }
  }

  /** Starts polling; the first poll runs at once (fans go to 100 % until temperatures are known). */
  start(): void {
    if (this.timer) return;
    this.startedAt = performance.now();
    this.lastPollDone = this.startedAt;
    this.lastPoll = this.policyClock();
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs);
  }

  /** Stops the timers without touching the hardware (use powerDown for that). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const c of this.chains.values()) this.stopHeartbeat(c);
  }

  updateConfig(config: SafetyConfig): void {
    this.config = config;
  }

  get latched(): ShutdownReason | null {
    return this.state.latched;
  }

  /** Nothing may power a chain or release a reset any more: a shutdown is latched or the agent is exiting. */
  get halted(): boolean {
    return this.state.latched !== null || this.exiting;
  }

  /** Set by powerDown: the process is on its way out and no chain comes back up. */
  private exiting = false;

  status(): SafetyStatus {
    return { ...this.last, chains: [...this.chains.values()].map((c) => this.chainStatus(c)) };
  }

  private chainStatus(c: ChainState): ChainStatus {
    return {
      index: c.hw.index,
      powered: c.powered,
      ready: c.ready,
      disabled: c.disabled,
      heartbeatAgeMs: c.powered && c.hw.power?.heartbeatMs ? performance.now() - c.lastHeartbeat : null,
    };
  }

  private chain(i: number): ChainState {
    const c = this.chains.get(i);
    if (!c) throw new RangeError(`no chain ${i}`);
    return c;
  }

  private emit(e: SafetyEvent): void {
    try {
      this.hooks.onEvent?.(e);
    } catch {
      // a logging hook must never break safety
    }
  }

  // --- what bring-up and the chain driver tell it ---

  /** Bring-up switched chain `i`'s supply on (again): heartbeats start, its sensors get their startup grace. */
  chainPowered(i: number): void {
    const c = this.chain(i);
    c.disabled = null;
    c.ready = false;
    c.powered = true;
    c.poweredAt = performance.now();
    c.lastHeartbeat = c.poweredAt;
    c.heartbeatMissing = false;
    this.startHeartbeat(c);
  }

  /** The chain driver re-initialises a powered chain: sensors read through it are pending again. */
  chainRestarting(i: number): void {
    const c = this.chain(i);
    c.ready = false;
    c.poweredAt = performance.now();
  }

  /** The chain driver has the chain enumerated: sensors read through it must answer from now on. */
  chainReady(i: number): void {
    this.chain(i).ready = true;
  }

  /** Takes one chain out (repeated failures, lost PIC): its voltage off, reset held, its sensors ignored. */
  async disableChain(i: number, reason: string): Promise<void> {
    const c = this.chain(i);
    if (c.disabled) return;
    c.disabled = reason;
    c.ready = false;
    this.stopHeartbeat(c);
    await this.step(`chain ${i} voltage off`, () => c.hw.power?.enable(false));
    await this.step(`chain ${i} reset`, () => c.hw.reset?.hold());
    c.powered = false;
    this.emit({ type: 'chain-disabled', chain: i, reason });
  }

  // --- heartbeats ---

  private startHeartbeat(c: ChainState): void {
    const period = c.hw.power?.heartbeatMs;
    if (!period || c.heartbeatTimer) return;
    c.heartbeatTimer = setInterval(() => void this.beat(c), period);
    void this.beat(c);
  }

  private stopHeartbeat(c: ChainState): void {
    if (c.heartbeatTimer) clearInterval(c.heartbeatTimer);
    c.heartbeatTimer = null;
  }

  /** Polls have completed lately: the loop that watches the temperatures is alive. */
  private loopAlive(): boolean {
    // Three polls (at least 2 s), plus one read's worth of timeout (at most 1 s: a slower read is a failure anyway).
    return performance.now() - this.lastPollDone < Math.max(3 * this.opts.pollMs, 2000) + Math.min(this.opts.readTimeoutMs, 1000);
  }

  private lastPollDone = performance.now();

  private async beat(c: ChainState): Promise<void> {
    // A safety loop that has stopped completing polls must not keep a PIC convinced all is well:
    // no heartbeat, so the PIC cuts the chain itself (S9: ~10 s), as the hardware watchdog reboots.
    if (!this.loopAlive()) return this.checkHeartbeatAge(c, 'the safety loop is not completing its polls');
    if (c.beating) return this.checkHeartbeatAge(c, 'previous heartbeat still unanswered');
    c.beating = true;
    try {
      await withTimeout(c.hw.power!.heartbeat(), Math.max(this.opts.heartbeatWarnMs, 1000));
      c.lastHeartbeat = performance.now();
      if (c.heartbeatMissing) {
        c.heartbeatMissing = false;
        this.emit({ type: 'heartbeat-restored', chain: c.hw.index });
      }
    } catch (e) {
      await this.checkHeartbeatAge(c, (e as Error).message);
    } finally {
      c.beating = false;
    }
  }

  private async checkHeartbeatAge(c: ChainState, error: string): Promise<void> {
    if (!c.heartbeatTimer) return;
    const since = performance.now() - c.lastHeartbeat;
    if (since >= this.opts.heartbeatWarnMs && !c.heartbeatMissing) {
      c.heartbeatMissing = true;
      this.emit({ type: 'heartbeat-missing', chain: c.hw.index, sinceMs: since, error });
    }
    if (since >= this.opts.heartbeatLostMs) await this.disableChain(c.hw.index, `power controller heartbeat lost for ${Math.round(since / 1000)} s: ${error}`);
  }

  // --- the poll ---

  /** One safety cycle (also what the timer runs); concurrent calls share the cycle in progress. */
  poll(): Promise<Decision> {
    this.polling ??= this.cycle().finally(() => (this.polling = null));
    return this.polling;
  }

  private sensorActive(s: BoardSensor): boolean {
    if (s.chain === undefined) return true;
    const c = this.chains.get(s.chain);
    return !c || !c.disabled;
  }

  private async read(s: BoardSensor): Promise<Reading> {
    try {
      return { sensor: s.name, location: s.location, celsius: await withTimeout(s.read(), this.opts.readTimeoutMs) };
    } catch (e) {
      const c = s.chain !== undefined ? this.chains.get(s.chain) : undefined;
      // Read through a chain that is not up (or still in its startup grace): unknown, not failed.
      const pending = s.needsChain && !!c && !c.ready && (!c.powered || performance.now() - c.poweredAt < this.opts.chainStartupMs);
      return { sensor: s.name, location: s.location, error: (e as Error).message, pending };
    }
  }

  private async cycle(): Promise<Decision> {
    const now = performance.now();
    const policyNow = this.policyClock();
    const dtMs = policyNow - this.lastPoll;
    this.lastPoll = policyNow;
    const sensors = this.hw.sensors.filter((s) => this.sensorActive(s));
    const [readings, fans] = await Promise.all([
      Promise.all(sensors.map((s) => this.read(s))),
      Promise.all(
        this.hw.fans.map(async (f): Promise<FanReading> => {
          try {
            return { fan: f.name, rpm: await withTimeout(f.readRpm(), this.opts.readTimeoutMs) };
          } catch {
            return { fan: f.name, rpm: null };
          }
        }),
      ),
    ]);
    const fansExpected = this.hw.fans.length > 0 && now - this.startedAt >= this.opts.fanSpinUpMs && this.last.duty > 0;
    const d = decide(this.config, this.state, { dtMs, readings, fans, fansExpected });
    this.state = d.state;
    if (d.newShutdown && d.shutdown) {
      this.emit({ type: 'shutdown', reason: d.shutdown, message: describeShutdown(d.shutdown) });
      void this.executeShutdown();
    }
    await this.setFans(d.duty);
    this.last = { duty: d.duty, shutdown: d.shutdown, alarms: d.alarms, readings, fans, chains: [] };
    this.lastPollDone = performance.now();
    try {
      this.hooks.onPollDone?.();
    } catch {
      // a feed that fails is a missed feed
    }
    this.reportAlarms(d.alarms);
    return d;
  }

  /** Polls since each active alarm was last raised: it counts as cleared after ALARM_CLEAR_POLLS. */
  private alarmQuiet = new Map<string, number>();

  private reportAlarms(alarms: string[]): void {
    // Report each alarm once when it starts and once when it has stayed away for a few polls
    // (a reading hovering at a threshold would otherwise log every second), keyed without counters.
    const key = (a: string) => a.replace(/\(\d+\/\d+\)/, '').replace(/[\d.]+ °C/, '');
    const now = new Map(alarms.map((a) => [key(a), a]));
    for (const [k, a] of now) {
      if (!this.activeAlarms.has(k)) this.emit({ type: 'alarm', message: a });
      this.alarmQuiet.set(k, 0);
    }
    for (const k of this.activeAlarms) {
      if (now.has(k)) continue;
      const quiet = (this.alarmQuiet.get(k) ?? 0) + 1;
      this.alarmQuiet.set(k, quiet);
      if (quiet < ALARM_CLEAR_POLLS) now.set(k, k);
      else {
        this.alarmQuiet.delete(k);
        this.emit({ type: 'alarm-cleared', message: k.trim() });
      }
    }
    this.activeAlarms = new Set(now.keys());
  }

  private async setFans(duty: number): Promise<void> {
    await Promise.all(this.hw.fans.map((f) => withTimeout(f.setDuty(duty), this.opts.readTimeoutMs).catch(() => undefined)));
  }

  private async step(what: string, op: () => Promise<void> | void | undefined): Promise<boolean> {
    try {
      await withTimeout(Promise.resolve().then(op), this.opts.stepTimeoutMs);
      return true;
    } catch (e) {
      this.emit({ type: 'shutdown-step-failed', step: what, error: (e as Error).message });
      return false;
    }
  }

  /**
   * Stop hashing, every chain's voltage off, fans 100 %, every reset held. Idempotent. Heartbeats
   * stop first, so a PIC that does not take the "off" command still cuts itself ~10 s later.
   */
  private executeShutdown(): Promise<void> {
    this.shutdownRun ??= (async () => {
      const stop = this.hooks.stopHashing;
      // Chains in parallel, each voltage then reset, so one NACKing PIC delays nobody else; every
      // step is bounded (stepTimeoutMs), so a hung one delays its own reset by that much at most.
      await Promise.all([
        stop ? this.step('stop hashing', () => withTimeout(Promise.resolve(stop()), this.opts.stopHashingTimeoutMs)) : true,
        ...[...this.chains.values()].map(async (c) => {
          await this.step(`chain ${c.hw.index} voltage off`, async () => {
            this.stopHeartbeat(c);
            await c.hw.power?.enable(false);
            c.powered = false;
          });
          await this.step(`chain ${c.hw.index} reset`, () => c.hw.reset?.hold());
        }),
        this.setFans(100),
      ]);
      await this.step('LEDs', async () => {
        await this.hw.leds?.red?.set(true);
        await this.hw.leds?.green?.set(false);
      });
    })();
    return this.shutdownRun;
  }

  /** An immediate shutdown for a reason the policy cannot see (operator, power-controller fault). Latches. */
  async shutdown(reason: ShutdownReason): Promise<void> {
    if (!this.state.latched) {
      this.state = { ...this.state, latched: reason };
      this.emit({ type: 'shutdown', reason, message: describeShutdown(reason) });
    }
    await this.executeShutdown();
  }

  /** Resolves when a shutdown in progress has finished its steps. */
  async settled(): Promise<void> {
    await this.shutdownRun;
  }

  /** The explicit clear: un-latches; chains stay off until bring-up powers them again. */
  clear(): void {
    if (!this.state.latched) return;
    this.state = clearLatch(this.state);
    this.shutdownRun = null;
    void this.step('LEDs', async () => this.hw.leds?.red?.set(false));
    this.emit({ type: 'cleared' });
  }

  /**
   * Exit (SIGTERM/SIGINT): voltage off, resets held, then fans at `exitDuty` — or 100 % if any
   * chain's voltage could not be confirmed off. Stops the timers.
   */
  async powerDown(exitDuty = 50): Promise<boolean> {
    this.exiting = true;
    this.stop();
    // Every chain's voltage and reset at once, each step bounded: a hung power controller delays
    // neither its own chain's reset nor any other chain (the whole takes at most one step timeout).
    const [results] = await Promise.all([
      Promise.all(
        [...this.chains.values()].map((c) =>
          this.step(`chain ${c.hw.index} voltage off`, async () => {
            await c.hw.power?.enable(false);
            c.powered = false;
          }),
        ),
      ),
      Promise.all([...this.chains.values()].map((c) => this.step(`chain ${c.hw.index} reset`, () => c.hw.reset?.hold()))),
    ]);
    const allOff = results.every(Boolean);
    await this.setFans(allOff ? exitDuty : 100);
    return allOff;
  }
}
