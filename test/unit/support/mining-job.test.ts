// The independent share check the ASIC tests rely on, tied to a published block: the genesis block
// (a one-transaction block, Bitcoin Core chainparams.cpp).
import { describe, expect, it } from 'vitest';
import { shareHash, shareMeetsTarget, testJob } from '../../support/mining-job.js';

const GENESIS_COINBASE = Buffer.from(
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000',
  'hex',
);
const share = (over: Partial<{ nonce: number }> = {}) => ({
  job: testJob({
    version: 1, prevHash: new Uint8Array(32), nbits: 0x1d00ffff, ntime: 1231006505, merklePath: [], extranonceSize: 8,
    coinbasePrefix: GENESIS_COINBASE.subarray(0, 42), coinbaseSuffix: GENESIS_COINBASE.subarray(50),
    target: Uint8Array.from(Buffer.from('00000000ffff0000000000000000000000000000000000000000000000000000', 'hex').reverse()),
  }),
  extranonce: GENESIS_COINBASE.subarray(42, 50), ntime: 1231006505, version: 1, nonce: 2083236893, ...over,
});

describe('test/support/mining-job shareHash', () => {
  it('rebuilds the genesis block hash from its coinbase, and checks it against difficulty 1', () => {
    expect(Buffer.from(shareHash(share())).reverse().toString('hex')).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
    expect(shareMeetsTarget(share())).toBe(true);
    expect(shareMeetsTarget(share({ nonce: 2083236894 }))).toBe(false);
  });
});
