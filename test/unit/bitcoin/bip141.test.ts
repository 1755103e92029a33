import { describe, expect, it } from 'vitest';
import { buildCoinbaseParts, concat, parseTx, serializeTx, sha256d, stripCoinbaseParts, stripWitness, hashToHex } from '../../../agent/bitcoin/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('BIP141 stripping', () => {
  // A real segwit transaction: BIP143's native P2WPKH example (signed), txid from its text.
  const signed = Uint8Array.from(Buffer.from(
    '01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeeb635711000000',
    'hex',
  ));
  it('the txid of a signed segwit transaction (BIP143 native P2WPKH example)', () => {
    const p = parseTx(signed);
    expect(p.hasWitness).toBe(true);
    expect(hashToHex(sha256d(stripWitness(signed)))).toBe('e8151a2af31c368a35053ddd4bdb285a8595c769a3ad83e0fa02314a602d4609');
    expect(hex(serializeTx(p, true))).toBe(hex(signed)); // round trip with witness
  });
  it('coinbase parts with BIP141 fields strip to the txid serialisation', () => {
    const legacy = buildCoinbaseParts({ version: 2, scriptSigPrefix: Uint8Array.of(0x03, 0x01, 0x02, 0x03), tag: new TextEncoder().encode('/x/'), extranonceSize: 8, sequence: 0xffffffff, outputs: [{ value: 5000n, script: Uint8Array.of(0x51) }], locktime: 0 });
    // The same coinbase as a witness serialisation: marker+flag after the version, witness before locktime.
    const wPrefix = concat(legacy.prefix.subarray(0, 4), Uint8Array.of(0, 1), legacy.prefix.subarray(4));
    const wSuffix = concat(legacy.suffix.subarray(0, legacy.suffix.length - 4), Uint8Array.of(1, 0x20), new Uint8Array(32), legacy.suffix.subarray(legacy.suffix.length - 4));
    const s = stripCoinbaseParts(wPrefix, wSuffix);
    expect(s.stripped).toBe(true);
    expect(hex(s.prefix)).toBe(hex(legacy.prefix));
    expect(hex(s.suffix)).toBe(hex(legacy.suffix));
    const en = new Uint8Array(8).fill(7);
    expect(hex(sha256d(stripWitness(concat(wPrefix, en, wSuffix))))).toBe(hex(sha256d(concat(legacy.prefix, en, legacy.suffix))));
    expect(stripCoinbaseParts(legacy.prefix, legacy.suffix).stripped).toBe(false);
  });
});
