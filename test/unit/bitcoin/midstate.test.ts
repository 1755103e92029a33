import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { finishFromMidstate, midstate, compress, SHA256_IV } from '../../../agent/bitcoin/midstate.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('SHA-256 midstate', () => {
  it('FIPS 180-2 "abc": one compression of the padded block', () => {
    const block = new Uint8Array(64);
    block.set([0x61, 0x62, 0x63, 0x80]);
    block[63] = 24;
    const s = SHA256_IV.slice();
    compress(s, block);
    expect([...s].map((w) => w.toString(16).padStart(8, '0')).join('')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('midstate + the last 16 bytes = SHA-256 of the whole header (1,000 random headers vs node:crypto)', () => {
    for (let i = 0; i < 1000; i++) {
      const h = randomBytes(80);
      expect(hex(finishFromMidstate(midstate(h), h.subarray(64)))).toBe(createHash('sha256').update(h).digest('hex'));
    }
  });
});
