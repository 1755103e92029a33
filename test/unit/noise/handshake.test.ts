import { describe, expect, it } from 'vitest';
import { NoiseInitiator, NoiseResponder, ACT1_SIZE, ACT2_SIZE } from '../../../agent/sv2/noise/handshake.js';
import { NoiseSession, ENCRYPTED_HEADER_SIZE, encryptedPayloadLength } from '../../../agent/sv2/encrypted-framing.js';
import { generateAuthorityKeyPair } from '../../../agent/sv2/keys.js';
import { CipherState } from '../../../agent/sv2/noise/cipher-state.js';
import { ExactBytes } from '../../../agent/sv2/noise/collect.js';
import { signCertificate, verifyCertificate } from '../../../agent/sv2/noise/certificate.js';
import { Sv2Error } from '../../../agent/sv2/errors.js';
import type { Frame } from '../../../agent/sv2/framing.js';

const NOW = 1_760_000_000;
const authority = generateAuthorityKeyPair();

function pair(opts: { now?: number; clientNow?: number; validity?: number; authorityKey?: Uint8Array } = {}) {
  const init = new NoiseInitiator({ authorityKey: opts.authorityKey ?? authority.publicKey, now: () => opts.clientNow ?? NOW });
  const resp = new NoiseResponder({ authoritySecret: authority.secretKey, now: () => opts.now ?? NOW, certValiditySeconds: opts.validity ?? 3600 });
  return { init, resp };
}

function handshake() {
  const { init, resp } = pair();
  const a1 = init.act1();
  const { reply, session: server } = resp.act2(a1);
  const client = init.act2(reply);
  return { client, server, init };
}

const frame = (n: number, type = 0x1a): Frame => ({ extensionType: 0, channelMsg: true, msgType: type, payload: Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff) });

function sameFrame(a: Frame, b: Frame) {
  expect(a.msgType).toBe(b.msgType);
  expect(a.channelMsg).toBe(b.channelMsg);
  expect(a.extensionType).toBe(b.extensionType);
  expect(Buffer.from(a.payload).equals(Buffer.from(b.payload))).toBe(true);
}

describe('NX handshake', () => {
  it('acts are 64 and 234 bytes; both sides get working sessions', () => {
    const { init, resp } = pair();
    const a1 = init.act1();
    expect(a1.length).toBe(ACT1_SIZE);
    const { reply, session: server } = resp.act2(a1);
    expect(reply.length).toBe(ACT2_SIZE);
    const client = init.act2(reply);
    // Valid from an hour before the server's clock to the configured lifetime after it.
    expect(init.certificate!.valid_from).toBe(NOW - 3600);
    expect(init.certificate!.not_valid_after).toBe(NOW + 3600);
    for (const n of [0, 1, 24, 65_519, 65_520, 200_000]) {
      const f = frame(n);
      const wire = client.encode(f);
      expect(wire.length).toBe(ENCRYPTED_HEADER_SIZE + encryptedPayloadLength(n));
      const got = server.decode(wire);
      expect(got.length).toBe(1);
      sameFrame(got[0]!, f);
      const back = client.decode(server.encode(f));
      sameFrame(back[0]!, f);
    }
  });
  it('header-only frame for an empty payload, and wire sizes from the digest (§2.2)', () => {
    const { client } = handshake();
    expect(client.encode(frame(0)).length).toBe(22);
    expect(client.encode(frame(24)).length).toBe(62);
    expect(client.encode(frame(65_519)).length).toBe(65_557);
    expect(client.encode(frame(65_520)).length).toBe(65_574);
  });
  it('the decoder accepts one byte at a time and many frames per chunk', () => {
    const { client, server } = handshake();
    const frames = [frame(0), frame(5), frame(70_000), frame(3), frame(0)];
    const wire = Buffer.concat(frames.map((f) => client.encode(f)));
    const got: Frame[] = [];
    for (let i = 0; i < wire.length; i += i < 200 ? 1 : 4099) got.push(...server.decode(wire.subarray(i, i < 200 ? i + 1 : i + 4099)));
    expect(got.length).toBe(frames.length);
    got.forEach((g, i) => sameFrame(g, frames[i]!));
    const again = Buffer.concat(frames.map((f) => client.encode(f)));
    const all = server.decode(again);
    expect(all.length).toBe(frames.length);
  });
  it('refuses an oversized declared length right after the header, before the body', () => {
    const init = new NoiseInitiator({ authorityKey: authority.publicKey, now: () => NOW });
    const resp = new NoiseResponder({ authoritySecret: authority.secretKey, now: () => NOW, maxPayload: 1000 });
    const { reply, session: small } = resp.act2(init.act1());
    const client = init.act2(reply);
    const wire = client.encode(frame(5000));
    let err: Sv2Error | null = null;
    try {
      small.decode(wire.subarray(0, ENCRYPTED_HEADER_SIZE)); // only the header: nothing buffered yet
    } catch (e) {
      err = e as Sv2Error;
    }
    expect(err?.code).toBe('frame-too-large');
    expect(err?.message).toMatch(/5000 payload bytes, limit is 1000/);
    expect(() => small.decode(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'session-closed' }));
    // Within the limit it is fine, and encryptFrame is the same as encode.
    const init2 = new NoiseInitiator({ authorityKey: authority.publicKey, now: () => NOW });
    const resp2 = new NoiseResponder({ authoritySecret: authority.secretKey, now: () => NOW, maxPayload: 1000 });
    const r2 = resp2.act2(init2.act1());
    const c2 = init2.act2(r2.reply);
    sameFrame(r2.session.decode(c2.encryptFrame(frame(1000)))[0]!, frame(1000));
  });
});

