// Chain supervision: a chain must answer within `startupMs` of starting and then at least every
// `silenceMs` (bOSminer: 180 s and 10 s). A silent chain is re-initialised through the chain
// driver's hook; after `maxReinits` failed attempts in a row it is disabled (voltage off, reset
// held) and reported, and the other chains keep hashing.

/** Implemented by the chain driver. */
export interface ChainSupervisor {
  /** Re-initialise chain `chain` (reset, enumerate, configure, resume work); true when it answers again. */
  reinit(chain: number): Promise<boolean>;
}

/** What the watchdog needs from the safety controller. */
export interface ChainDisabler {
  disableChain(chain: number, reason: string): Promise<void>;
}

export type ChainEvent =
  | { type: 'chain-silent'; chain: number; silentMs: number }
  | { type: 'chain-reinit'; chain: number; attempt: number; ok: boolean; error?: string }
  | { type: 'chain-disabled'; chain: number; reason: string };

export interface ChainWatchdogOptions {
  startupMs?: number;
  silenceMs?: number;
  maxReinits?: number;
  checkMs?: number;
}

interface Watched {
  since: number;
  lastReply: number | null;
  failures: number;
  busy: boolean;
  disabled: boolean;
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
    this.o = { startupMs: opts.startupMs ?? 180_000, silenceMs: opts.silenceMs ?? 10_000, maxReinits: opts.maxReinits ?? 3, checkMs: opts.checkMs ?? 1000 };
  }

  /** Chain `chain` has started (powered and initialising): its startup deadline runs from now. */
  started(chain: number): void {
    this.chains.set(chain, { since: performance.now(), lastReply: null, failures: 0, busy: false, disabled: false });
  }

  /** The chain driver saw a reply (nonce or register) from chain `chain`. Cheap: call it for every reply. */
  replied(chain: number): void {
    const w = this.chains.get(chain);
    if (w) w.lastReply = performance.now();
  }

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.o.checkMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  isDisabled(chain: number): boolean {
    return this.chains.get(chain)?.disabled ?? false;
  }

  /** One check of every chain (the timer's job; exposed for tests). */
  async check(): Promise<void> {
    const now = performance.now();
    await Promise.all(
      [...this.chains].map(async ([chain, w]) => {
        if (w.busy || w.disabled) return;
        const silent = w.lastReply === null ? now - w.since : now - w.lastReply;
        const limit = w.lastReply === null ? this.o.startupMs : this.o.silenceMs;
        if (silent < limit) return;
        w.busy = true;
        this.onEvent({ type: 'chain-silent', chain, silentMs: silent });
        try {
          let ok = false;
          let error: string | undefined;
          try {
            ok = await this.supervisor.reinit(chain);
          } catch (e) {
            error = (e as Error).message;
          }
          w.failures = ok ? 0 : w.failures + 1;
          this.onEvent({ type: 'chain-reinit', chain, attempt: w.failures || 1, ok, ...(error ? { error } : {}) });
          if (ok) {
            w.since = performance.now();
            w.lastReply = null; // it must answer again within the startup window
          } else if (w.failures >= this.o.maxReinits) {
            w.disabled = true;
            const reason = `no replies; ${w.failures} re-initialisations failed${error ? ` (${error})` : ''}`;
            await this.safety.disableChain(chain, reason);
            this.onEvent({ type: 'chain-disabled', chain, reason });
          } else {
            w.since = performance.now();
            w.lastReply = null;
          }
        } finally {
          w.busy = false;
        }
      }),
    );
  }
}
