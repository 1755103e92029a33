import { describe, expect, it } from 'vitest';
import { NoiseInitiator, NoiseResponder, ACT1_SIZE, ACT2_SIZE } from '../../../agent/sv2/noise/handshake.js';
import { NoiseSession, ENCRYPTED_HEADER_SIZE, encryptedPayloadLength } from '../../../agent/sv2/encrypted-framing.js';
import { generateAuthorityKeyPair } from '../../../agent/sv2/keys.js';
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
    expect(init.certificate!.not_valid_after - init.certificate!.valid_from).toBe(3600);
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
    const { init, resp } = pair();
    const { reply } = resp.act2(init.act1());
    const client = init.act2(reply);
    const r2 = new NoiseResponder({ authoritySecret: authority.secretKey, now: () => NOW });
    void r2;
    // A server session with a small limit: build it from a fresh handshake with maxPayload.
    const i2 = new NoiseInitiator({ authorityKey: authority.publicKey, now: () => NOW });
    const s2 = new NoiseResponder({ authoritySecret: authority.secretKey, now: () => NOW, maxPayload: 1000 });
    const { reply: rep2, session: small } = s2.act2(i2.act1());
    const c2 = i2.act2(rep2);
    const wire = c2.encode(frame(5000));
    const err = (() => {
      try {
        small.decode(wire.subarray(0, ENCRYPTED_HEADER_SIZE));
      } catch (e) {
        return e as Sv2Error;
      }
      return null;
    })();
    expect(err?.code).toBe('frame-too-large');
    expect(() => small.decode(new Uint8Array(1))).toThrow(/session ended/);
    expect(client).toBeInstanceOf(NoiseSession);
  });
});

describe('tampering', () => {
  it('every single-bit flip of act 2 is rejected by the initiator', () => {
    const { init: base, resp } = pair();
    const a1 = base.act1();
    const { reply } = resp.act2(a1);
    // Replay the same act 2 against initiators in the same state: reuse the ephemeral secret.
    const eph = (base as unknown as { e: Uint8Array }).e;
    let rejected = 0;
    for (let bit = 0; bit < ACT2_SIZE * 8; bit++) {
      const init = new NoiseInitiator({ authorityKey: authority.publicKey, now: () => NOW, ephemeralSecret: eph });
      const a = init.act1();
      // act1 is a fresh random encoding of the same key; the transcript hash must match the
      // responder's, so feed the responder's view: rebuild with the exact act 1 bytes it saw.
      (init as unknown as { ellE: Uint8Array }).ellE = a1;
      void a;
      const bad = new Uint8Array(reply);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      try {
        init.act2(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(Sv2Error);
        rejected++;
      }
    }
    expect(rejected).toBe(ACT2_SIZE * 8);
  });
  it('every single-bit flip of act 1 makes the handshake fail at the initiator', () => {
    let failures = 0;
    const bits = ACT1_SIZE * 8;
    for (let bit = 0; bit < bits; bit++) {
      const { init, resp } = pair();
      const a1 = new Uint8Array(init.act1());
      a1[bit >> 3]! ^= 1 << (bit & 7);
      let reply: Uint8Array;
      try {
        reply = resp.act2(a1).reply; // any 64 bytes are a valid encoding: the responder cannot tell
      } catch (e) {
        expect(e).toBeInstanceOf(Sv2Error);
        failures++;
        continue;
      }
      expect(() => init.act2(reply)).toThrow(Sv2Error); // transcripts differ: the first MAC fails
      failures++;
    }
    expect(failures).toBe(bits);
  });
  it('every single-bit flip of an encrypted frame is rejected and ends the session', () => {
    const f = frame(40);
    let rejected = 0;
    const { client: c0 } = handshake();
    const len = c0.encode(f).length;
    for (let bit = 0; bit < len * 8; bit++) {
      const { client, server } = handshake();
      const wire = new Uint8Array(client.encode(f));
      wire[bit >> 3]! ^= 1 << (bit & 7);
      try {
        const got = server.decode(wire);
        // A flip in the length field can make the decoder wait for more bytes; it never yields a frame.
        expect(got.length).toBe(0);
        expect(server.buffered).toBeGreaterThan(0);
        rejected++;
      } catch (e) {
        expect((e as Sv2Error).code).toMatch(/auth-failed|frame-too-large/);
        expect(server.isFailed).toBe(true);
        rejected++;
      }
    }
    expect(rejected).toBe(len * 8);
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
  it('rejects a not-yet-valid certificate', () => {
    const e = attempt({ now: NOW, clientNow: NOW - 11 });
    expect(e?.code).toBe('certificate');
    expect(e?.message).toMatch(/not yet valid/);
  });
  it('rejects a certificate signed by another authority', () => {
    const e = attempt({ authorityKey: generateAuthorityKeyPair().publicKey });
    expect(e?.code).toBe('certificate');
    expect(e?.message).toMatch(/signature does not verify/);
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