describe('tampering', () => {
  // Fixed secrets and encoding randomness make both acts reproducible, so every flipped copy is
  // checked against an initiator in exactly the state the untouched run had.
  const eI = new Uint8Array(32).fill(0x11);
  const rnd = new Uint8Array(32).fill(0x22);
  const initiator = () => new NoiseInitiator({ authorityKey: authority.publicKey, now: () => NOW, ephemeralSecret: eI, encodingRandomness: rnd });
  const responder = () =>
    new NoiseResponder({ authoritySecret: authority.secretKey, now: () => NOW, ephemeralSecret: new Uint8Array(32).fill(0x33), staticSecret: new Uint8Array(32).fill(0x44), encodingRandomness: rnd });
  const flip = (b: Uint8Array, bit: number) => {
    const c = new Uint8Array(b);
    c[bit >> 3]! ^= 1 << (bit & 7);
    return c;
  };
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(Sv2Error);
      return (e as Sv2Error).code;
    }
    return 'accepted';
  };

  it('the fixed acts are reproducible and the untouched handshake succeeds', () => {
    const a1 = initiator().act1();
    expect(Buffer.from(initiator().act1()).equals(Buffer.from(a1))).toBe(true);
    const reply = responder().act2(a1).reply;
    const init = initiator();
    init.act1();
    expect(codeOf(() => init.act2(reply))).toBe('accepted');
  });

  it('every single-bit flip of act 2 (234×8) fails the MAC at the initiator, which then refuses further use', () => {
    const a1 = initiator().act1();
    const reply = responder().act2(a1).reply;
    const codes = new Map<string, number>();
    for (let bit = 0; bit < ACT2_SIZE * 8; bit++) {
      const init = initiator();
      init.act1();
      const code = codeOf(() => init.act2(flip(reply, bit)));
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (bit % 97 === 0) expect(codeOf(() => init.act2(reply))).toBe('session-closed');
    }
    // e_r and the encrypted static key are covered by the first MAC (h binds e_r); the
    // certificate by the second. A flip never reaches the certificate check.
    expect(Object.fromEntries(codes)).toEqual({ 'auth-failed': ACT2_SIZE * 8 });
  });

  it('every single-bit flip of act 1 (64×8): the responder cannot tell, the initiator rejects act 2', () => {
    const a1 = initiator().act1();
    let responderAccepted = 0;
    let initiatorRejected = 0;
    for (let bit = 0; bit < ACT1_SIZE * 8; bit++) {
      // Any 64 bytes are a valid ElligatorSwift encoding, so act 1 carries nothing to verify.
      const { reply } = responder().act2(flip(a1, bit));
      responderAccepted++;
      const init = initiator();
      init.act1();
      // The transcripts differ (h mixes act 1; ee uses the decoded key): the first MAC fails.
      expect(codeOf(() => init.act2(reply))).toBe('auth-failed');
      initiatorRejected++;
    }
    expect([responderAccepted, initiatorRejected]).toEqual([ACT1_SIZE * 8, ACT1_SIZE * 8]);
  });

  it('every single-bit flip of an encrypted frame is rejected and ends the session', () => {
    // Transport sessions straight from fixed keys: this is about framing, not the handshake.
    const k = new Uint8Array(32).fill(9);
    const sessions = () => ({ client: new NoiseSession(new CipherState(k), new CipherState(new Uint8Array(32))), server: new NoiseSession(new CipherState(new Uint8Array(32)), new CipherState(k)) });
    const f = frame(40);
    const wire = sessions().client.encode(f);
    expect(wire.length).toBe(22 + 56);
    expect(sessions().server.decode(wire).length).toBe(1);
    for (let bit = 0; bit < wire.length * 8; bit++) {
      const { server } = sessions();
      // The length field is inside the header ciphertext: a flip cannot change it undetected.
      const code = codeOf(() => server.decode(flip(wire, bit)));
      expect(code, `bit ${bit}`).toBe('auth-failed');
      expect(server.isFailed).toBe(true);
      expect(codeOf(() => server.decode(wire))).toBe('session-closed');
    }
  });

  it('a frame replayed or reordered fails (nonces are implicit)', () => {
    const { client, server } = handshake();
    client.encode(frame(3)); // nonce 0, never delivered
    const second = client.encode(frame(4)); // nonce 1
    expect(codeOf(() => server.decode(second))).toBe('auth-failed');
    const again = handshake();
    const x = again.client.encode(frame(3));
    again.server.decode(x);
    expect(codeOf(() => again.server.decode(x))).toBe('auth-failed');
  });
});

