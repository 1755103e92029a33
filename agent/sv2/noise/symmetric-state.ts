// Noise SymmetricState for Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256 (spec 04 §4.5):
// chaining key ck, handshake hash h, and the current handshake cipher.
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { CipherState } from './cipher-state.js';
import type { Aead } from './aead.js';

export const PROTOCOL_NAME = 'Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256';

/** HKDF with two outputs (RFC 5869, empty info), as Noise defines it. */
export function hkdf2(ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const tempKey = hmac(sha256, ck, ikm);
  const o1 = hmac(sha256, tempKey, Uint8Array.of(1));
  const o2 = hmac(sha256, tempKey, Uint8Array.from([...o1, 2]));
  return [o1, o2];
}

export class SymmetricState {
  ck: Uint8Array;
  h: Uint8Array;
  private cipher: CipherState | null = null;

  constructor(private readonly aead?: Aead) {
    // The name is longer than 32 bytes, so it is hashed: ck = SHA256(name), h = SHA256(ck).
    this.ck = sha256(new TextEncoder().encode(PROTOCOL_NAME));
    this.h = sha256(this.ck);
  }

  mixHash(data: Uint8Array): void {
    this.h = sha256.create().update(this.h).update(data).digest();
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, k] = hkdf2(this.ck, ikm);
    this.ck = ck;
    this.cipher = new CipherState(k, this.aead);
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const c = this.cipher ? this.cipher.encryptWithAd(this.h, plaintext) : plaintext;
    this.mixHash(c);
    return c;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const p = this.cipher ? this.cipher.decryptWithAd(this.h, ciphertext) : ciphertext;
    this.mixHash(ciphertext);
    return p;
  }

  /** Two transport ciphers: the first encrypts initiator → responder, the second the reverse. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf2(this.ck, new Uint8Array(0));
    return [new CipherState(k1, this.aead), new CipherState(k2, this.aead)];
  }
}
