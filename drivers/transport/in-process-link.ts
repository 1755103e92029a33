// A linked pair of SerialLinks in one process (the emulator's side and the driver's side). Bytes
// arrive asynchronously, as on a wire, paced at the line rate (10 bits per byte) when `paced`;
// bytes sent while the two ends disagree on the baud rate arrive as garbage, as on a real UART.
import { EventEmitter } from 'node:events';
import { TransportError, lineTimeMs, type SerialLink, type SerialLinkEvents } from './serial-link.js';

class End extends EventEmitter<SerialLinkEvents> implements SerialLink {
  peer!: End;
  closed = false;
  private busyUntil = 0;

  constructor(
    public baudRate: number,
    private readonly paced: boolean,
    /** The rate this end's UART makes when asked for one (default: exactly that). */
    private readonly rateOf: (requested: number) => number = (r) => r,
  ) {
    super();
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new TransportError('link closed');
    const copy = bytes.slice();
    // UARTs understand each other within 5 % (bOSminer's MAX_BAUD_RATE_ERR_PERC): an FTDI at 1.5 M
    // talks to a chip at 1.5625 M, a host at 9600 to none.
    if (Math.abs(this.peer.baudRate - this.baudRate) > 0.05 * Math.min(this.peer.baudRate, this.baudRate)) copy.forEach((b, i) => (copy[i] = (b * 167 + 13) & 0xff)); // framing errors
    const now = performance.now();
    const wireMs = this.paced ? lineTimeMs(copy.length, this.baudRate) : 0;
    const at = Math.max(now, this.busyUntil) + wireMs;
    this.busyUntil = at;
    this.queue.push({ at, bytes: copy });
    if (this.queue.length === 1) this.schedule();
  }

  // One FIFO and one timer per direction: separate timers per write can fire out of order
  // (millisecond rounding), and a wire never reorders bytes.
  private readonly queue: { at: number; bytes: Uint8Array }[] = [];

  private schedule(): void {
    const head = this.queue[0];
    if (!head) return;
    setTimeout(() => {
      const now = performance.now();
      while (this.queue.length && this.queue[0]!.at <= now + 0.5) {
        const { bytes, at } = this.queue.shift()!;
        // A late timer delivers several chunks at once; each still says when it arrived.
        if (!this.peer.closed) this.peer.emit('data', bytes, at);
      }
      this.schedule();
    }, Math.max(0, head.at - performance.now()));
  }

  async setBaudRate(baud: number): Promise<void> {
    this.baudRate = this.rateOf(baud);
  }

  drain(): Promise<void> {
    return new Promise((r) => setTimeout(r, Math.max(0, this.busyUntil - performance.now())));
  }

  /** Like tcflush(TCIOFLUSH): what this end wrote and has not yet delivered is dropped. */
  async flush(): Promise<void> {
    this.queue.length = 0;
    this.busyUntil = performance.now();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', null);
    if (!this.peer.closed) void this.peer.close();
  }
}

/** Two connected ends: [driver side, device side]. */
export function linkedPair(baudRate: number, opts: { paced?: boolean; hostRate?: (requested: number) => number } = {}): [SerialLink, SerialLink] {
  const a = new End(baudRate, opts.paced ?? false, opts.hostRate);
  const b = new End(baudRate, opts.paced ?? false);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