describe('handshake collector', () => {
  it('collects exactly N bytes from any split and returns what follows', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    for (const step of [1, 7, 64, 234, 300]) {
      const c = new ExactBytes(ACT2_SIZE);
      let got: { bytes: Uint8Array; rest: Uint8Array } | null = null;
      const rest: number[] = [];
      for (let i = 0; i < data.length; i += step) {
        const chunk = data.subarray(i, i + step);
        if (got) rest.push(...chunk);
        else {
          got = c.push(chunk);
          if (got) rest.push(...got.rest);
        }
      }
      expect(Buffer.from(got!.bytes).equals(Buffer.from(data.subarray(0, ACT2_SIZE)))).toBe(true);
      expect(rest).toEqual([...data.subarray(ACT2_SIZE)]);
      expect(() => c.push(new Uint8Array(1))).toThrow(Sv2Error);
    }
    expect(() => new ExactBytes(0)).toThrow(Sv2Error);
  });
});

describe('certificate checks', () => {
  const attempt = (o: Parameters<typeof pair>[0]) => {
    const { init, resp } = pair(o);
    const { reply } = resp.act2(init.act1());
    try {
      init.act2(reply);
      return null;
    } catch (e) {
      return e as Sv2Error;
    }
  };
  it('accepts within the 10 s leeway', () => {
    expect(attempt({ now: NOW, clientNow: NOW - 9 })).toBeNull();
    expect(attempt({ now: NOW, clientNow: NOW + 3600 + 9 })).toBeNull();
  });
  it('rejects an expired certificate', () => {
    const e = attempt({ now: NOW, clientNow: NOW + 3600 + 11 });
    expect(e?.code).toBe('certificate');
    expect(e?.message).toMatch(/expired/);
  });
  it('a client behind the server\'s clock accepts its certificate even without leeway (valid_from is backdated one hour)', () => {
    // sv2-tp's and SRI's verifiers have no leeway: a certificate valid from "now" fails a client 1 s behind.
    const init = new NoiseInitiator({ authorityKey: authority.publicKey, now: () => NOW - 1, leewaySeconds: 0 });
    const resp = new NoiseResponder({ authoritySecret: authority.secretKey, now: () => NOW });
    expect(() => init.act2(resp.act2(init.act1()).reply)).not.toThrow();
    const late = new NoiseInitiator({ authorityKey: authority.publicKey, now: () => NOW - 3599, leewaySeconds: 0 });
    expect(() => late.act2(new NoiseResponder({ authoritySecret: authority.secretKey, now: () => NOW }).act2(late.act1()).reply)).not.toThrow();
  });
  it('rejects a not-yet-valid certificate', () => {
    const e = attempt({ now: NOW, clientNow: NOW - 3600 - 11 });
    expect(e?.code).toBe('certificate');
    expect(e?.message).toMatch(/not yet valid/);
  });
  it('rejects a certificate signed by another authority', () => {
    const e = attempt({ authorityKey: generateAuthorityKeyPair().publicKey });
    expect(e?.code).toBe('certificate');
    expect(e?.message).toMatch(/signature does not verify/);
  });
  it('rejects an unknown version and a bad signature with the reason, and the initiator then refuses further use', () => {
    const staticX = new Uint8Array(32).fill(5);
    const v1 = signCertificate(authority.secretKey, staticX, NOW, NOW + 60, 1);
    expect(() => verifyCertificate(v1, staticX, authority.publicKey, NOW, 10)).toThrow(/unsupported certificate version 1/);
    const good = signCertificate(authority.secretKey, staticX, NOW, NOW + 60);
    expect(() => verifyCertificate(good, staticX, authority.publicKey, NOW, 10)).not.toThrow();
    for (const bit of [0, 255, 511]) {
      const sig = new Uint8Array(good.signature);
      sig[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => verifyCertificate({ ...good, signature: sig }, staticX, authority.publicKey, NOW, 10)).toThrow(/signature does not verify/);
    }
    const { init, resp } = pair({ clientNow: NOW + 7200 });
    const { reply } = resp.act2(init.act1());
    expect(() => init.act2(reply)).toThrow(/expired/);
    expect(() => init.act2(reply)).toThrow(expect.objectContaining({ code: 'session-closed' }));
    expect(() => signCertificate(authority.secretKey, staticX, NOW, 2 ** 32)).toThrow(/U32/);
  });
  it('refuses to start without an authority key unless insecure is set', () => {
    expect(() => new NoiseInitiator({})).toThrow(/no authority public key/);
    const init = new NoiseInitiator({ insecure: true });
    const resp = new NoiseResponder({ authoritySecret: generateAuthorityKeyPair().secretKey });
    expect(init.act2(resp.act2(init.act1()).reply)).toBeInstanceOf(NoiseSession);
  });
  it('nonce 2^64−1 is never used', () => {
    const { client } = handshake();
    (client as unknown as { encryptor: { setNonce(n: bigint): void } }).encryptor.setNonce((1n << 64n) - 2n);
    expect(() => client.encode(frame(0))).not.toThrow();
    expect(() => client.encode(frame(0))).toThrow(/session ended|exhausted/);
  });
});
