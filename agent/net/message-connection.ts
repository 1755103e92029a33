// One SV2 connection as typed messages, for every role: frames are decoded here (a decoding error,
// or an error thrown while handling a message, closes the connection with that reason), the
// SetupConnection exchange is run here for both sides, and every step a peer owes us has a
// deadline here — so a peer that completes the handshake and then goes quiet is closed, never
// held. Unknown extension messages are ignored, as the spec says.
import { EventEmitter } from 'node:events';
import type { FrameConnection } from './frame-connection.js';
import { decodeFrame, messageFrame, type Message } from '../sv2/codec.js';
import type { Tlv } from '../sv2/messages/extensions.js';
import type { FieldsOf, MessageDef } from '../sv2/messages/define.js';
import { SetupConnection, SetupConnectionError, SetupConnectionSuccess, type MessageFields } from '../sv2/messages/index.js';

export type SetupRequest = MessageFields<'SetupConnection'>;
export type SetupSuccess = MessageFields<'SetupConnection.Success'>;
/** A server's answer to a SetupConnection: Success with flags, or Error with a code. */
export type SetupDecision = { flags: number } | { error: string; flags?: number };

/** Default time a peer has for each step it owes (SetupConnection, its answer, a channel, a job). */
export const DEFAULT_STEP_DEADLINE_MS = 10_000;

export interface MessageConnectionEvents<R> {
  /** The SetupConnection exchange is done: the client's request (server side) or the Success (client side). */
  ready: [R];
  /** Every message after the exchange, in order. */
  message: [Message];
  close: [reason: Error | null];
}

/** The peer missed a deadline; what it owed is in the message. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

export class MessageConnection<R = SetupRequest | SetupSuccess> extends EventEmitter<MessageConnectionEvents<R>> {
  private isReady = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    readonly frames: FrameConnection,
    private readonly onSetup: (m: Message) => R | null,
  ) {
    super();
    frames.on('close', (reason) => {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.emit('close', reason);
    });
    frames.on('frame', (f) => {
      try {
        const m = decodeFrame(f);
        if (m.key === null) return;
        if (this.isReady) return void this.emit('message', m);
        const r = this.onSetup(m);
        if (r === null || frames.isClosed) return;
        this.isReady = true;
        this.emit('ready', r);
      } catch (e) {
        frames.close(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /**
   * Client side: sends SetupConnection; `ready` fires with the Success, a SetupConnection.Error
   * or no answer within `deadlineMs` closes the connection with the reason.
   */
  static client(frames: FrameConnection, setup: SetupRequest, deadlineMs = DEFAULT_STEP_DEADLINE_MS, peer = 'the server'): MessageConnection<SetupSuccess> {
    let clear = () => {};
    const mc: MessageConnection<SetupSuccess> = new MessageConnection<SetupSuccess>(frames, (m) => {
      clear();
      if (m.key === 'SetupConnection.Success') return m.fields;
      if (m.key === 'SetupConnection.Error') throw new Error(`${peer} refused the connection: ${m.fields.error_code}`);
      throw new Error(`${peer} sent ${m.def.name} before answering SetupConnection`);
    });
    clear = mc.deadline(deadlineMs, 'answer to SetupConnection');
    frames.send(messageFrame(SetupConnection, setup));
    return mc;
  }

  /**
   * Server side: the first message must be SetupConnection within `deadlineMs`; `decide` answers
   * it (an Error closes the connection after it is sent), then `ready` fires with the request.
   */
  static server(frames: FrameConnection, decide: (setup: SetupRequest) => SetupDecision, deadlineMs = DEFAULT_STEP_DEADLINE_MS): MessageConnection<SetupRequest> {
    let clear = () => {};
    const mc: MessageConnection<SetupRequest> = new MessageConnection<SetupRequest>(frames, (m) => {
      clear();
      if (m.key !== 'SetupConnection') throw new Error(`expected SetupConnection first, got ${m.def.name}`);
      const d = decide(m.fields);
      if ('error' in d) {
        frames.send(messageFrame(SetupConnectionError, { flags: d.flags ?? 0, error_code: d.error }));
        frames.close(new Error(`SetupConnection refused: ${d.error}`));
        return null;
      }
      frames.send(messageFrame(SetupConnectionSuccess, { used_version: 2, flags: d.flags }));
      return m.fields;
    });
    clear = mc.deadline(deadlineMs, 'SetupConnection');
    return mc;
  }

  get remote(): string {
    return this.frames.remote;
  }

  get isClosed(): boolean {
    return this.frames.isClosed;
  }

  get bytesIn(): number {
    return this.frames.bytesIn;
  }

  get bytesOut(): number {
    return this.frames.bytesOut;
  }

  send<D extends MessageDef>(def: D, fields: FieldsOf<D['fields']>, tlvs?: readonly Tlv[]): boolean {
    return this.frames.send(messageFrame(def, fields, tlvs));
  }

  close(reason: Error | null = null): void {
    this.frames.close(reason);
  }

  /**
   * Closes the connection unless the returned function is called within `ms`: the peer owed us
   * `what` (e.g. "answer to OpenExtendedMiningChannel"). Cleared on close.
   */
  deadline(ms: number, what: string): () => void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.frames.close(new DeadlineError(`no ${what} within ${ms} ms`));
    }, ms);
    t.unref();
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }
}
