import { describe, expect, it } from 'vitest';
import {
  bigIntToLe, bip34HeightPush, buildHeader, DIFF1, targetToHashrate, hashToHex, hashrateToTarget, headerHash, leToBigInt, meetsTarget,
  merklePathForFirst, merkleRoot, merkleRootFromPath, nbitsToTarget, sha256d, targetToDifficulty, targetToNbits, difficultyToTarget,
} from '../../../agent/bitcoin/index.js';

const fromDisplay = (h: string) => Uint8Array.from(Buffer.from(h, 'hex').reverse());

describe('block header', () => {
  it('the genesis block hashes to 000000000019d6…e26f (Bitcoin Core chainparams)', () => {
    const header = buildHeader({
      version: 1,
      prevHash: new Uint8Array(32),
      merkleRoot: fromDisplay('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b'),
      ntime: 1231006505,
      nbits: 0x1d00ffff,
      nonce: 2083236893,
    });
    const h = headerHash(header);
    expect(hashToHex(h)).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
    expect(meetsTarget(h, bigIntToLe(nbitsToTarget(0x1d00ffff)!))).toBe(true);
    header[76]! ^= 1;
    expect(meetsTarget(headerHash(header), bigIntToLe(nbitsToTarget(0x1d00ffff)!))).toBe(false);
  });
  it('block 100000: merkle root of its four txids (a block with several transactions)', () => {
    // Block 000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506; txids in display order.
    const txids = [
      '8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87',
      'fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4',
      '6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4',
      'e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d',
    ].map(fromDisplay);
    const root = merkleRoot(txids);
    expect(hashToHex(root)).toBe('f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766');
    expect(hashToHex(merkleRootFromPath(txids[0]!, merklePathForFirst(txids)))).toBe(hashToHex(root));
  });
});

describe('targets', () => {
  // Bitcoin Core src/test/arith_uint256_tests.cpp (bignum_SetCompact)
  it('nbits ⇄ target', () => {
    expect(nbitsToTarget(0)).toBe(0n);
    expect(nbitsToTarget(0x01003456)).toBe(0n);
    expect(nbitsToTarget(0x01123456)).toBe(0x12n);
    expect(targetToNbits(0x12n)).toBe(0x01120000);
    expect(nbitsToTarget(0x02123456)).toBe(0x1234n);
    expect(targetToNbits(0x1234n)).toBe(0x02123400);
    expect(nbitsToTarget(0x03123456)).toBe(0x123456n);
    expect(targetToNbits(0x123456n)).toBe(0x03123456);
    expect(nbitsToTarget(0x04123456)).toBe(0x12345600n);
    expect(nbitsToTarget(0x04923456)).toBeNull(); // negative
    expect(nbitsToTarget(0x05009234)).toBe(0x92340000n);
    expect(targetToNbits(0x92340000n)).toBe(0x05009234);
    expect(nbitsToTarget(0x20123456)).toBe(0x123456n << 232n);
    expect(targetToNbits(0x123456n << 232n)).toBe(0x20123456);
    expect(nbitsToTarget(0xff123456)).toBeNull(); // overflow
    expect(nbitsToTarget(0x1d00ffff)).toBe(DIFF1);
  });
  it('difficulty 1 is 0xFFFF·2^208; LE wire bytes as in the sv2-protocol digest §5.7', () => {
    expect(Buffer.from(bigIntToLe(DIFF1)).toString('hex')).toBe('0000000000000000000000000000000000000000000000000000ffff00000000');
    expect(targetToDifficulty(DIFF1)).toBe(1);
    expect(leToBigInt(bigIntToLe(difficultyToTarget(1024)))).toBe(DIFF1 / 1024n);
  });
  it('SRI hash_rate_to_target: 10 TH/s at 6 shares/min (digest §5.7)', () => {
    const t = hashrateToTarget(10e12, 6);
    expect(t.toString(16).padStart(64, '0')).toBe('000000000002d09370d4256b73ff9e7dfb16785f7724e8cbabbaac90ae0eae8c');
    expect(targetToHashrate(t, 6) / 10e12).toBeCloseTo(1, 9); // and back
  });
  it('meetsTarget compares as little-endian integers', () => {
    const t = bigIntToLe(1000n);
    expect(meetsTarget(bigIntToLe(999n), t)).toBe(true);
    expect(meetsTarget(bigIntToLe(1000n), t)).toBe(true);
    expect(meetsTarget(bigIntToLe(1001n), t)).toBe(false);
    expect(meetsTarget(bigIntToLe(1n << 200n), bigIntToLe(1n << 201n))).toBe(true);
  });
  it('BIP34 height pushes', () => {
    expect([...bip34HeightPush(1)]).toEqual([0x51]);
    expect([...bip34HeightPush(16)]).toEqual([0x60]);
    expect([...bip34HeightPush(17)]).toEqual([0x01, 0x11]);
    expect([...bip34HeightPush(128)]).toEqual([0x02, 0x80, 0x00]);
    expect([...bip34HeightPush(227931)]).toEqual([0x03, 0x5b, 0x7a, 0x03]); // BIP34 activation height on mainnet
    expect(sha256d(new Uint8Array(0)).length).toBe(32);
  });
});
