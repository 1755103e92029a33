// The Noise NX handshake on a TCP socket, both sides, ending in a FrameConnection.
import net from 'node:net';
import { NoiseInitiator, NoiseResponder, ACT1_SIZE, ACT2_SIZE, type InitiatorOptions, type ResponderOptions } from '../sv2/noise/handshake.js';
import { FrameConnection, type FrameConnectionOptions } from './frame-connection.js';
import { readExactly } from './read-exactly.js';

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ConnectOptions extends InitiatorOptions, FrameConnectionOptions {
  host: string;
  port: number;
  timeoutMs?: number;
}

/** TCP connect with a timeout (shared by the SV2 and SV1 clients). */
export function dial(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeListener('error', onError);
      resolve(s);
    });
    const onError = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    s.once('error', onError);
  });
}

/** Client side: TCP connect (DNS names and IPs), act 1, act 2 with certificate check. */
export async function connectNoise(opts: ConnectOptions): Promise<FrameConnection> {
  const timeout = opts.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const initiator = new NoiseInitiator(opts); // throws at once without an authority key (unless insecure)
  const socket = await dial(opts.host, opts.port, timeout);
  try {
    socket.write(initiator.act1());
    const { bytes, rest } = await readExactly(socket, ACT2_SIZE, timeout, 'the server handshake (act 2)');
    return new FrameConnection(socket, initiator.act2(bytes), opts, rest);
  } catch (e) {
    socket.destroy();
    throw e;
  }
}

/** Server side: act 1 in, act 2 out. */
export async function acceptNoise(socket: net.Socket, opts: ResponderOptions & FrameConnectionOptions & { timeoutMs?: number }): Promise<FrameConnection> {
  try {
    const { bytes, rest } = await readExactly(socket, ACT1_SIZE, opts.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS, 'the client handshake (act 1)');
    const { reply, session } = new NoiseResponder(opts).act2(bytes);
    socket.write(reply);
    return new FrameConnection(socket, session, opts, rest);
  } catch (e) {
    socket.destroy();
    throw e;
  }
}
