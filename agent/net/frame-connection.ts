// One SV2 connection on a TCP socket once its handshake is done: frames in, frames out, through
// a FrameTransport (plain or Noise). Any decoding or authentication error closes the connection
// with that error as the reason; the socket is never left half-alive.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { FrameDecoder, encodeFrame, type Frame } from '../sv2/framing.js';

/** What an established session provides: frame encoding and a streaming decoder. */
export interface FrameTransport {
  encode(frame: Frame): Uint8Array;
  decode(chunk: Uint8Array): Frame[];
}

/** Unencrypted framing (spec §4: trusted LAN only, and tests). */
export class PlainTransport implements FrameTransport {
  private readonly decoder: FrameDecoder;
  constructor(maxPayload?: number) {
    this.decoder = new FrameDecoder(maxPayload === undefined ? {} : { maxPayload });
  }
  encode(frame: Frame): Uint8Array {
    return encodeFrame(frame);
  }
  decode(chunk: Uint8Array): Frame[] {
    return this.decoder.push(chunk);
  }
}

export interface FrameConnectionEvents {
  frame: [Frame];
  close: [reason: Error | null];
}

export interface FrameConnectionOptions {
  /** Close when more than this many bytes wait in the socket's write buffer (a peer not reading). */
  maxWriteBuffer?: number;
}

export class FrameConnection extends EventEmitter<FrameConnectionEvents> {
  readonly remote: string;
  private closed = false;
  bytesIn = 0;
  bytesOut = 0;

  /**
   * `initial`: bytes that arrived with the handshake's last message. They are processed, and the
   * socket resumed, on the next turn of the event loop, so the owner can attach its listeners first.
   */
  constructor(
    readonly socket: Socket,
    private readonly transport: FrameTransport,
    private readonly opts: FrameConnectionOptions = {},
    initial?: Uint8Array,
  ) {
    super();
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.close(e));
    socket.on('close', () => this.close(null));
    // readExactly() leaves the socket paused after the handshake.
    setImmediate(() => {
      if (initial?.length) this.onData(initial);
      if (!this.closed) socket.resume();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    this.bytesIn += chunk.length;
    let frames: Frame[];
    try {
      frames = this.transport.decode(chunk);
    } catch (e) {
      this.close(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      this.emit('frame', f);
    }
  }

  /** Encodes and writes a frame; false when the connection is closed. */
  send(frame: Frame): boolean {
    if (this.closed) return false;
    let bytes: Uint8Array;
    try {
      bytes = this.transport.encode(frame);
    } catch (e) {
      this.close(e instanceof Error ? e : new Error(String(e)));
      return false;
    }
    this.bytesOut += bytes.length;
    this.socket.write(bytes);
    const max = this.opts.maxWriteBuffer;
    if (max !== undefined && this.socket.writableLength > max) {
      this.close(new Error(`peer is not reading: ${this.socket.writableLength} bytes queued`));
      return false;
    }
    return true;
  }

  close(reason: Error | null = null): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.emit('close', reason);
  }
}
