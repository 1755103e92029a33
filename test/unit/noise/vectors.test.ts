// BIP324 ElligatorSwift and BIP340 Schnorr against their published vectors (test/vectors/README.md).
import { describe, expect, it } from 'vitest';
import { schnorr } from '@noble/curves/secp256k1.js';
import {
  BIP324_ECDH_TAG,
  ELLSWIFT_CREATE_TAG,
  ELLSWIFT_ENCODE_TAG,
  bip324Ecdh,
  compressedPublicKey,
  ellswiftCreate,
  ellswiftDecode,
  ellswiftDecodePubkey,
  ellswiftEncode,
  ellswiftXdh,
  taggedHasher,
  xswiftecInv,
  xswiftec,
} from '../../../agent/sv2/noise/ellswift.js';
import { certificateDigest, signCertificate, signDigest, verifyCertificate, verifyDigest } from '../../../agent/sv2/noise/certificate.js';
import { PROTOCOL_NAME, SymmetricState } from '../../../agent/sv2/noise/symmetric-state.js';
import { publicKeyOf } from '../../../agent/sv2/keys.js';
import { bytesToHex, hexToBytes, readCsv } from '../../support/vectors.js';

const big = (h: string) => BigInt('0x' + h);
const hex32 = (v: bigint) => v.toString(16).padStart(64, '0');

describe('BIP324 ellswift_decode_test_vectors.csv', () => {
  const rows = readCsv('bip-0324_ellswift_decode_test_vectors.csv');
  it(`decodes all ${rows.length} rows`, () => {
    expect(rows.length).toBeGreaterThan(70);
    for (const r of rows) expect(bytesToHex(ellswiftDecode(hexToBytes(r.ellswift!))), r.comment).toBe(r.x);
  });
});

describe('BIP324 xswiftec_inv_test_vectors.csv', () => {
  const rows = readCsv('bip-0324_xswiftec_inv_test_vectors.csv');
  it(`inverts all ${rows.length} rows in all 8 cases`, () => {
    for (const r of rows) {
      const u = big(r.u!);
      const x = big(r.x!);
      for (let c = 0; c < 8; c++) {
        const t = xswiftecInv(x, u, c);
        const want = r[`case${c}_t`]!;
        if (want === '') expect(t, `${r.comment} case ${c}`).toBeNull();
        else {
          expect(hex32(t!), `${r.comment} case ${c}`).toBe(want);
          expect(xswiftec(u, t!)).toBe(x);
        }
      }
    }
  });
});

describe('BIP324 packet_encoding_test_vectors.csv (ECDH columns)', () => {
  const rows = readCsv('bip-0324_packet_encoding_test_vectors.csv');
  it(`derives x_ours, x_shared and shared_secret of all ${rows.length} rows`, () => {
    for (const r of rows) {
      const priv = hexToBytes(r.in_priv_ours!);
      const ours = hexToBytes(r.in_ellswift_ours!);
      const theirs = hexToBytes(r.in_ellswift_theirs!);
      expect(bytesToHex(ellswiftDecode(ours))).toBe(r.mid_x_ours);
      expect(bytesToHex(ellswiftDecode(theirs))).toBe(r.mid_x_theirs);
      expect(bytesToHex(ellswiftXdh(theirs, priv))).toBe(r.mid_x_shared);
      expect(bytesToHex(ellswiftXdh(theirs, priv, false))).toBe(r.mid_x_shared); // the pure-JS path too
      expect(bytesToHex(bip324Ecdh(priv, ours, theirs, r.in_initiating === '1'))).toBe(r.mid_shared_secret);
    }
  });
  it('fresh encodings of a key decode to its x coordinate and differ each time', () => {
    const priv = hexToBytes(rows[0]!.in_priv_ours!);
    const a = ellswiftCreate(priv);
    const b = ellswiftCreate(priv);
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
    expect(bytesToHex(ellswiftDecode(a))).toBe(rows[0]!.mid_x_ours);
    expect(bytesToHex(ellswiftDecode(b))).toBe(rows[0]!.mid_x_ours);
  });
});

