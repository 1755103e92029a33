// One interface for a hash chain's serial line, whatever carries it (a tty, a USB serial stick,
// a socket to a QEMU chardev or a remote emulator, or an in-process pipe), as serialport's
// bindings interface has one shape with real and mock bindings.
import { EventEmitter } from 'node:events';

export class TransportError extends Error {
  override readonly name = 'TransportError';
}

/** Milliseconds `bytes` take on a line at `baud`, 8N1: ten bits a byte. */
export const lineTimeMs = (bytes: number, baud: number): number => (bytes * 10 * 1000) / baud;

export interface SerialLinkEvents {
  /** Bytes received; links that know it add when the last of them arrived (performance.now()). */
  data: [Uint8Array, number?];
  close: [Error | null];
}

export interface SerialLink extends EventEmitter<SerialLinkEvents> {
  readonly baudRate: number;
  write(bytes: Uint8Array): Promise<void>;
  /** Changes the line rate (both ends must agree: chips switch after a UART_BAUD write). */
  setBaudRate(baud: number): Promise<void>;
  /** Resolves when everything written has left. */
  drain(): Promise<void>;
  /** Drops unread input and, where the link can (a tty's TCIOFLUSH, in process), output not yet sent. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
