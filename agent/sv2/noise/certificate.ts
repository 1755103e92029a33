// The server certificate of the SV2 handshake (SignatureNoiseMessage, spec 04 §4.5.4):
// version U16 ‖ valid_from U32 ‖ not_valid_after U32 ‖ BIP340 signature (64), all LE.
// The authority signs SHA256(version ‖ valid_from ‖ not_valid_after ‖ x-only static key).
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Sv2Error } from '../errors.js';

export const CERTIFICATE_SIZE = 74;

export interface Certificate {
  version: number;
  valid_from: number;
  not_valid_after: number;
  signature: Uint8Array;
}

const isU32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

function header(version: number, validFrom: number, notValidAfter: number): Uint8Array {
  // DataView would wrap out-of-range values silently; a wrapped time would sign the wrong window.
  if (!Number.isInteger(version) || version < 0 || version > 0xffff) throw new Sv2Error('certificate', `certificate version ${version} is not a U16`);
  if (!isU32(validFrom) || !isU32(notValidAfter)) {
    throw new Sv2Error('certificate', `certificate validity ${validFrom}…${notValidAfter} is not a pair of U32 unix times`);
  }
  const b = new Uint8Array(10);
  const v = new DataView(b.buffer);
  v.setUint16(0, version, true);
  v.setUint32(2, validFrom, true);
  v.setUint32(6, notValidAfter, true);
  return b;
}

/** The 32-byte digest the authority signs. */
export function certificateDigest(version: number, validFrom: number, notValidAfter: number, staticX: Uint8Array): Uint8Array {
  return sha256.create().update(header(version, validFrom, notValidAfter)).update(staticX).digest();
}

export function encodeCertificate(c: Certificate): Uint8Array {
  const out = new Uint8Array(CERTIFICATE_SIZE);
  out.set(header(c.version, c.valid_from, c.not_valid_after));
  out.set(c.signature, 10);
  return out;
}

export function decodeCertificate(b: Uint8Array): Certificate {
  if (b.length !== CERTIFICATE_SIZE) throw new Sv2Error('certificate', `certificate must be ${CERTIFICATE_SIZE} bytes, got ${b.length}`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { version: v.getUint16(0, true), valid_from: v.getUint32(2, true), not_valid_after: v.getUint32(6, true), signature: b.slice(10) };
}

/** BIP340 signature of a 32-byte digest; `auxRand` fixed only in tests (fresh randomness otherwise). */
export function signDigest(digest: Uint8Array, secret: Uint8Array, auxRand?: Uint8Array): Uint8Array {
  return auxRand ? schnorr.sign(digest, secret, auxRand) : schnorr.sign(digest, secret);
}

/** Whether `signature` is a valid BIP340 signature of `digest` by `publicX`; malformed input is false. */
export function verifyDigest(signature: Uint8Array, digest: Uint8Array, publicX: Uint8Array): boolean {
  try {
    return schnorr.verify(signature, digest, publicX);
  } catch {
    return false;
  }
}

export function signCertificate(authoritySecret: Uint8Array, staticX: Uint8Array, validFrom: number, notValidAfter: number, version = 0, auxRand?: Uint8Array): Certificate {
  const signature = signDigest(certificateDigest(version, validFrom, notValidAfter, staticX), authoritySecret, auxRand);
  return { version, valid_from: validFrom, not_valid_after: notValidAfter, signature };
}

/**
 * Throws Sv2Error('certificate') with the reason unless the certificate is version 0, valid at
 * `nowSeconds` within `leewaySeconds` of either end, and signed by the authority for this static key.
 */
export function verifyCertificate(c: Certificate, staticX: Uint8Array, authorityX: Uint8Array, nowSeconds: number, leewaySeconds: number): void {
  // Only version 0 exists; an unknown version may mean fields we would misread (sv2-tp rejects too).
  if (c.version !== 0) throw new Sv2Error('certificate', `unsupported certificate version ${c.version}`);
  if (nowSeconds + leewaySeconds < c.valid_from) {
    throw new Sv2Error('certificate', `certificate not yet valid: valid from ${iso(c.valid_from)}, now ${iso(nowSeconds)}`);
  }
  if (nowSeconds - leewaySeconds > c.not_valid_after) {
    throw new Sv2Error('certificate', `certificate expired at ${iso(c.not_valid_after)}, now ${iso(nowSeconds)}`);
  }
  if (!verifyDigest(c.signature, certificateDigest(c.version, c.valid_from, c.not_valid_after, staticX), authorityX)) throw new Sv2Error('certificate', 'certificate signature does not verify against the configured authority key (wrong pool key?)');
}

function iso(s: number): string {
  return new Date(s * 1000).toISOString();
}
