// The SV1 pieces the translator and the built-in client add: configure/set_extranonce/
// suggest_difficulty parsing, notify building, difficulty rounding, BIP310 version rebuilding.
import { describe, expect, it } from 'vitest';
import { DIFF1, difficultyToTarget } from '../../../agent/bitcoin/index.js';
import {
  MAX_DIFFICULTY, Sv1Error, advertisedDifficulty, difficultyShareTarget, notifyParams, parseConfigureResult, parseNotify, parseSetDifficulty, parseSetExtranonce, parseSuggestDifficulty,
} from '../../../agent/sv1/index.js';
import { rolledVersion } from '../../../agent/roles/translator/sv1-share.js';
import { truncateUtf8 } from '../../../agent/upstream/sv2-upstream.js';

describe('SV1 parsing the translator and client add', () => {
  it('configure results: granted mask, refused, not an object', () => {
    expect(parseConfigureResult({ 'version-rolling': true, 'version-rolling.mask': '1fffe000' })).toEqual({ versionRollingMask: 0x1fffe000 });
    expect(parseConfigureResult({ 'version-rolling': false })).toEqual({ versionRollingMask: null });
    expect(parseConfigureResult({ 'version-rolling': 'error' })).toEqual({ versionRollingMask: null });
    expect(() => parseConfigureResult([true])).toThrow(Sv1Error);
  });
  it('set_extranonce: size as number or string, bounded', () => {
    expect(parseSetExtranonce(['abc', '4'])).toEqual({ extranonce1: Uint8Array.of(0x0a, 0xbc), extranonce2Size: 4 });
    expect(() => parseSetExtranonce(['00', 0])).toThrow(Sv1Error);
    expect(() => parseSetExtranonce(['00'.repeat(33), 4])).toThrow(/over 32 bytes/);
  });
  it('difficulties: huge, negative and non-numeric values are refused, never overflow', () => {
    expect(() => parseSetDifficulty([1e308])).toThrow(Sv1Error);
    expect(parseSetDifficulty([MAX_DIFFICULTY])).toBe(MAX_DIFFICULTY);
    expect(difficultyToTarget(MAX_DIFFICULTY)).toBeGreaterThan(0n);
    expect(parseSuggestDifficulty('mining.suggest_difficulty', [1e308])).toBeNull();
    expect(parseSuggestDifficulty('mining.suggest_difficulty', ['2048'])).toBe(2048);
    expect(parseSuggestDifficulty('mining.suggest_difficulty(1234)', [])).toBe(1234); // ckpool's legacy form
    expect(parseSuggestDifficulty('mining.suggest_difficulty', [-1])).toBeNull();
  });
});

describe('what the translator sends', () => {
  it('advertised difficulty: a power of two from 1 up (the reference rounding table), the float below', () => {
    for (const [d, want] of [[2.1, 2], [3.9, 2], [10_000, 8192], [12_500, 8192], [20_000, 16_384], [50_000, 32_768], [65_536, 65_536], [100_000, 65_536]] as const) {
      expect(advertisedDifficulty(difficultyToTarget(d))).toBe(want);
    }
    expect(advertisedDifficulty(difficultyToTarget(0.001))).toBeCloseTo(0.001, 6);
    expect(difficultyShareTarget(8192)).toBe(DIFF1 >> 13n);
  });
  it('notify params round-trip through the parser (prevhash word order, BE hex u32s)', () => {
    const prevHash = Uint8Array.from({ length: 32 }, (_, i) => i);
    const job = { prevHash, coinbase1: Uint8Array.of(1, 2), coinbase2: Uint8Array.of(3), merklePath: [new Uint8Array(32).fill(7)], version: 0x20000000, nbits: 0x1703a30c, ntime: 0x68f7c2c0 };
    const p = notifyParams('42#1', job, true);
    expect(p[1]).toBe('03020100070605040b0a09080f0e0d0c13121110171615141b1a19181f1e1d1c');
    const n = parseNotify(p);
    expect(n).toMatchObject({ jobId: '42#1', version: 0x20000000, nbits: 0x1703a30c, ntime: 0x68f7c2c0, cleanJobs: true });
    expect([...n.merkleBranches[0]!]).toEqual([...job.merklePath[0]!]);
  });
  it('BIP310 version: rolled bits within the mask; a full version with the same fixed bits is tolerated', () => {
    expect(rolledVersion(0x20000000, null, 0x1fffe000)).toBe(0x20000000);
    expect(rolledVersion(0x20000000, 0x00002000, 0x1fffe000)).toBe(0x20002000);
    expect(rolledVersion(0x20000000, 0x20004000, 0x1fffe000)).toBe(0x20004000);
    expect(rolledVersion(0x20000000, 0x00000001, 0x1fffe000)).toBeNull();
    expect(rolledVersion(0x20000000, 0x00002000, 0)).toBeNull();
  });
  it('user identities are cut to 32 bytes of UTF-8 on a character boundary', () => {
    expect(truncateUtf8('a'.repeat(40), 32)).toBe('a'.repeat(32));
    expect(new TextEncoder().encode(truncateUtf8('€'.repeat(20), 32)).length).toBe(30);
    expect(truncateUtf8('rig1', 32)).toBe('rig1');
  });
});
