// Which bitaxe-raw firmware is on the other end of a control port. The newer bridge build
// (bitaxeorg/bitaxe-raw src/bridge_protocol.rs at 4678127: page 0x00 SYSTEM_GET_INFO answers
// `len:u16 id payload` with payload [schema 1, protocol major, minor, n, n ASCII bytes]) runs
// a fixed ESP↔RP2040 link and ignores the host's line coding on the data port (src/uart.rs at
// 140cd335); the classic build applies the host's baud to the ASIC UART (src/uart.rs at 60c86158)
// and answers page 0x00 with "invalid command". The agent keeps a bridge board's chain at the
// chips' reset rate, where both ends agree without a baud switch (as mujina runs the Bitaxe).
import type { SerialLink } from './serial-link.js';

export type BitaxeRawVariant = { variant: 'bridge'; protocol: { major: number; minor: number }; version: string } | { variant: 'classic' };

export const BRIDGE_INFO = { page: 0x00, getInfo: 0x01, schema: 1 } as const;
const PROBE_ID = 0xfe;

/** Decodes a bridge GetInfo reply frame; null when the bytes are not one. */
export function decodeBridgeInfo(frame: Uint8Array): Extract<BitaxeRawVariant, { variant: 'bridge' }> | null {
  if (frame.length < 7) return null;
  const len = frame[0]! | (frame[1]! << 8);
  const p = frame.subarray(3, len);
  if (len !== frame.length || frame[2] !== PROBE_ID || p[0] !== BRIDGE_INFO.schema || p.length !== 4 + p[3]! || p[3] === 0) return null;
  const v = p.subarray(4);
  if (!v.every((b) => b >= 0x20 && b <= 0x7e)) return null;
  return { variant: 'bridge', protocol: { major: p[1]!, minor: p[2]! }, version: Buffer.from(v).toString('ascii') };
}

/** Asks once; anything but a valid bridge info (an error status, silence) means the classic build. */
export function probeBitaxeRawVariant(link: SerialLink, timeoutMs = 500): Promise<BitaxeRawVariant> {
  return new Promise((resolve) => {
    let got = new Uint8Array(0);
    const done = (v: BitaxeRawVariant) => {
      clearTimeout(timer);
      link.off('data', onData);
      resolve(v);
    };
    const onData = (b: Uint8Array) => {
      const m = new Uint8Array(got.length + b.length);
      m.set(got);
      m.set(b, got.length);
      got = m;
      if (got.length < 2) return;
      const len = got[0]! | (got[1]! << 8);
      // A classic v0 reply's length counts data only: it is shorter than its own header.
      if (len < 4 || got.length >= len) done(decodeBridgeInfo(got.subarray(0, Math.max(len, 0))) ?? { variant: 'classic' });
    };
    const timer = setTimeout(() => done({ variant: 'classic' }), timeoutMs);
    link.on('data', onData);
    link.write(Uint8Array.of(6, 0, PROBE_ID, 0, BRIDGE_INFO.page, BRIDGE_INFO.getInfo)).catch(() => done({ variant: 'classic' }));
  });
}
