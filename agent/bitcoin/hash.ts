// SHA-256 and double SHA-256. node:crypto is native and the fastest here for short inputs.
import { createHash } from 'node:crypto';

export function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

export function sha256d(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}
