// Chain supervision. A chain is judged silent only while it is being fed work: without work
// (a pool outage, a failover in progress) no nonce is expected, so no amount of quiet counts.
// While fed, silence is measured against what the chain should find: nonces arrive as a Poisson
// process at `expected` per second, so the chance of none in t seconds is e^(−expected·t); the
// limit is the t at which that chance falls below `falseAlarm` (1e-9: a 14 TH/s S9 chain at
// ticket 256 gets ~1.6 s, a Bitaxe ~23 s), never under `minSilenceMs`. A silent chain is
// re-initialised through the driver's hook, each attempt bounded by `reinitDeadlineMs`; a failed
// attempt is retried after a doubling backoff, and after `maxReinits` attempts without a nonce
// in between the chain is disabled (voltage off, reset held) with its reason. Nothing here
// waits on a link without a deadline.

/** Implemented by the agent: re-initialise chain `chain` (reset, enumerate, configure, resume
 * work); true when it is back. `signal` aborts at the deadline: stop and let go of the link. */
export interface ChainSupervisor {
  reinit(chain: number, signal: AbortSignal): Promise<boolean>;
}

/** What the watchdog needs from the safety controller. */
export interface ChainDisabler {
  disableChain(chain: number, reason: string): Promise<void>;
}

export type ChainEvent =
  | { type: 'chain-silent'; chain: number; silentMs: number; limitMs: number }
  | { type: 'chain-reinit'; chain: number; attempt: number; ok: boolean; error?: string }
  | { type: 'chain-disabled'; chain: number; reason: string };

export interface ChainWatchdogOptions {
  /** Limit for a chain whose expected nonce rate is unknown, ms (bOSminer's startup limit: 180 s). */
  startupMs?: number;
  /** Silence never counts below this, ms. */
  minSilenceMs?: number;
  /** Extra time for the first nonce after a chain starts (work reaching it, a sweep beginning), ms. */
  startGraceMs?: number;
  /** Accepted chance that a healthy chain is judged silent. */
  falseAlarm?: number;
  /** Attempts without a nonce in between before the chain is disabled. */
  maxReinits?: number;
  /** One re-initialisation may take this long, ms. */
  reinitDeadlineMs?: number;
  /** Wait before the second attempt, ms; doubles for each further one. */
  backoffMs?: number;
  checkMs?: number;
  /** The clock, ms (tests step it). */
  now?: () => number;
}

interface Watched {
  /** Being sent work now. */
  fed: boolean;
  /** Since when silence counts: the last reply, or when work (re)started, whichever is later. */
  quietSince: number;
  /** A nonce or reply was seen since the chain last started. */
  heard: boolean;
  /** Valid nonces per second the chain should find; 0 when unknown. */
  expected: number;
  /** Attempts since the chain last answered. */
  failures: number;
  retryAt: number | null;
  busy: boolean;
  disabled: string | null;
}

export class ChainWatchdog {
  private readonly chains = new Map<number, Watched>();
  private timer: NodeJS.Timeout | null = null;
  private readonly o: Required<ChainWatchdogOptions>;

  constructor(
    private readonly supervisor: ChainSupervisor,
    private readonly safety: ChainDisabler,
    opts: ChainWatchdogOptions = {},
    private readonly onEvent: (e: ChainEvent) => void = () => undefined,
  ) {
    this.o = {
      startupMs: opts.startupMs ?? 180_000,
      minSilenceMs: opts.minSilenceMs ?? 10_000,
      startGraceMs: opts.startGraceMs ?? 5000,
      falseAlarm: opts.falseAlarm ?? 1e-9,
      maxReinits: opts.maxReinits ?? 3,
      reinitDeadlineMs: opts.reinitDeadlineMs ?? 60_000,
      backoffMs: opts.backoffMs ?? 5000,
      checkMs: opts.checkMs ?? 1000,
      now: opts.now ?? (() => performance.now()),
    };
  }

  /** Chain `chain` has started (powered and initialised): it has not been heard yet. */
  started(chain: number, fed = false): void {
    const prev = this.chains.get(chain);
    this.chains.set(chain, { fed, quietSince: this.o.now(), heard: false, expected: prev?.expected ?? 0, failures: prev?.failures ?? 0, retryAt: null, busy: false, disabled: null });
  }

