// Ordered pool failover with exponential backoff and jitter: always prefer the first pool that
// answers, and while on a fallback, probe the better ones and return as soon as one is back.
import { connectNoise } from './noise-socket.js';
import type { FrameConnection } from './frame-connection.js';

export interface Endpoint {
  host: string;
  port: number;
  authorityKey: Uint8Array | null;
  insecure?: boolean;
}

/** Exponential backoff with full jitter: a random delay in [0, min(max, base·2^attempt)). */
export class Backoff {
  private attempt = 0;
  constructor(
    readonly baseMs = 500,
    readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}
  next(): number {
    const cap = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor(this.random() * cap);
  }
  reset(): void {
    this.attempt = 0;
  }
}

export interface FailoverOptions {
  endpoints: Endpoint[];
  /** How often a fallback session checks whether a better pool is back. */
  probeIntervalMs?: number;
  connectTimeoutMs?: number;
  backoff?: Backoff;
  log?: (l: string) => void;
  /** Throw the last error if no pool answers in the very first round (for interactive use). */
  failFast?: boolean;
  /**
   * Runs one session on a connection; resolves when it ends. `{ up: false }`: the pool never got
   * to work (no SetupConnection answer, no channel, no job in time): that pool failed, and the
   * next one in the list is tried before the list starts over.
   */
  session: (conn: FrameConnection, index: number) => Promise<SessionEnd | void>;
}

export interface SessionEnd {
  up: boolean;
  reason?: Error | null;
}

export class Failover {
  private running = false;
  private current: FrameConnection | null = null;
  readonly backoff: Backoff;
  /** Index of the pool in use (−1 when none). */
  activeIndex = -1;

  constructor(private readonly opts: FailoverOptions) {
    if (opts.endpoints.length === 0) throw new RangeError('at least one pool endpoint is needed');
    this.backoff = opts.backoff ?? new Backoff();
  }

  /** A one-shot address for the next attempt at one pool slot (SV2 Reconnect). */
  private redirectTo: { index: number; host: string; port: number } | null = null;

  private connect(i: number): Promise<FrameConnection> {
    const e = this.opts.endpoints[i]!;
    let { host, port } = e;
    if (this.redirectTo?.index === i) {
      ({ host, port } = this.redirectTo);
      this.redirectTo = null; // if the new address fails, the configured one is next
    }
    // The authority key stays the pool's own: a redirect cannot swap whom we trust.
    return connectNoise({ host, port, authorityKey: e.authorityKey, insecure: e.insecure ?? false, timeoutMs: this.opts.connectTimeoutMs ?? 5000 });
  }

  /**
   * A new pool list (a configuration reload). The session on the pool now in use goes on when
   * that pool heads the new list; otherwise it ends and the new list is tried from the top.
   */
  setEndpoints(endpoints: Endpoint[]): void {
    if (endpoints.length === 0) throw new RangeError('at least one pool endpoint is needed');
    const now = this.activeIndex >= 0 ? this.opts.endpoints[this.activeIndex] : undefined;
    this.opts.endpoints = endpoints;
    this.redirectTo = null;
    const first = endpoints[0]!;
    const same = now !== undefined && now.host === first.host && now.port === first.port && sameKey(now.authorityKey, first.authorityKey) && !!now.insecure === !!first.insecure;
    if (same) this.activeIndex = 0;
    else this.current?.close();
  }

  /** Obeys a Reconnect from the current pool: reconnect to host:port (empty/0 = unchanged). */
  redirect(host: string, port: number): void {
    const i = this.activeIndex;
    if (i < 0) return;
    const e = this.opts.endpoints[i]!;
    this.redirectTo = { index: i, host: host || e.host, port: port || e.port };
    this.current?.close();
  }

  /** Runs until stop(): connect to the best pool, run the session, repeat. */
  async run(): Promise<void> {
    this.running = true;
    let firstRound = true;
    /** Where the next round of attempts starts: after a pool that failed its set-up. */
    let from = 0;
    let lastError: unknown = null;
    // The list can change while running (setEndpoints): its length is read each time.
    const count = () => this.opts.endpoints.length;
    /** The list is exhausted: give up (first round, failFast) or wait and start over. */
    const exhausted = async (): Promise<void> => {
      if (firstRound && this.opts.failFast) {
        this.running = false;
        throw lastError;
      }
      firstRound = false;
      from = 0;
      const wait = this.backoff.next();
      this.opts.log?.(`no pool usable; retrying in ${wait} ms`);
      await new Promise((r) => setTimeout(r, wait));
    };
    while (this.running) {
      let conn: FrameConnection | null = null;
      let index = -1;
      for (let i = from; i < count() && this.running && !conn; i++) {
        try {
          conn = await this.connect(i);
          index = i;
        } catch (e) {
          lastError = e;
          const ep = this.opts.endpoints[i]!;
          // failFast's first round throws the error to the caller, who reports it (once).
          if (!(firstRound && this.opts.failFast)) this.opts.log?.(`pool ${i + 1} (${ep.host}:${ep.port}) unavailable: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (!this.running) {
        conn?.close();
        break;
      }
      if (!conn) {
        await exhausted();
        continue;
      }
      this.current = conn;
      this.activeIndex = index;
      const probe = index > 0 ? this.probeBetter(index, conn) : null;
      const end = await this.opts.session(conn, index);
      if (probe) clearInterval(probe);
      conn.close();
      this.current = null;
      this.activeIndex = -1;
      if (!this.running) break;
      if (end && !end.up) {
        const ep = this.opts.endpoints[index] ?? { host: '?', port: 0 };
        lastError = end.reason ?? new Error('the pool closed the connection during set-up');
        this.opts.log?.(`pool ${index + 1} (${ep.host}:${ep.port}) failed: ${lastError instanceof Error ? lastError.message : String(lastError)}${index + 1 < count() ? '; trying the next pool' : ''}`);
        from = index + 1;
        if (from >= count()) await exhausted();
        continue;
      }
      firstRound = false;
      from = 0;
      this.backoff.reset();
    }
  }

  /** While on pool `index`, try the better ones now and then; switch when one answers. */
  private probeBetter(index: number, conn: FrameConnection): NodeJS.Timeout {
    let busy = false;
    const timer = setInterval(async () => {
      if (busy || conn.isClosed) return;
      busy = true;
      // The pool in use now (a reload can move it up the list).
      for (let i = 0; i < Math.min(index, this.activeIndex); i++) {
        try {
          (await this.connect(i)).close();
          this.opts.log?.(`pool ${i + 1} is back: switching to it`);
          conn.close(); // ends the session; run() reconnects from the top of the list
          break;
        } catch {
          // still down
        }
      }
      busy = false;
    }, this.opts.probeIntervalMs ?? 30_000);
    timer.unref();
    return timer;
  }

  stop(): void {
    this.running = false;
    this.current?.close();
  }
}

function sameKey(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : a.length === b.length && a.every((x, i) => x === b[i]);
}
