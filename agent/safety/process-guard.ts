// The process-level safety net of a command that drives hardware. Installed before anything is
// opened, it turns every way the process can end — SIGTERM/SIGINT, an uncaught exception, an
// unhandled rejection — into one power-down, and keeps errors on stdout/stderr (EPIPE from a
// closed pipe, ENOSPC from a full disk, EAGAIN) from ending the process at all.
//
// A stop signal starts the power-down at once, whatever the rest of the agent is awaiting (a
// chain's PLL ramp, a hung link): the main flow learns of it through `signal` and unwinds on its
// own, but the voltage does not wait for it. SIGHUP goes to the reload hook (queued while none is
// installed yet, e.g. during bring-up), never to the default action that would kill the process.

import { safeWrite } from '../log.js';

export type PowerDown = () => Promise<unknown>;

export interface ProcessGuardOptions {
  /** Where the guard's own lines go (must not throw; the guard catches anyway). */
  log?: (line: string) => void;
  /** Exits the process (tests replace it). */
  exit?: (code: number) => void;
  /** A power-down hook that has not settled by then is abandoned, ms. */
  powerDownDeadlineMs?: number;
  /** After a stop signal, the main flow gets this long to unwind before the guard exits, ms. */
  exitDeadlineMs?: number;
}

/** Errors a write to stdout/stderr may end in that say nothing about the agent itself. */
const OUTPUT_ERRORS = new Set(['EPIPE', 'ENOSPC', 'EAGAIN', 'EIO', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listeners of several event signatures
type Listener = (...a: any[]) => void;

export class ProcessGuard {
  private readonly controller = new AbortController();
  private readonly powerDowns = new Set<PowerDown>();
  private reload: (() => void) | null = null;
  private reloadPending = false;
  private powering: Promise<void> | null = null;
  private readonly o: Required<ProcessGuardOptions>;
  private readonly listeners: [string | symbol, Listener, NodeJS.EventEmitter][] = [];
  /** Why the process is stopping (the first signal or fault), null while it runs. */
  reason: string | null = null;
  /** Writes to stdout/stderr that failed and were dropped. */
  outputErrors = 0;

  constructor(o: ProcessGuardOptions = {}) {
    this.o = {
      log: o.log ?? ((l) => safeWrite(process.stderr, `${l}\n`)),
      exit: o.exit ?? ((code) => process.exit(code)),
      powerDownDeadlineMs: o.powerDownDeadlineMs ?? 1500,
      exitDeadlineMs: o.exitDeadlineMs ?? 15_000,
    };
  }

  /** Aborted at the first stop signal or fault: every wait of bring-up and mining listens to it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Installs the handlers on `process` (and its output streams). Returns this. */
  install(): this {
    const on = (target: NodeJS.EventEmitter, ev: string, fn: Listener) => {
      target.on(ev, fn);
      this.listeners.push([ev, fn, target]);
    };
    on(process, 'SIGTERM', () => this.onStopSignal('SIGTERM'));
    on(process, 'SIGINT', () => this.onStopSignal('SIGINT'));
    on(process, 'SIGHUP', () => this.onHangup());
    on(process, 'uncaughtException', (e: unknown) => this.fatal('uncaught exception', e));
    on(process, 'unhandledRejection', (e: unknown) => this.fatal('unhandled rejection', e));
    for (const s of [process.stdout, process.stderr]) on(s, 'error', (e: NodeJS.ErrnoException) => this.outputError(e));
    return this;
  }

  uninstall(): void {
    for (const [ev, fn, target] of this.listeners.splice(0)) target.off(ev, fn);
  }

  /** Registers a power-down (the board's, once it is open); returns its remover. */
  onPowerDown(fn: PowerDown): () => void {
    this.powerDowns.add(fn);
    // Opened after a stop was asked for: power it down at once.
    if (this.reason !== null) void this.runPowerDown(fn);
    return () => this.powerDowns.delete(fn);
  }

  /** SIGHUP's handler (a reload); one that arrived before it is run now. Returns its remover. */
  onReload(fn: () => void): () => void {
    this.reload = fn;
    if (this.reloadPending) {
      this.reloadPending = false;
      fn();
    }
    return () => {
      if (this.reload === fn) this.reload = null;
    };
  }

  /** A stop asked for by the program itself (`--seconds` elapsed): the same path as a signal. */
  stop(reason: string): void {
    if (this.reason !== null) return;
    this.reason = reason;
    this.controller.abort(new StopRequested(reason));
  }

  /** Every registered power-down, each bounded by the deadline; concurrent calls share one run. */
  powerDown(): Promise<void> {
    this.powering ??= Promise.all([...this.powerDowns].map((fn) => this.runPowerDown(fn))).then(() => {
      this.powering = null;
    });
    return this.powering;
  }

  private async runPowerDown(fn: PowerDown): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(() => {
      this.o.log(`power-down did not finish in ${this.o.powerDownDeadlineMs} ms`);
      r();
    }, this.o.powerDownDeadlineMs)));
    try {
      await Promise.race([Promise.resolve().then(fn), deadline]);
    } catch (e) {
      this.o.log(`power-down failed: ${describe(e)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private onStopSignal(sig: string): void {
    if (this.reason !== null) {
      // A second signal: the operator insists. Power down (again) and go, without the main flow.
      this.o.log(`${sig} again: powering down and exiting now`);
      void this.powerDown().then(() => this.o.exit(sig === 'SIGINT' ? 130 : 143));
      return;
    }
    this.stop(sig);
    void this.powerDown();
    // The main flow unwinds and exits; if it hangs somewhere, the guard ends the process.
    const t = setTimeout(() => {
      this.o.log(`${sig}: the agent did not finish stopping in ${this.o.exitDeadlineMs / 1000} s; exiting`);
      void this.powerDown().then(() => this.o.exit(1));
    }, this.o.exitDeadlineMs);
    t.unref();
  }

  private onHangup(): void {
    if (this.reason !== null) return;
    if (this.reload) this.reload();
    else {
      this.reloadPending = true;
      this.o.log('SIGHUP: the configuration will be re-read once the agent is up');
    }
  }

  private fatal(what: string, e: unknown): void {
    if (isOutputError(e)) return this.outputError(e as NodeJS.ErrnoException);
    this.o.log(`FATAL ${what}: ${describe(e)}; powering down`);
    if (this.reason === null) this.stop(`fatal: ${what}`);
    void this.powerDown().then(() => this.o.exit(1));
  }

  private outputError(_e: NodeJS.ErrnoException): void {
    this.outputErrors++;
  }
}

/** The reason a guard's signal carries. */
export class StopRequested extends Error {
  override readonly name = 'StopRequested';
}

function isOutputError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  const syscall = (e as { syscall?: unknown } | null)?.syscall;
  return typeof code === 'string' && OUTPUT_ERRORS.has(code) && (syscall === 'write' || code.startsWith('ERR_STREAM'));
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it is aborted. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `p`, or a rejection with the signal's reason once it is aborted (p itself keeps running). */
export function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
