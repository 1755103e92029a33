// ElligatorSwift (BIP324): 64-byte encodings u‖t of secp256k1 x coordinates that look like
// random bytes, and the x-only ECDH of BIP324 on top of them. Field arithmetic is noble's.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Sv2Error } from '../errors.js';

const Fp = secp256k1.Point.Fp;
const P = Fp.ORDER;
const HALF_P_MINUS_1 = (P - 1n) >> 1n;
const SEVEN = 7n;

const mod = (a: bigint) => Fp.create(a);
const isSquare = (a: bigint) => {
  const v = mod(a);
  return v === 0n || Fp.pow(v, HALF_P_MINUS_1) === 1n;
};
const sqrt = (a: bigint): bigint | null => {
  const v = mod(a);
  const r = Fp.pow(v, (P + 1n) >> 2n); // p ≡ 3 (mod 4)
  return Fp.sqr(r) === v ? r : null;
};
const isValidX = (x: bigint) => isSquare(Fp.add(Fp.pow(x, 3n), SEVEN));
const SQRT_MINUS_3 = sqrt(P - 3n)!;

function toBytes32(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
function fromBytes(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** XSwiftEC: the x coordinate encoded by field elements (u, t). Every (u, t) decodes. */
export function xswiftec(uIn: bigint, tIn: bigint): bigint {
  let u = mod(uIn);
  let t = mod(tIn);
  if (u === 0n) u = 1n;
  if (t === 0n) t = 1n;
  const u3p7 = Fp.add(Fp.pow(u, 3n), SEVEN);
  if (Fp.add(u3p7, Fp.sqr(t)) === 0n) t = Fp.mul(2n, t);
  const X = Fp.div(Fp.sub(u3p7, Fp.sqr(t)), Fp.mul(2n, t));
  const Y = Fp.div(Fp.add(X, t), Fp.mul(SQRT_MINUS_3, u));
  const x1 = Fp.add(u, Fp.mul(4n, Fp.sqr(Y)));
  if (isValidX(x1)) return x1;
  const XdivY = Fp.div(X, Y);
  const x2 = Fp.div(Fp.sub(Fp.neg(XdivY), u), 2n);
  if (isValidX(x2)) return x2;
  // BIP324 proves one of the three is valid.
  return Fp.div(Fp.sub(XdivY, u), 2n);
}

/** XSwiftECInv: a t with xswiftec(u, t) = x for the given case (0–7), or null. */
export function xswiftecInv(x: bigint, u: bigint, c: number): bigint | null {
  let v: bigint;
  let s: bigint;
  const u3p7 = Fp.add(Fp.pow(u, 3n), SEVEN);
  if ((c & 2) === 0) {
    if (isValidX(Fp.sub(Fp.neg(x), u))) return null;
    v = (c & 1) === 0 ? x : Fp.sub(Fp.neg(x), u);
    s = Fp.neg(Fp.div(u3p7, Fp.add(Fp.add(Fp.sqr(u), Fp.mul(u, v)), Fp.sqr(v))));
  } else {
    s = Fp.sub(x, u);
    if (s === 0n) return null;
    let r = sqrt(Fp.mul(Fp.neg(s), Fp.add(Fp.mul(4n, u3p7), Fp.mul(Fp.mul(3n, s), Fp.sqr(u)))));
    if (r === null) return null;
    if (c & 1) {
      if (r === 0n) return null;
      r = Fp.neg(r);
    }
    v = Fp.div(Fp.add(Fp.neg(u), Fp.div(r, s)), 2n);
  }
  let w = sqrt(s);
  if (w === null) return null;
  if (c & 4) w = Fp.neg(w);
  return Fp.mul(w, Fp.sub(Fp.div(Fp.mul(u, Fp.sub(SQRT_MINUS_3, 1n)), 2n), v));
}

/** Decodes a 64-byte ElligatorSwift encoding to the 32-byte big-endian x coordinate. */
export function ellswiftDecode(ell: Uint8Array): Uint8Array {
  if (ell.length !== 64) throw new Sv2Error('key', `ElligatorSwift encoding must be 64 bytes, got ${ell.length}`);
  return toBytes32(xswiftec(fromBytes(ell.subarray(0, 32)), fromBytes(ell.subarray(32))));
}

/** Decodes a 64-byte encoding to a 33-byte compressed public key: y has the parity of t (libsecp256k1). */
export function ellswiftDecodePubkey(ell: Uint8Array): Uint8Array {
  const out = new Uint8Array(33);
  out.set(ellswiftDecode(ell), 1);
  out[0] = 0x02 | Number(mod(fromBytes(ell.subarray(32))) & 1n);
  return out;
}

type Hasher = ReturnType<typeof sha256.create>;
const utf8 = (s: string) => new TextEncoder().encode(s);
/** SHA256 of the tags libsecp256k1 uses for its encoders and BIP324 uses for the ECDH hash. */
export const ELLSWIFT_ENCODE_TAG = sha256(utf8('secp256k1_ellswift_encode'));
export const ELLSWIFT_CREATE_TAG = sha256(utf8('secp256k1_ellswift_create'));
export const BIP324_ECDH_TAG = sha256(utf8('bip324_ellswift_xonly_ecdh'));
const ZEROS_32 = new Uint8Array(32);

/** BIP340-style tagged-hash state (SHA256(tag) twice), ready for the seed. */
export function taggedHasher(tagHash: Uint8Array): Hasher {
  return sha256.create().update(tagHash).update(tagHash);
}

/**
 * libsecp256k1's encoder (secp256k1_ellswift_elligatorswift_var): u values and 3-bit branch
 * choices come from SHA256(seeded hasher ‖ u32le(counter)); the first (u, branch) with an inverse
 * wins, and t's sign is set to carry y's parity. Same seed → same 64 bytes as libsecp256k1, so
 * SRI's deterministic encodings (rnd32 = zeros) are reproducible.
 */
function elligatorSwift(x: bigint, yOdd: boolean, seeded: Hasher): Uint8Array {
  const counter = new Uint8Array(4);
  const prng = (cnt: number): Uint8Array => {
    new DataView(counter.buffer).setUint32(0, cnt, true);
    return seeded.clone().update(counter).digest();
  };
  let branches: Uint8Array = ZEROS_32;
  let left = 0;
  for (let cnt = 0; ; ) {
    if (left === 0) {
      branches = prng(cnt++);
      left = 64;
    }
    left--;
    const branch = (branches[left >> 1]! >> ((left & 1) << 2)) & 7;
    const u32 = prng(cnt++); // written out unreduced, as libsecp256k1 does
    let t = xswiftecInv(x, mod(fromBytes(u32)), branch);
    if (t === null) continue;
    if ((t & 1n) !== (yOdd ? 1n : 0n)) t = Fp.neg(t);
    const out = new Uint8Array(64);
    out.set(u32);
    out.set(toBytes32(t), 32);
    return out;
  }
}

function liftCompressed(pubkey: Uint8Array): bigint {
  if (pubkey.length !== 33 || (pubkey[0] !== 2 && pubkey[0] !== 3)) throw new Sv2Error('key', 'public key must be 33 bytes, compressed (02/03 prefix)');
  const x = fromBytes(pubkey.subarray(1));
  if (x >= P || !isValidX(x)) throw new Sv2Error('key', 'not the x coordinate of a curve point');
  return x;
}

/**
 * ElligatorSwift encoding of a compressed public key, as libsecp256k1's secp256k1_ellswift_encode:
 * the seed is pubkey33 ‖ 31 zero bytes ‖ rnd32 under the "secp256k1_ellswift_encode" tag.
 * Fresh randomness unless `rnd32` is given (SRI passes 32 zero bytes).
 */
export function ellswiftEncode(pubkey: Uint8Array, rnd32: Uint8Array = randomBytes(32)): Uint8Array {
  const x = liftCompressed(pubkey);
  if (rnd32.length !== 32) throw new Sv2Error('key', `ElligatorSwift randomness must be 32 bytes, got ${rnd32.length}`);
  return elligatorSwift(x, pubkey[0] === 3, taggedHasher(ELLSWIFT_ENCODE_TAG).update(pubkey).update(ZEROS_32.subarray(1)).update(rnd32));
}

// Native secp256k1 ECDH (OpenSSL) is ~20× faster than a pure-JS variable-base multiplication;
// loaded without a static import so the library still runs where node:crypto does not exist.
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as
  | typeof import('node:crypto')
  | undefined;
const nativeEcdh = (() => {
  try {
    return nodeCrypto?.getCurves().includes('secp256k1') ? nodeCrypto : undefined;
  } catch {
    return undefined;
  }
})();

function checkSecret(secret: Uint8Array): void {
  if (secret.length !== 32 || !secp256k1.utils.isValidSecretKey(secret)) throw new Sv2Error('key', 'secret key is not a valid secp256k1 scalar');
}

/** Compressed public key (33 bytes) of a secret key. */
export function compressedPublicKey(secret: Uint8Array): Uint8Array {
  checkSecret(secret);
  if (nativeEcdh) {
    const e = nativeEcdh.createECDH('secp256k1');
    e.setPrivateKey(secret);
    return e.getPublicKey(null, 'compressed');
  }
  return secp256k1.getPublicKey(secret, true);
}

/**
 * The 64-byte ElligatorSwift public key of a secret key, as libsecp256k1's secp256k1_ellswift_create:
 * the seed is secret ‖ 32 zero bytes [‖ auxRnd32] under the "secp256k1_ellswift_create" tag. Fresh
 * auxiliary randomness by default; null gives the deterministic encoding (rust-secp256k1
 * `from_seckey(sk, None)`).
 */
export function ellswiftCreate(secret: Uint8Array, auxRnd32: Uint8Array | null = randomBytes(32)): Uint8Array {
  const pub = compressedPublicKey(secret);
  if (auxRnd32 && auxRnd32.length !== 32) throw new Sv2Error('key', `ElligatorSwift randomness must be 32 bytes, got ${auxRnd32.length}`);
  const seeded = taggedHasher(ELLSWIFT_CREATE_TAG).update(secret).update(ZEROS_32);
  if (auxRnd32) seeded.update(auxRnd32);
  return elligatorSwift(fromBytes(pub.subarray(1)), pub[0] === 3, seeded);
}

/** x-only (BIP340) public key of a secret key. */
export function xOnlyPublicKey(secret: Uint8Array): Uint8Array {
  return compressedPublicKey(secret).subarray(1);
}

/**
 * x coordinate of secret × (the point whose x the peer's encoding carries). `native` selects
 * node:crypto (default where present) or the pure-JS multiplication.
 */
export function ellswiftXdh(ellTheirs: Uint8Array, secret: Uint8Array, native = nativeEcdh !== undefined): Uint8Array {
  const x = ellswiftDecode(ellTheirs);
  checkSecret(secret);
  const peer = new Uint8Array(33);
  peer[0] = 0x02; // x-only: either y gives the same x of the product
  peer.set(x, 1);
  if (native && nativeEcdh) {
    const e = nativeEcdh.createECDH('secp256k1');
    e.setPrivateKey(secret);
    return e.computeSecret(peer); // OpenSSL returns the x coordinate of secret × peer
  }
  return secp256k1.Point.fromBytes(peer).multiply(secp256k1.Point.Fn.fromBytes(secret)).toBytes(true).subarray(1);
}

/**
 * BIP324 v2 ECDH: SHA256(tag ‖ tag ‖ ell_initiator ‖ ell_responder ‖ x). The initiator's
 * encoding always comes first, whichever side computes it.
 */
export function bip324Ecdh(secret: Uint8Array, ellOurs: Uint8Array, ellTheirs: Uint8Array, initiating: boolean): Uint8Array {
  const x = ellswiftXdh(ellTheirs, secret);
  const h = taggedHasher(BIP324_ECDH_TAG);
  if (initiating) h.update(ellOurs).update(ellTheirs);
  else h.update(ellTheirs).update(ellOurs);
  return h.update(x).digest();
}
