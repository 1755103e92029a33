// Chip → host replies: a streaming parser that finds frames in any chunking, resynchronises
// on garbage (skips a byte until preamble and CRC agree), and counts what it skipped. Never throws.
import { crc5 } from './crc.js';
import { preamble, type Framing } from './frame.js';

export interface RawReply {
  /** The bytes after the preamble, CRC byte included (7 or 9 bytes). */
  body: Uint8Array;
  /** Type bits 7–5 of the last byte: 0 register reply, 4 nonce (BM1397+); BM1387 uses bit 7. */
  isNonce: boolean;
}

export class ReplyParser {
  private buf = new Uint8Array(0);
  /** Bytes dropped while looking for a valid frame (garbage, corrupted frames). */
  skipped = 0;
  /** Frames whose preamble matched but whose CRC did not. */
  crcErrors = 0;

  constructor(
    readonly framing: Framing,
    /** Reply length after the preamble: 7 (BM1387, BM1397, a fresh BM1370) or 9 (BM1362+). */
    public replyLength: number,
  ) {}

  push(chunk: Uint8Array): RawReply[] {
    const data = new Uint8Array(this.buf.length + chunk.length);
    data.set(this.buf);
    data.set(chunk, this.buf.length);
    const out: RawReply[] = [];
    const pm = preamble(this.framing, 'reply');
    const pre = pm.length;
    const frameLen = pre + this.replyLength;
    let i = 0;
    while (data.length - i >= frameLen) {
      if (pre && !(data[i] === pm[0] && data[i + 1] === pm[1])) {
        i++;
        this.skipped++;
        continue;
      }
      if (crc5(data, i + pre, i + frameLen) !== 0) {
        if (pre) this.crcErrors++;
        i++;
        this.skipped++;
        continue;
      }
      const body = data.slice(i + pre, i + frameLen);
      const last = body[body.length - 1]!;
      out.push({ body, isNonce: this.framing === 'bm1397' ? last >> 5 === 4 : (last & 0x80) !== 0 });
      i += frameLen;
    }
    // The loop leaves fewer than frameLen bytes: memory stays bounded whatever arrives.
    this.buf = data.slice(i);
    return out;
  }
}
