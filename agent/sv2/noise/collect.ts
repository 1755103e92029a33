// Handshake messages have fixed sizes (64 and 234 bytes) but arrive in whatever pieces the
// transport delivers. This collects exactly one message and hands back what followed it, so
// the first transport frame that shares a chunk with act 2 is never lost. Pure: bytes in, bytes out.
import { Sv2Error } from '../errors.js';

export class ExactBytes {
  private readonly buf: Uint8Array;
  private have = 0;
  private complete = false;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size <= 0) throw new Sv2Error('handshake', `message size must be a positive integer, got ${size}`);
    this.buf = new Uint8Array(size);
  }

  /** Bytes collected so far. */
  get received(): number {
    return this.have;
  }

  /** Feeds a chunk; returns the message and the bytes after it once `size` bytes are in, else null. */
  push(chunk: Uint8Array): { bytes: Uint8Array; rest: Uint8Array } | null {
    if (this.complete) throw new Sv2Error('handshake', `the ${this.size}-byte message was already collected`);
    const take = Math.min(this.size - this.have, chunk.length);
    this.buf.set(chunk.subarray(0, take), this.have);
    this.have += take;
    if (this.have < this.size) return null;
    this.complete = true;
    return { bytes: this.buf, rest: chunk.subarray(take) };
  }
}
