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

describe('sha256FromState and sha256dPair against node:crypto', () => {
  it('agree for every message length up to 300 bytes and any cached prefix of whole blocks', async () => {
    const { createHash, randomBytes } = await import('node:crypto');
    const { SHA256_IV, compress, sha256FromState } = await import('../../../agent/bitcoin/midstate.js');
    const { sha256dPair } = await import('../../../agent/bitcoin/sha256d64.js');
    for (let n = 0; n <= 300; n++) {
      const m = randomBytes(n);
      const want = createHash('sha256').update(m).digest('hex');
      for (let done = 0; done <= n; done += 64) {
        const s = SHA256_IV.slice();
        for (let o = 0; o < done; o += 64) compress(s, m, o);
        expect(Buffer.from(sha256FromState(s, done, m.subarray(done))).toString('hex')).toBe(want);
      }
    }
    for (let i = 0; i < 50; i++) {
      const a = randomBytes(32);
      const b = randomBytes(32);
      const d = createHash('sha256').update(createHash('sha256').update(Buffer.concat([a, b])).digest()).digest('hex');
      expect(Buffer.from(sha256dPair(a, b)).toString('hex')).toBe(d);
    }
  });
});
