// Newline-delimited JSON framing (SV1): any chunking, \n or \r\n, empty lines skipped, and a line
// longer than `maxLine` is an error before more than `maxLine` bytes are ever buffered.
import { Sv1Error } from './errors.js';

export class LineDecoder {
  /** Bytes of the unfinished line (limits count bytes, not UTF-16 units). */
  private parts: Uint8Array[] = [];
  private pendingBytes = 0;
  private failed: Sv1Error | null = null;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(readonly maxLine = 16 * 1024) {}

  get buffered(): number {
    return this.pendingBytes;
  }

  push(chunk: Uint8Array | string): string[] {
    if (this.failed) throw this.failed;
    const b = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (let nl = b.indexOf(0x0a); nl >= 0; nl = b.indexOf(0x0a, start)) {
      const length = this.pendingBytes + nl - start;
      if (length > this.maxLine) this.fail(length);
      const bytes = this.pendingBytes ? joined([...this.parts, b.subarray(start, nl)], length) : b.subarray(start, nl);
      this.parts = [];
      this.pendingBytes = 0;
      const line = this.decoder.decode(bytes).replace(/\r$/, '').trim();
      if (line) lines.push(line);
      start = nl + 1;
    }
    if (start < b.length) {
      const rest = b.subarray(start);
      if (this.pendingBytes + rest.length > this.maxLine) this.fail(this.pendingBytes + rest.length);
      this.parts.push(rest.slice()); // a copy: the socket's chunk is not kept alive
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  private fail(n: number): never {
    this.parts = [];
    this.pendingBytes = 0;
    this.failed = new Sv1Error('line-too-long', `line of ${n}+ bytes exceeds the ${this.maxLine}-byte limit`);
    throw this.failed;
  }
}

const encoder = new TextEncoder();

function joined(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function encodeLine(message: unknown): string {
  return JSON.stringify(message) + '\n';
}
