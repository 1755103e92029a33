// Reads handshake messages of known size from a socket before framing starts; bytes that
// arrive beyond the message are handed back so the first frame is never lost.
import type { Socket } from 'node:net';

export class ReadTimeoutError extends Error {
  override readonly name = 'ReadTimeoutError';
}

/**
 * Resolves with exactly `n` bytes and whatever followed them in the same chunk. Rejects on
 * timeout, socket error or close. Listeners are removed either way.
 */
export function readExactly(socket: Socket, n: number, timeoutMs: number, what: string): Promise<{ bytes: Uint8Array; rest: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let have = 0;
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
      parts.push(chunk);
      have += chunk.length;
      if (have >= n) {
        const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        done(null, { bytes: all.subarray(0, n), rest: all.subarray(n) });
      }
    };
    const onError = (e: Error) => done(e);
    const onClose = () => done(new Error(`connection closed while waiting for ${what} (${have}/${n} bytes)`));
    const timer = setTimeout(() => done(new ReadTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what} (${have}/${n} bytes)`)), timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.resume();
  });
}