describe('libsecp256k1-compatible encoders (secp256k1_ellswift_encode / _create)', () => {
  const rows = readCsv('bip-0324_packet_encoding_test_vectors.csv');
  // The tagged-hash midstates libsecp256k1 hard-codes (bitcoin-core/secp256k1
  // src/modules/ellswift/main_impl.h, secp256k1_ellswift_sha256_init_{encode,create,bip324}):
  // equal states prove our tags and seeds start where libsecp256k1's do.
  const midstate = (tag: Uint8Array) => (taggedHasher(tag) as unknown as { get(): number[] }).get().map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
  it('tag midstates equal libsecp256k1 constants', () => {
    expect(midstate(ELLSWIFT_ENCODE_TAG)).toBe('d1a6524b028594b396e42f4e1037a1771b8fcb8b560238852560ede1d626b715');
    expect(midstate(ELLSWIFT_CREATE_TAG)).toBe('d29e1bf5f7025f429b024773094cb7d5e59ed78903bc978668335b354e363b53');
    expect(midstate(BIP324_ECDH_TAG)).toBe('8c12d730827bd3929e4fb2ee207b373e2292bd7aaa5441bc15c3779fcfb52549');
    expect(bytesToHex(BIP324_ECDH_TAG)).toBe('98f15cda57c93e51b1aff022215ca652855bc791bad28d1ed7674c994004ae63'); // digest §3.1
  });
  it('encodings of the vector keys decode to the same point (x and y parity), deterministic per randomness', () => {
    for (const r of rows) {
      const priv = hexToBytes(r.in_priv_ours!);
      const pub = compressedPublicKey(priv);
      expect(bytesToHex(pub.subarray(1))).toBe(r.mid_x_ours);
      const zero = ellswiftEncode(pub, new Uint8Array(32)); // what SRI sends (rnd32 = zeros)
      expect(bytesToHex(ellswiftEncode(pub, new Uint8Array(32)))).toBe(bytesToHex(zero));
      expect(bytesToHex(ellswiftDecodePubkey(zero))).toBe(bytesToHex(pub));
      const other = ellswiftEncode(pub, new Uint8Array(32).fill(1));
      expect(bytesToHex(other)).not.toBe(bytesToHex(zero));
      expect(bytesToHex(ellswiftDecodePubkey(other))).toBe(bytesToHex(pub));
      const created = ellswiftCreate(priv, null);
      expect(bytesToHex(ellswiftCreate(priv, null))).toBe(bytesToHex(created));
      expect(bytesToHex(ellswiftDecodePubkey(created))).toBe(bytesToHex(pub));
      // x-only ECDH does not care which encoding of a key is used.
      const theirs = hexToBytes(r.in_ellswift_theirs!);
      expect(bytesToHex(ellswiftXdh(theirs, priv))).toBe(r.mid_x_shared);
    }
  });
  it('rejects bad keys and randomness with typed errors', () => {
    const pub = compressedPublicKey(hexToBytes(rows[0]!.in_priv_ours!));
    expect(() => ellswiftEncode(pub.subarray(1))).toThrow(/33 bytes/);
    expect(() => ellswiftEncode(pub, new Uint8Array(31))).toThrow(/32 bytes/);
    const offCurve = new Uint8Array(33);
    offCurve[0] = 2;
    offCurve[32] = 5; // x = 5: 5³ + 7 = 132 is not a square mod p
    expect(() => ellswiftEncode(offCurve)).toThrow(/curve point/);
    expect(() => ellswiftCreate(new Uint8Array(32))).toThrow(/valid secp256k1 scalar/);
    expect(() => ellswiftDecode(new Uint8Array(63))).toThrow(/64 bytes/);
  });
});

describe('BIP340 test-vectors.csv through the certificate code', () => {
  const rows = readCsv('bip-0340_test-vectors.csv');
  // signDigest/verifyDigest are what signCertificate/verifyCertificate sign and check with; the
  // authority's x-only key comes from keys.ts (publicKeyOf), as the pool derives it.
  it(`signs and verifies all ${rows.length} rows`, () => {
    for (const r of rows) {
      const msg = hexToBytes(r.message!);
      const pub = hexToBytes(r['public key']!);
      const sig = hexToBytes(r.signature!);
      if (r['secret key']) {
        expect(bytesToHex(publicKeyOf(hexToBytes(r['secret key']!))).toUpperCase()).toBe(r['public key']);
        expect(bytesToHex(signDigest(msg, hexToBytes(r['secret key']!), hexToBytes(r.aux_rand!))).toUpperCase()).toBe(r.signature);
      }
      expect(verifyDigest(sig, msg, pub), `row ${r.index}: ${r.comment}`).toBe(r['verification result'] === 'TRUE');
    }
  });
  it('a certificate signed with vector 1\'s key verifies only for its static key and authority', () => {
    const r = rows.find((x) => x.index === '1')!;
    const secret = hexToBytes(r['secret key']!);
    const staticX = hexToBytes(r['public key']!); // any x-only key serves as the static key here
    const c = signCertificate(secret, staticX, 1000, 2000, 0, hexToBytes(r.aux_rand!));
    expect(verifyDigest(c.signature, certificateDigest(0, 1000, 2000, staticX), hexToBytes(r['public key']!))).toBe(true);
    expect(() => verifyCertificate(c, staticX, hexToBytes(r['public key']!), 1500, 0)).not.toThrow();
    expect(() => verifyCertificate({ ...c, not_valid_after: 2001 }, staticX, hexToBytes(r['public key']!), 1500, 0)).toThrow(/signature/);
  });
});

describe('Noise constants (sv2-protocol digest §3.1; SRI noise-sv2 lib.rs, sv2-tp noise.h)', () => {
  it('initial ck and h', () => {
    const ss = new SymmetricState();
    expect(PROTOCOL_NAME).toBe('Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256');
    expect(bytesToHex(ss.ck)).toBe('2eb47881208e9eee1f669f67c66ee70ea9ea88090d503fe830dc4bc83e29bf10');
    expect(bytesToHex(ss.h)).toBe('922fa32e4f487c0d59caa3bed7899ce3d98db7e13dbd3b7cf2d23dd433dc6104');
  });
  it('a certificate signed for one static key does not verify for another', () => {
    const auth = hexToBytes('b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef');
    const authX = schnorr.getPublicKey(auth);
    const s1 = new Uint8Array(32).fill(7);
    const s2 = new Uint8Array(32).fill(8);
    const c = signCertificate(auth, s1, 1000, 2000);
    expect(() => verifyCertificate(c, s1, authX, 1500, 0)).not.toThrow();
    expect(() => verifyCertificate(c, s2, authX, 1500, 0)).toThrow(/signature/);
    expect(certificateDigest(0, 1000, 2000, s1).length).toBe(32);
  });
});
