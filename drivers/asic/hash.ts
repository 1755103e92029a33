// Double SHA-256 and the leading-zero test the chips apply, for nonce intake. node:crypto's
// one-shot hash() is native (drivers/ stands on its own and does not import agent/).
import { hash } from 'node:crypto';

export const sha256d = (data: Uint8Array): Uint8Array => hash('sha256', hash('sha256', data, 'buffer'), 'buffer');

/** Leading zero bits of a hash read as a little-endian 256-bit number (byte 31 most significant). */
export function leadingZeroBits(h: Uint8Array): number {
  for (let i = 31; i >= 0; i--) if (h[i] !== 0) return (31 - i) * 8 + Math.clz32(h[i]!) - 24;
  return 256;
}

/** hash ≤ target, both 32-byte little-endian. */
export function meetsTarget(h: Uint8Array, target: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) if (h[i] !== target[i]) return h[i]! < target[i]!;
  return true;
}
