// ChaCha20-Poly1305 (RFC 8439) with the Noise nonce layout: 4 zero bytes ‖ u64 LE counter.
// Three implementations: node:crypto (native, fastest for large messages but with a fixed cost
// of microseconds per call), our allocation-free JS for small messages (chacha-small.ts: the
// 6-byte frame headers and share-sized payloads), and @noble/ciphers. The default uses the
// small one up to SMALL_MAX bytes and node:crypto above; without node:crypto, noble.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
// Loaded without a static import so the library also runs where node:crypto does not exist.
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as
  | typeof import('node:crypto')
  | undefined;
import { openSmall, sealSmall, sealSmallInto } from './chacha-small.js';

export const MAC_SIZE = 16;

export interface Aead {
  readonly name: string;
  /** ciphertext ‖ tag */
  seal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** ciphertext ‖ tag written into out[off…off + plaintext.length + 16) */
  sealInto(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, off: number): void;
  /** plaintext, or null when the tag does not verify */
  open(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

export const nobleAead: Aead = {
  name: '@noble/ciphers',
  seal: (key, nonce, ad, pt) => chacha20poly1305(key, nonce, ad).encrypt(pt),
  sealInto: (key, nonce, ad, pt, out, off) => out.set(chacha20poly1305(key, nonce, ad).encrypt(pt), off),
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
    const out = new Uint8Array(pt.length + MAC_SIZE);
    this.sealInto(key, nonce, ad, pt, out, 0);
    return out;
  },
  sealInto(key, nonce, ad, pt, out, off) {
    const c = nodeCrypto!.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: MAC_SIZE });
    if (ad.length) c.setAAD(ad, { plaintextLength: pt.length });
    out.set(c.update(pt), off);
    c.final();
    out.set(c.getAuthTag(), off + pt.length);
  },
  open(key, nonce, ad, sealed) {
    if (sealed.length < MAC_SIZE) return null;
    const d = nodeCrypto!.createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: MAC_SIZE });
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
    return nodeCrypto !== undefined && nodeCrypto.getCiphers().includes('chacha20-poly1305');
  } catch {
    return false;
  }
}

export const smallAead: Aead = { name: 'hashagent small-message', seal: sealSmall, sealInto: sealSmallInto, open: openSmall };

/** Where the JS version stops beating node:crypto's per-call cost (measured by `npm run bench -- noise`). */
export const SMALL_MAX = 512;

function hybrid(large: Aead): Aead {
  return {
    name: `small ≤ ${SMALL_MAX} B, ${large.name} above`,
    seal: (k, n, ad, pt) => (pt.length <= SMALL_MAX ? sealSmall(k, n, ad, pt) : large.seal(k, n, ad, pt)),
    sealInto: (k, n, ad, pt, out, off) => (pt.length <= SMALL_MAX ? sealSmallInto(k, n, ad, pt, out, off) : large.sealInto(k, n, ad, pt, out, off)),
    open: (k, n, ad, ct) => (ct.length <= SMALL_MAX + MAC_SIZE ? openSmall(k, n, ad, ct) : large.open(k, n, ad, ct)),
  };
}

export const defaultAead: Aead = hybrid(nodeHasChaCha() ? nodeAead : nobleAead);
