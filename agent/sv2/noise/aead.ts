// ChaCha20-Poly1305 (RFC 8439) with the Noise nonce layout: 4 zero bytes ‖ u64 LE counter.
// node:crypto's native implementation is used where present (it is several times faster than
// pure JS at every message size we send; `npm run bench -- noise` shows both), @noble/ciphers
// otherwise, so the library still runs without Node's crypto module.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import * as nodeCrypto from 'node:crypto';

export const MAC_SIZE = 16;

export interface Aead {
  readonly name: string;
  /** ciphertext ‖ tag */
  seal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** plaintext, or null when the tag does not verify */
  open(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

export const nobleAead: Aead = {
  name: '@noble/ciphers',
  seal: (key, nonce, ad, pt) => chacha20poly1305(key, nonce, ad).encrypt(pt),
  open: (key, nonce, ad, ct) => {
    try {
      return chacha20poly1305(key, nonce, ad).decrypt(ct);
    } catch {
      return null;
    }
  },
};

export const nodeAead: Aead = {
  name: 'node:crypto',
  seal(key, nonce, ad, pt) {
    const c = nodeCrypto.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: MAC_SIZE });
    if (ad.length) c.setAAD(ad, { plaintextLength: pt.length });
    const out = new Uint8Array(pt.length + MAC_SIZE);
    const body = c.update(pt);
    out.set(body);
    c.final();
    out.set(c.getAuthTag(), pt.length);
    return out;
  },
  open(key, nonce, ad, sealed) {
    if (sealed.length < MAC_SIZE) return null;
    const d = nodeCrypto.createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: MAC_SIZE });
    const n = sealed.length - MAC_SIZE;
    d.setAuthTag(sealed.subarray(n));
    if (ad.length) d.setAAD(ad, { plaintextLength: n });
    const pt = d.update(sealed.subarray(0, n));
    try {
      d.final();
    } catch {
      return null;
    }
    return new Uint8Array(pt.buffer, pt.byteOffset, pt.byteLength);
  },
};

function nodeHasChaCha(): boolean {
  try {
    return typeof nodeCrypto.getCiphers === 'function' && nodeCrypto.getCiphers().includes('chacha20-poly1305');
  } catch {
    return false;
  }
}

export const defaultAead: Aead = nodeHasChaCha() ? nodeAead : nobleAead;
