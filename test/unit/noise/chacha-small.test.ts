import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { openSmall, sealSmall } from '../../../agent/sv2/noise/chacha-small.js';
import { SMALL_MAX_NOBLE, nodeAead, nobleAead } from '../../../agent/sv2/noise/aead.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('small-message ChaCha20-Poly1305', () => {
  // RFC 8439 §2.8.2 AEAD test vector
  it('RFC 8439 §2.8.2', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    const nonce = Uint8Array.from(Buffer.from('070000004041424344454647', 'hex'));
    const ad = Uint8Array.from(Buffer.from('50515253c0c1c2c3c4c5c6c7', 'hex'));
    const pt = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const sealed = sealSmall(key, nonce, ad, pt);
    expect(hex(sealed.subarray(0, 16))).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
    expect(hex(sealed.subarray(sealed.length - 16))).toBe('1ae10b594f09e26a7e902ecbd0600691');
    expect(new TextDecoder().decode(openSmall(key, nonce, ad, sealed)!)).toBe(new TextDecoder().decode(pt));
  });
  it('matches node:crypto and @noble/ciphers on random inputs of every size up to 300 bytes, then to SMALL_MAX_NOBLE', () => {
    for (let len = 0; len <= SMALL_MAX_NOBLE + 17; len += len < 300 ? 1 : 37) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const ad = randomBytes(len % 3 === 0 ? 0 : len % 40);
      const pt = randomBytes(len);
      const ours = sealSmall(key, nonce, ad, pt);
      expect(hex(ours), `len ${len}`).toBe(hex(nodeAead.seal(key, nonce, ad, pt)));
      expect(hex(ours)).toBe(hex(nobleAead.seal(key, nonce, ad, pt)));
      expect(hex(openSmall(key, nonce, ad, ours)!)).toBe(hex(pt));
    }
  });
  it('edge accumulators: all-0xff keys and data', () => {
    for (const len of [0, 1, 15, 16, 17, 64, 255]) {
      const key = new Uint8Array(32).fill(0xff);
      const nonce = new Uint8Array(12).fill(0xff);
      const pt = new Uint8Array(len).fill(0xff);
      const ad = new Uint8Array(len % 33).fill(0xff);
      expect(hex(sealSmall(key, nonce, ad, pt))).toBe(hex(nodeAead.seal(key, nonce, ad, pt)));
    }
  });
  it('rejects any flipped bit', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const sealed = sealSmall(key, nonce, new Uint8Array(0), randomBytes(22));
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const bad = new Uint8Array(sealed);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(openSmall(key, nonce, new Uint8Array(0), bad)).toBeNull();
    }
  });
});
