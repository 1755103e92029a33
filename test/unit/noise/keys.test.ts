import { describe, expect, it } from 'vitest';
import {
  decodeAuthorityPublicKey,
  decodeSecretKey,
  encodeAuthorityPublicKey,
  encodeSecretKey,
  formatPoolUrl,
  generateAuthorityKeyPair,
  parsePoolUrl,
  publicKeyOf,
} from '../../../agent/sv2/keys.js';
import { Sv2Error } from '../../../agent/sv2/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('authority keys', () => {
  it('spec 04 §4.7.1 example public key', () => {
    const x = decodeAuthorityPublicKey('9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh');
    expect(hex(x)).toBe('76637000979c1c11af0c300bcd8c7fe48610fce9b9c11e3daee35ae0b08a7455');
    expect(encodeAuthorityPublicKey(x)).toBe('9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh');
  });
  // stratum-mining/stratum v1.5.0 utils/key-utils/src/lib.rs tests
  it('key-utils pair: the secret derives the public key', () => {
    const secret = decodeSecretKey('zmBEmPhqo3A92FkiLVvyCz6htc3e53ph3ZbD4ASqGaLjwnFLi');
    expect(encodeAuthorityPublicKey(publicKeyOf(secret))).toBe('9bDuixKmZqAJnrmP746n8zU1wyAQRrus7th9dxnkPg6RzQvCnan');
    expect(encodeSecretKey(secret)).toBe('zmBEmPhqo3A92FkiLVvyCz6htc3e53ph3ZbD4ASqGaLjwnFLi');
  });
  it('key-utils bad keys: checksum, version, length', () => {
    const err = (s: string) => {
      try {
        decodeAuthorityPublicKey(s);
      } catch (e) {
        return e as Sv2Error;
      }
      return null;
    };
    expect(err('9bDuixKmZqAJnrmP746n8zU1wyAQRrus7th9dxnkPg6RzQvCnam')?.message).toMatch(/base58check/);
    expect(err('2myPhc5vkPzuC5FXNK5tee79WmP7uoLh55SxezoF8iqwF3E3rnPY')?.message).toMatch(/version 12/);
    expect(err('2wmHTKZkLg2QzXyEXGMBXzKP7JXDUt8yy9SA5hoQwERc92qR6c')?.message).toMatch(/33/);
    // Legacy unversioned key from a Braiins example (sv2-protocol digest §3.5).
    expect(err('u95GEReVMjK6k5YqiSFNqqTnKU4ypU2Wm8awa6tmbmDmk1bWt')?.message).toMatch(/legacy/);
    expect(err('not base58 0OIl')?.code).toBe('key');
  });
  it('generated pairs round-trip', () => {
    const k = generateAuthorityKeyPair();
    expect(hex(decodeAuthorityPublicKey(encodeAuthorityPublicKey(k.publicKey)))).toBe(hex(k.publicKey));
    expect(hex(decodeSecretKey(encodeSecretKey(k.secretKey)))).toBe(hex(k.secretKey));
  });
});

describe('pool URLs', () => {
  const key = '9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh';
  it('parses DNS names, IPv4 and IPv6 with a key', () => {
    expect(parsePoolUrl(`stratum2+tcp://pool.example.com:34254/${key}`)).toMatchObject({ scheme: 'stratum2+tcp', host: 'pool.example.com', port: 34254 });
    const v6 = parsePoolUrl(`stratum2+tcp://[::1]:3333/${key}`);
    expect(v6.host).toBe('::1');
    expect(formatPoolUrl(v6)).toBe(`stratum2+tcp://[::1]:3333/${key}`);
    expect(hex(parsePoolUrl(`stratum2+tcp://10.0.0.1:3333/${key}`).authorityKey!)).toBe('76637000979c1c11af0c300bcd8c7fe48610fce9b9c11e3daee35ae0b08a7455');
    expect(parsePoolUrl('stratum+tcp://solo.ckpool.org:3333')).toMatchObject({ scheme: 'stratum+tcp', authorityKey: null });
    expect(parsePoolUrl('stratum2+tcp://127.0.0.1:34254').authorityKey).toBeNull();
    for (const h of ['[2001:db8::8a2e:370:7334]', '[::]', '[1:2:3:4:5:6:7:8]', '[::ffff:192.0.2.1]', 'a-b.c0.example.', 'localhost']) {
      expect(formatPoolUrl(parsePoolUrl(`stratum2+tcp://${h}:1/${key}`)), h).toBe(`stratum2+tcp://${h}:1/${key}`);
    }
  });
  it('rejects malformed URLs with typed errors', () => {
    for (const bad of [
      'http://x:1', 'stratum2+tcp://host', 'stratum2+tcp://host:99999/' + key, 'stratum2+tcp://host:0', `stratum+tcp://h:1/${key}`, 'stratum2+tcp://h:1/notakey',
      'stratum2+tcp://256.1.1.1:3333', 'stratum2+tcp://1.2.3:3333', 'stratum2+tcp://ho$t:3333', 'stratum2+tcp://-bad.example:3333',
      'stratum2+tcp://[1::2::3]:3333', 'stratum2+tcp://[12345::1]:3333', 'stratum2+tcp://[1:2:3:4:5:6:7]:3333', 'stratum2+tcp://::1:3333',
    ]) {
      let err: unknown;
      try {
        parsePoolUrl(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(Sv2Error);
      // A malformed URL is a 'url' error; a well-formed URL with a bad key is a 'key' error.
      expect((err as Sv2Error).code, bad).toBe(bad.endsWith('/notakey') ? 'key' : 'url');
    }
  });
});
