// Newline-delimited JSON framing (SV1): any chunking, \n or \r\n, empty lines skipped, and a line
// longer than `maxLine` is an error before more than `maxLine` bytes are ever buffered.
import { Sv1Error } from './errors.js';

export class LineDecoder {
  private pending = '';
  private failed: Sv1Error | null = null;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(readonly maxLine = 16 * 1024) {}

  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Uint8Array | string): string[] {
    if (this.failed) throw this.failed;
    const text = this.pending + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (nl - start > this.maxLine) this.fail(nl - start);
      const line = text.slice(start, nl).replace(/\r$/, '').trim();
      if (line) lines.push(line);
      start = nl + 1;
    }
    this.pending = text.slice(start);
    if (this.pending.length > this.maxLine) this.fail(this.pending.length);
    return lines;
  }

  private fail(n: number): never {
    this.pending = '';
    this.failed = new Sv1Error('line-too-long', `line of ${n}+ bytes exceeds the ${this.maxLine}-byte limit`);
    throw this.failed;
  }
}

export function encodeLine(message: unknown): string {
  return JSON.stringify(message) + '\n';
}
