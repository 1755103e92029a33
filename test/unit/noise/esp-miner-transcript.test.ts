// Noise NX against an implementation we did not write: a transcript recorded with ESP-Miner's
// SV2 initiator (sv2_noise.c, mbedtls + libsecp256k1; see test/vectors/README.md for how). A
// mistake on both of our sides at once (MixHash order, HKDF split or key order, certificate
// layout, nonce encoding) passes our initiator-against-responder tests but not these.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NoiseInitiator, NoiseResponder } from '../../../agent/sv2/noise/handshake.js';
import { signCertificate } from '../../../agent/sv2/noise/certificate.js';
import { xOnlyPublicKey } from '../../../agent/sv2/noise/ellswift.js';
import { hexToBytes, bytesToHex } from '../../support/vectors.js';

const T = JSON.parse(readFileSync(new URL('../../vectors/noise-esp-miner.json', import.meta.url), 'utf8')) as {
  keys: Record<string, string> & { now: number; certValiditySeconds: number };
  authorityX: string; act1: string; act2: string;
  clientFrame: string; clientFrameEncrypted: string; serverFrame: string; serverFrameEncrypted: string;
};
const K = T.keys;
const key = (name: string) => hexToBytes(K[name]!);

function initiator(): NoiseInitiator {
  return new NoiseInitiator({ authorityKey: hexToBytes(T.authorityX), now: () => K.now, ephemeralSecret: key('initiatorEphemeral'), encodingRandomness: key('initiatorEncodingRandomness') });
}
function responder(): NoiseResponder {
  return new NoiseResponder({
    authoritySecret: key('authoritySecret'), staticSecret: key('responderStatic'), ephemeralSecret: key('responderEphemeral'),
    encodingRandomness: key('responderEncodingRandomness'), signatureRandomness: key('responderSignatureRandomness'), now: () => K.now,
    // The transcript's certificate starts at `now` (made before the pool backdated its certificates).
    certBackdateSeconds: 0,
    certValiditySeconds: K.certValiditySeconds,
  });
}
const clientFrame = { extensionType: 0, channelMsg: false, msgType: 0x00, payload: hexToBytes(T.clientFrame.slice(12)) };
const serverFrame = { extensionType: 0, channelMsg: false, msgType: 0x01, payload: hexToBytes(T.serverFrame.slice(12)) };

describe('Noise NX known-answer transcript (ESP-Miner sv2_noise.c as initiator)', () => {
  it('our initiator, given ESP-Miner\'s ephemeral key and randomness, sends its act 1 byte for byte', () => {
    expect(bytesToHex(initiator().act1())).toBe(T.act1);
  });
  it('our initiator accepts the act 2 ESP-Miner accepted, and encrypts the first frame as ESP-Miner did', () => {
    const init = initiator();
    init.act1();
    const session = init.act2(hexToBytes(T.act2));
    expect(init.certificate).toMatchObject({ version: 0, valid_from: K.now, not_valid_after: K.now + K.certValiditySeconds });
    // The certificate is our certificate code's output for these keys, signature included.
    const cert = signCertificate(key('authoritySecret'), init.remoteStaticX!, K.now, K.now + K.certValiditySeconds, 0, key('responderSignatureRandomness'));
    expect(bytesToHex(init.certificate!.signature)).toBe(bytesToHex(cert.signature));
    expect(bytesToHex(init.remoteStaticX!)).toBe(bytesToHex(xOnlyPublicKey(key('responderStatic'))));
    expect(bytesToHex(session.encode(clientFrame))).toBe(T.clientFrameEncrypted);
    // And the server's reply that ESP-Miner decrypted to SetupConnection.Success.
    const got = session.decode(hexToBytes(T.serverFrameEncrypted));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ msgType: 0x01, extensionType: 0 });
    expect(bytesToHex(got[0]!.payload)).toBe('020003000000');
  });
  it('our responder answers ESP-Miner\'s act 1 with the same keys and decrypts its first frame', () => {
    const { reply, session } = responder().act2(hexToBytes(T.act1));
    // Every byte, the certificate included: ESP-Miner checked its BIP340 signature with libsecp256k1.
    expect(bytesToHex(reply)).toBe(T.act2);
    const got = session.decode(hexToBytes(T.clientFrameEncrypted));
    expect(got).toHaveLength(1);
    expect(bytesToHex(got[0]!.payload)).toBe(T.clientFrame.slice(12));
    expect(bytesToHex(session.encode(serverFrame))).toBe(T.serverFrameEncrypted);
  });
  it('a single flipped bit in ESP-Miner\'s act 2 or frame is refused', () => {
    const init = initiator();
    init.act1();
    const bad = hexToBytes(T.act2);
    bad[100]! ^= 1;
    expect(() => init.act2(bad)).toThrow();
    const ok = initiator();
    ok.act1();
    const session = ok.act2(hexToBytes(T.act2));
    const frame = hexToBytes(T.serverFrameEncrypted);
    frame[frame.length - 1]! ^= 1;
    expect(() => session.decode(frame)).toThrow();
  });
});
