// What every listening role does against peers that connect and then idle, or probe: at most so
// many connections from one address (a few idle sockets from one host must not lock everyone
// else out), and failed handshakes logged as a rate-limited summary instead of a line each.
import type net from 'node:net';

/** Open connections per remote address, each counted until it closes. */
export class PerAddressCap {
  private readonly open = new Map<string, number>();
  constructor(readonly max: number) {}

  /** Counts `socket` against its address; false (and not counted) when that address is at the cap. */
  admit(socket: net.Socket): boolean {
    const address = socket.remoteAddress ?? '?';
    const n = this.open.get(address) ?? 0;
    if (n >= this.max) return false;
    this.open.set(address, n + 1);
    socket.once('close', () => {
      const left = (this.open.get(address) ?? 1) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    });
    return true;
  }
}

/** Closes a new connection at once when its address already has `max` open. */
export function limitPerAddress(server: net.Server, max: number, onRefused?: (address: string) => void): void {
  const cap = new PerAddressCap(max);
  server.prependListener('connection', (socket: net.Socket) => {
    if (cap.admit(socket)) return;
    onRefused?.(socket.remoteAddress ?? '?');
    socket.destroy();
  });
}

/**
 * The first failure of a window is logged as it happens; the rest are counted and told in one
 * line when the window ends (500 probes make two lines, not 500).
 */
export class FailureSummary {
  private windowEnd = 0;
  private count = 0;
  private last = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly what: string,
    private readonly log: (line: string) => void,
    private readonly windowMs = 60_000,
  ) {}

  note(detail: string): void {
    const now = Date.now();
    if (now >= this.windowEnd && this.timer === null) {
      this.windowEnd = now + this.windowMs;
      this.log(`${this.what}: ${detail}`);
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
      return;
    }
    this.count++;
    this.last = detail;
  }

  private flush(): void {
    this.timer = null;
    if (this.count === 0) return;
    this.log(`${this.what}: ${this.count} more in the last ${Math.round(this.windowMs / 1000)} s (last: ${this.last})`);
    this.count = 0;
    this.windowEnd = Date.now() + this.windowMs;
    this.timer = setTimeout(() => this.flush(), this.windowMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
