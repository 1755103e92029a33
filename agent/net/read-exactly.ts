// Reads handshake messages of known size from a socket before framing starts; bytes that
// arrive beyond the message are handed back so the first frame is never lost.
import type { Socket } from 'node:net';
import { ExactBytes } from '../sv2/noise/collect.js';

export class ReadTimeoutError extends Error {
  override readonly name = 'ReadTimeoutError';
}

/**
 * Resolves with exactly `n` bytes and whatever followed them in the same chunk. Rejects on
 * timeout, socket error or close. Listeners are removed either way.
 */
export function readExactly(socket: Socket, n: number, timeoutMs: number, what: string): Promise<{ bytes: Uint8Array; rest: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const collector = new ExactBytes(n);
    const done = (err: Error | null, value?: { bytes: Uint8Array; rest: Uint8Array }) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.pause();
      if (err) reject(err);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      const got = collector.push(chunk);
      if (got) done(null, got);
    };
    const onError = (e: Error) => done(e);
    const onClose = () => done(new Error(`connection closed while waiting for ${what} (${collector.received}/${n} bytes)`));
    const timer = setTimeout(() => done(new ReadTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what} (${collector.received}/${n} bytes)`)), timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.resume();
  });
}
