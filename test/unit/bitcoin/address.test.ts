// BIP173 and BIP350 test vectors (valid addresses with their scriptPubKeys, and invalid ones),
// plus base58 P2PKH/P2SH from the genesis coinbase key and BIP13's example.
import { describe, expect, it } from 'vitest';
import { addressToScript, AddressError } from '../../../agent/bitcoin/address.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('segwit addresses', () => {
  // BIP350 "Test vectors for v0-v16 native segregated witness addresses" (valid, mainnet/testnet)
  const valid: [string, 'mainnet' | 'testnet', string][] = [
    ['BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', 'mainnet', '0014751e76e8199196d454941c45d1b3a323f1433bd6'],
    ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'testnet', '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262'],
    ['bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y', 'mainnet', '5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6'],
    ['BC1SW50QGDZ25J', 'mainnet', '6002751e'],
    ['bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', 'mainnet', '5210751e76e8199196d454941c45d1b3a323'],
    ['tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy', 'testnet', '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
    ['tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c', 'testnet', '5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
    ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', 'mainnet', '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'],
  ];
  for (const [addr, net, script] of valid) {
    it(`valid: ${addr.slice(0, 24)}…`, () => expect(hex(addressToScript(addr, net))).toBe(script));
  }
  // BIP350 invalid addresses (wrong checksum variant, bad version, padding, lengths, mixed case)
  const invalid = [
    'tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut', // invalid human-readable part
    'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', // bech32 checksum instead of bech32m
    'tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf', // bech32 checksum instead of bech32m
    'BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL', // bech32 checksum instead of bech32m
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', // bech32m checksum instead of bech32
    'tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47', // bech32m checksum instead of bech32
    'bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4', // invalid character in checksum
    'BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R', // invalid witness version
    'bc1pw5dgrnzv', // invalid program length (1 byte)
    'BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P', // invalid program length for witness v0 (16 bytes)
    'tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq', // mixed case
    'bc1gmk9yu', // empty data section
  ];
  for (const addr of invalid) {
    it(`invalid: ${addr.slice(0, 24)}…`, () => expect(() => addressToScript(addr, addr.toLowerCase().startsWith('tb') ? 'testnet' : 'mainnet')).toThrow(AddressError));
  }
});

describe('base58 addresses', () => {
  it('P2PKH of the genesis coinbase key hash and a BIP13 P2SH', () => {
    // 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa: hash160 62e907b15cbf27d5425399ebf6f0fb50ebb88f18
    expect(hex(addressToScript('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'mainnet'))).toBe('76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac');
    // BIP13 example 3P14159f73E4gFr7JterCCQh9QjiTjiZrG: script hash e9c3dd0c07aac76179ebc76a6c78d4d67c6c160a
    expect(hex(addressToScript('3P14159f73E4gFr7JterCCQh9QjiTjiZrG', 'mainnet'))).toBe('a914e9c3dd0c07aac76179ebc76a6c78d4d67c6c160a87');
    expect(() => addressToScript('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'regtest')).toThrow(/not a regtest address/);
    expect(() => addressToScript('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb', 'mainnet')).toThrow(AddressError);
  });
});
