// Encrypted SV2 framing after the handshake (spec 04 §4.6): the 6-byte header is encrypted on
// its own (22 bytes), then the payload in chunks of at most 65,519 plaintext bytes, each with its
// own MAC; an empty payload sends the header alone. Any failure ends the session for good.
import { Sv2Error } from './errors.js';
import { HEADER_SIZE, MAX_PAYLOAD, parseHeader, writeHeader, type Frame } from './framing.js';
import type { CipherState } from './noise/cipher-state.js';

export const ENCRYPTED_HEADER_SIZE = HEADER_SIZE + 16;
export const MAX_CHUNK_PLAINTEXT = 65_535 - 16;

/** Ciphertext bytes that follow the encrypted header for a payload of `len` bytes. */
export function encryptedPayloadLength(len: number): number {
  return len + Math.ceil(len / MAX_CHUNK_PLAINTEXT) * 16;
}

export interface NoiseSessionOptions {
  /** Largest payload accepted from the peer; checked right after the header decrypts. */
  maxPayload?: number;
}

/** An established Noise session: encode() frames out, decode() any split of the byte stream in. */
export class NoiseSession {
  private readonly maxPayload: number;
  private failed: Sv2Error | null = null;
  // Receive state: waiting for `need` bytes of either the header or the body.
  private header: { extensionType: number; channelMsg: boolean; msgType: number; length: number } | null = null;
  /** Bytes the current piece (header or body) needs; buffered only when it arrives split. */
  private need = ENCRYPTED_HEADER_SIZE;
  private pending: Uint8Array | null = null;
  private have = 0;

  constructor(
    private readonly encryptor: CipherState,
    private readonly decryptor: CipherState,
    opts: NoiseSessionOptions = {},
  ) {
    this.maxPayload = Math.min(opts.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD);
  }

  get isFailed(): boolean {
    return this.failed !== null;
  }

  private fail(e: unknown): never {
    this.failed = e instanceof Sv2Error ? e : new Sv2Error('auth-failed', String(e));
    throw this.failed;
  }

  private check(): void {
    if (this.failed) throw new Sv2Error('session-closed', `session ended after: ${this.failed.message}`);
  }

  /** One encrypted frame: enc(header) ‖ enc(chunk) ‖ … (same as encode, named for readers of the spec). */
  encryptFrame(frame: Frame): Uint8Array {
    return this.encode(frame);
  }

  /** One encrypted frame: enc(header) ‖ enc(chunk) ‖ … */
  encode(frame: Frame): Uint8Array {
    this.check();
    const len = frame.payload.length;
    const hdr = new Uint8Array(HEADER_SIZE);
    writeHeader(hdr, 0, frame, len);
    const out = new Uint8Array(ENCRYPTED_HEADER_SIZE + encryptedPayloadLength(len));
    try {
      this.encryptor.encryptInto(null, hdr, out, 0);
      let at = ENCRYPTED_HEADER_SIZE;
      for (let off = 0; off < len; off += MAX_CHUNK_PLAINTEXT) {
        const chunk = frame.payload.subarray(off, Math.min(len, off + MAX_CHUNK_PLAINTEXT));
        this.encryptor.encryptInto(null, chunk, out, at);
        at += chunk.length + 16;
      }
    } catch (e) {
      this.fail(e);
    }
    return out;
  }

  /** Bytes waiting for the rest of a frame. */
  get buffered(): number {
    return this.have;
  }

  /** Decrypts any split of the incoming byte stream; returns the frames it completes. */
  decode(chunk: Uint8Array): Frame[] {
    this.check();
    const frames: Frame[] = [];
    try {
      let off = 0;
      while (off < chunk.length) {
        const missing = this.need - this.have;
        const take = Math.min(missing, chunk.length - off);
        let whole: Uint8Array;
        if (this.have === 0 && take === missing) {
          whole = chunk.subarray(off, off + take); // the piece lies whole in the chunk: no copy
        } else {
          if (!this.pending) this.pending = new Uint8Array(this.need);
          this.pending.set(chunk.subarray(off, off + take), this.have);
          this.have += take;
          if (this.have < this.need) break;
          whole = this.pending;
          this.pending = null;
        }
        off += take;
        this.have = 0;
        const f = this.step(whole);
        if (f) frames.push(f);
      }
    } catch (e) {
      this.fail(e);
    }
    return frames;
  }

  /** Processes one complete header or body; returns a frame when one is finished. */
  private step(bytes: Uint8Array): Frame | null {
    if (!this.header) {
      const h = parseHeader(this.decryptor.decryptWithAd(null, bytes));
      if (h.length > this.maxPayload) {
        throw new Sv2Error('frame-too-large', `frame declares ${h.length} payload bytes, limit is ${this.maxPayload}`, 'header.msg_length');
      }
      if (h.length === 0) {
        return { extensionType: h.extensionType, channelMsg: h.channelMsg, msgType: h.msgType, payload: new Uint8Array(0) };
      }
      this.header = h;
      this.need = encryptedPayloadLength(h.length);
      return null;
    }
    const h = this.header;
    let payload: Uint8Array;
    if (h.length <= MAX_CHUNK_PLAINTEXT) {
      payload = this.decryptor.decryptWithAd(null, bytes); // one chunk: its plaintext is the payload
    } else {
      payload = new Uint8Array(h.length);
      let at = 0;
      for (let off = 0; off < bytes.length; off += MAX_CHUNK_PLAINTEXT + 16) {
        const p = this.decryptor.decryptWithAd(null, bytes.subarray(off, Math.min(bytes.length, off + MAX_CHUNK_PLAINTEXT + 16)));
        payload.set(p, at);
        at += p.length;
      }
    }
    this.header = null;
    this.need = ENCRYPTED_HEADER_SIZE;
    return { extensionType: h.extensionType, channelMsg: h.channelMsg, msgType: h.msgType, payload };
  }
}