  /** The chain said something (a nonce or a register reply). Cheap: call it as often as you like. */
  replied(chain: number): void {
    const w = this.chains.get(chain);
    if (!w) return;
    w.quietSince = this.o.now();
    w.heard = true;
    if (w.fed) w.failures = 0; // it answers while working: the attempts so far did their job
  }

  /** Work starts or stops going to the chain. Silence counts from when it starts. */
  fed(chain: number, on: boolean): void {
    const w = this.chains.get(chain);
    if (!w || w.fed === on) return;
    w.fed = on;
    if (on) w.quietSince = this.o.now();
  }

  /** The chain's expected valid nonces per second (its hash rate over 2^32 × ticket difficulty). */
  expect(chain: number, noncesPerSecond: number): void {
    const w = this.chains.get(chain);
    if (w) w.expected = noncesPerSecond > 0 && Number.isFinite(noncesPerSecond) ? noncesPerSecond : 0;
  }

  /** How long chain `chain` may stay quiet while fed before it counts as silent, ms. */
  limitMs(chain: number): number {
    const w = this.chains.get(chain);
    if (!w) return Infinity;
    const stat = w.expected > 0 ? (Math.log(1 / this.o.falseAlarm) / w.expected) * 1000 : this.o.startupMs;
    return Math.max(this.o.minSilenceMs, stat) + (w.heard ? 0 : this.o.startGraceMs);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.o.checkMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  isDisabled(chain: number): boolean {
    return this.chains.get(chain)?.disabled != null;
  }

  /** Why chain `chain` was disabled, or null. */
  disabledReason(chain: number): string | null {
    return this.chains.get(chain)?.disabled ?? null;
  }

  /** One check of every chain (the timer's job; exposed for tests). */
  async check(): Promise<void> {
    const now = this.o.now();
    await Promise.all(
      [...this.chains].map(async ([chain, w]) => {
        if (w.busy || w.disabled !== null) return;
        if (w.retryAt !== null) {
          // A failed attempt is retried after its backoff, work or not: the chain is not working.
          if (now < w.retryAt) return;
        } else {
          if (!w.fed) return;
          const silent = now - w.quietSince;
          const limit = this.limitMs(chain);
          if (silent < limit) return;
          this.onEvent({ type: 'chain-silent', chain, silentMs: silent, limitMs: limit });
        }
        await this.attempt(chain, w);
      }),
    );
  }

  private async attempt(chain: number, w: Watched): Promise<void> {
    w.busy = true;
    w.retryAt = null;
    w.failures++;
    const attempt = w.failures;
    let ok = false;
    let error: string | undefined;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      ok = await Promise.race([
        this.supervisor.reinit(chain, abort.signal),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no result within ${Math.round(this.o.reinitDeadlineMs / 1000)} s`)), this.o.reinitDeadlineMs);
        }),
      ]);
    } catch (e) {
      error = (e as Error).message;
    } finally {
      clearTimeout(timer);
      abort.abort(new Error('re-initialisation deadline'));
    }
    this.onEvent({ type: 'chain-reinit', chain, attempt, ok, ...(error ? { error } : {}) });
    try {
      // Disabled after maxReinits failed attempts, or one more that "succeeded" but never hashed.
      if ((!ok && w.failures >= this.o.maxReinits) || w.failures > this.o.maxReinits) {
        const reason = ok
          ? `silent; it enumerates but found no nonce after ${w.failures - 1} re-initialisations`
          : `silent; ${w.failures} re-initialisations failed${error ? ` (last: ${error})` : ''}`;
        w.disabled = reason;
        await this.safety.disableChain(chain, reason);
        this.onEvent({ type: 'chain-disabled', chain, reason });
      } else if (ok) {
        // Back: it must now find nonces (failures reset only once it does).
        w.quietSince = this.o.now();
        w.heard = false;
      } else {
        w.retryAt = this.o.now() + this.o.backoffMs * 2 ** (w.failures - 1);
      }
    } finally {
      w.busy = false;
    }
  }
}
