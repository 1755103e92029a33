// ChaCha20-Poly1305 (RFC 8439) with the Noise nonce layout: 4 zero bytes ‖ u64 LE counter.
// Three implementations: node:crypto (native, fastest for large messages but with a fixed cost
// of microseconds per call), our allocation-free JS for small messages (chacha-small.ts: the
// 6-byte frame headers and share-sized payloads), and @noble/ciphers. The default uses the
// small one up to a crossover size and node:crypto above; without node:crypto, noble above.
//
// Why (seal + open per second, Node 20 on x86-64, `npm run bench -- noise` prints the same columns):
//   size    node:crypto   chacha-small   @noble/ciphers
//   6 B        102k          293k           43k
//   64 B        90k          212k           50k
//   256 B       70k           81k           33k
//   320 B       72k           73k           32k
//   384 B       68k           59k           29k
//   1 KiB       73k           26k           29k
//   16 KiB      37k            —            4.5k
// node:crypto's cost is mostly per call (cipher object, setAAD, getAuthTag), so it is flat up to
// ~1 KiB and 8× noble at 16 KiB; the small JS path wins below ~320 B (frame headers are 6 B,
// shares ~60 B), and beats noble up to ~1 KiB.
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

/** Largest plaintext the JS path takes before node:crypto's per-call cost is worth paying (table above). */
export const SMALL_MAX = 320;
/** The same crossover against @noble/ciphers, where node:crypto is missing. */
export const SMALL_MAX_NOBLE = 1024;

function hybrid(large: Aead, max: number): Aead {
  return {
    name: `small ≤ ${max} B, ${large.name} above`,
    seal: (k, n, ad, pt) => (pt.length <= max ? sealSmall(k, n, ad, pt) : large.seal(k, n, ad, pt)),
    sealInto: (k, n, ad, pt, out, off) => (pt.length <= max ? sealSmallInto(k, n, ad, pt, out, off) : large.sealInto(k, n, ad, pt, out, off)),
    open: (k, n, ad, ct) => (ct.length <= max + MAC_SIZE ? openSmall(k, n, ad, ct) : large.open(k, n, ad, ct)),
  };
}

export const defaultAead: Aead = nodeHasChaCha() ? hybrid(nodeAead, SMALL_MAX) : hybrid(nobleAead, SMALL_MAX_NOBLE);
