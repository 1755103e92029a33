// Plain SV2 framing (spec §3.2, framing_sv2): a 6-byte header
//   extension_type U16 LE (bit 15 = channel_msg) | msg_type U8 | msg_length U24 LE
// followed by msg_length payload bytes. The streaming decoder accepts any split of the
// byte stream and refuses an oversized declared length before buffering its payload.
import { Sv2Error } from './errors.js';

export const HEADER_SIZE = 6;
export const CHANNEL_MSG_BIT = 0x8000;
export const MAX_PAYLOAD = 0xffffff;
const EMPTY = new Uint8Array(0);

export interface FrameHeader {
  /** Extension id without the channel_msg bit (0 for core messages). */
  extensionType: number;
  channelMsg: boolean;
  msgType: number;
  length: number;
}

export interface Frame extends Omit<FrameHeader, 'length'> {
  /** The payload (channel_id first when channelMsg is set). */
  payload: Uint8Array;
}

export function parseHeader(b: Uint8Array, at = 0): FrameHeader {
  if (b.length - at < HEADER_SIZE) {
    throw new Sv2Error('truncated', `frame header: need 6 bytes, ${b.length - at} available`, 'header', at);
  }
  const ext = b[at]! | (b[at + 1]! << 8);
  return {
    extensionType: ext & 0x7fff,
    channelMsg: (ext & CHANNEL_MSG_BIT) !== 0,
    msgType: b[at + 2]!,
    length: b[at + 3]! | (b[at + 4]! << 8) | (b[at + 5]! << 16),
  };
}

/** Writes a header; `length` is passed apart so callers never build a header object per frame. */
export function writeHeader(out: Uint8Array, at: number, h: Omit<FrameHeader, 'length'>, length: number): void {
  if (length < 0 || length > MAX_PAYLOAD) {
    throw new Sv2Error('frame-too-large', `payload of ${length} bytes exceeds ${MAX_PAYLOAD}`, 'header');
  }
  const ext = (h.extensionType & 0x7fff) | (h.channelMsg ? CHANNEL_MSG_BIT : 0);
  out[at] = ext & 0xff;
  out[at + 1] = ext >>> 8;
  out[at + 2] = h.msgType;
  out[at + 3] = length & 0xff;
  out[at + 4] = (length >>> 8) & 0xff;
  out[at + 5] = length >>> 16;
}

/** Header ‖ payload as one buffer. */
export function encodeFrame(f: Frame): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + f.payload.length);
  writeHeader(out, 0, f, f.payload.length);
  out.set(f.payload, HEADER_SIZE);
  return out;
}

export interface FrameDecoderOptions {
  /** Largest payload accepted; a larger declared length is an error before any buffering. */
  maxPayload?: number;
}

/**
 * Streaming decoder: push() any chunk, get back the frames it completed. Payloads are views
 * into the chunk when a frame lies whole inside it, copies otherwise. After an error the
 * decoder stays failed (the stream position is lost), so the connection must be closed.
 */
export class FrameDecoder {
  readonly maxPayload: number;
  private pending: Uint8Array = EMPTY;
  private pendingLen = 0;
  private failed: Sv2Error | null = null;

  constructor(opts: FrameDecoderOptions = {}) {
    this.maxPayload = Math.min(opts.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD);
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.pendingLen;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.failed) throw this.failed;
    const frames: Frame[] = [];
    let off = 0;
    // Finish a frame begun in an earlier chunk.
    while (this.pendingLen > 0 && off < chunk.length) {
      const take = Math.min(this.missing(), chunk.length - off);
      this.append(chunk.subarray(off, off + take));
      off += take;
      if (this.pendingLen === HEADER_SIZE) this.checkLength(parseHeader(this.pending), 0);
      if (this.missing() === 0) {
        const h = parseHeader(this.pending);
        frames.push(toFrame(h, this.pending.subarray(HEADER_SIZE, HEADER_SIZE + h.length)));
        this.pending = EMPTY;
        this.pendingLen = 0;
      }
    }
    // Frames lying whole in this chunk are returned as views, without copying (header read inline:
    // this loop runs for every frame received).
    while (chunk.length - off >= HEADER_SIZE) {
      const len = chunk[off + 3]! | (chunk[off + 4]! << 8) | (chunk[off + 5]! << 16);
      if (len > this.maxPayload) this.checkLength(parseHeader(chunk, off), off);
      if (chunk.length - off - HEADER_SIZE < len) break;
      const ext = chunk[off]! | (chunk[off + 1]! << 8);
      frames.push({ extensionType: ext & 0x7fff, channelMsg: (ext & CHANNEL_MSG_BIT) !== 0, msgType: chunk[off + 2]!, payload: chunk.subarray(off + HEADER_SIZE, off + HEADER_SIZE + len) });
      off += HEADER_SIZE + len;
    }
    if (off < chunk.length) this.append(chunk.subarray(off));
    return frames;
  }

  /** How many more bytes the pending frame needs (header first, then payload). */
  private missing(): number {
    if (this.pendingLen < HEADER_SIZE) return HEADER_SIZE - this.pendingLen;
    return HEADER_SIZE + payloadLength(this.pending) - this.pendingLen;
  }

  private checkLength(h: FrameHeader, at: number): void {
    if (h.length > this.maxPayload) {
      this.failed = new Sv2Error(
        'frame-too-large',
        `frame declares ${h.length} payload bytes, limit is ${this.maxPayload} (ext 0x${h.extensionType.toString(16)}, type 0x${h.msgType.toString(16)})`,
        'header.msg_length',
        at,
      );
      throw this.failed;
    }
  }

  /** Buffer bytes of the pending frame; sized once to the whole frame when its header is known. */
  private append(b: Uint8Array): void {
    const need = this.pendingLen + b.length;
    if (need > this.pending.length) {
      const headerKnown = this.pendingLen >= HEADER_SIZE ? this.pending : need >= HEADER_SIZE && this.pendingLen === 0 ? b : null;
      const next = new Uint8Array(headerKnown ? HEADER_SIZE + payloadLength(headerKnown) : HEADER_SIZE);
      next.set(this.pending.subarray(0, this.pendingLen));
      this.pending = next;
    }
    this.pending.set(b, this.pendingLen);
    this.pendingLen = need;
  }
}


function payloadLength(header: Uint8Array): number {
  return header[3]! | (header[4]! << 8) | (header[5]! << 16);
}

function toFrame(h: FrameHeader, payload: Uint8Array): Frame {
  return { extensionType: h.extensionType, channelMsg: h.channelMsg, msgType: h.msgType, payload };
}
