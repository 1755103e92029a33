// noise.transport.*: frames through our Noise session (encrypt + decrypt, framing included)
// against raw ChaCha20-Poly1305 of the same sizes — the faster of node:crypto and @noble/ciphers.
// noise.handshake: full NX handshakes against the sum of the primitives one handshake performs.
import { secp256k1, schnorr } from '@noble/curves/secp256k1.js';
import { NoiseInitiator, NoiseResponder } from '../../agent/sv2/noise/handshake.js';
import { nobleAead, nodeAead, smallAead } from '../../agent/sv2/noise/aead.js';
import { bip324Ecdh, ellswiftCreate, ellswiftDecode } from '../../agent/sv2/noise/ellswift.js';
import { certificateDigest } from '../../agent/sv2/noise/certificate.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import type { Frame } from '../../agent/sv2/framing.js';
import { opsPerSecond, type Bench } from './types.js';

const authority = generateAuthorityKeyPair();

function session() {
  const init = new NoiseInitiator({ authorityKey: authority.publicKey });
  const { reply, session: server } = new NoiseResponder({ authoritySecret: authority.secretKey }).act2(init.act1());
  return { client: init.act2(reply), server };
}

function transport(size: number, label: string, target: string, report: Parameters<Bench['run']>[0]) {
  const { client, server } = session();
  const frame: Frame = { extensionType: 0, channelMsg: true, msgType: 0x1b, payload: new Uint8Array(size).fill(7) };
  const ours = opsPerSecond(() => {
    const got = server.decode(client.encode(frame));
    if (got.length !== 1) throw new Error('frame lost');
  }, 1000, size > 4096 ? 10 : 100);
  const key = new Uint8Array(32).fill(1);
  const nonce = new Uint8Array(12);
  const pt = new Uint8Array(size).fill(7);
  const raw = (aead: typeof nodeAead) =>
    opsPerSecond(() => {
      const ct = aead.seal(key, nonce, new Uint8Array(0), pt);
      if (!aead.open(key, nonce, new Uint8Array(0), ct)) throw new Error('tag');
    }, 1000, size > 4096 ? 10 : 100);
  const node = raw(nodeAead);
  const noble = raw(nobleAead);
  const small = size <= 4096 ? raw(smallAead) : 0;
  const best = Math.max(node, noble);
  report({
    name: `noise.transport.${label}`,
    value: Math.round(ours),
    unit: 'frames/s (encrypt+decrypt)',
    baseline: Math.round(best),
    baseline_name: node >= noble ? 'node:crypto chacha20-poly1305' : '@noble/ciphers chacha20poly1305',
    node_crypto: Math.round(node),
    noble_ciphers: Math.round(noble),
    ...(small ? { hashagent_small: Math.round(small) } : {}),
    ratio: +(ours / best).toFixed(2),
    target,
  });
}

export const noiseBench: Bench = {
  name: 'noise',
  run(report) {
    transport(64, '64B', '>= 0.5', report);
    transport(16 * 1024, '16KiB', '>= 0.8', report);

    const hs = opsPerSecond(() => session(), 3000, 1);
    // What one handshake performs: 3 EllSwift encodings (e_i, e_r, s_r), 4 ECDHs (each decodes one
    // encoding), 2 more decodes (S_r by the initiator; e_i is decoded inside the ECDHs), 1 sign, 1 verify,
    // and the 3 random keys.
    const sk = secp256k1.utils.randomSecretKey();
    const ell = ellswiftCreate(sk);
    const msg = certificateDigest(0, 1, 2, new Uint8Array(32).fill(3));
    const sig = schnorr.sign(msg, authority.secretKey);
    const t = (fn: () => void, ms = 800) => 1 / opsPerSecond(fn, ms, 1);
    const cost =
      3 * t(() => ellswiftCreate(secp256k1.utils.randomSecretKey())) +
      4 * t(() => bip324Ecdh(sk, ell, ell, true)) +
      1 * t(() => ellswiftDecode(ell)) +
      t(() => schnorr.sign(msg, authority.secretKey)) +
      t(() => schnorr.verify(sig, msg, authority.publicKey));
    report({
      name: 'noise.handshake',
      value: +hs.toFixed(1),
      unit: 'handshakes/s',
      baseline: +(1 / cost).toFixed(1),
      baseline_name: 'sum of primitives (3 EllSwift encodings, 4 ECDH, 1 decode, sign, verify)',
      ratio: +((1 / hs) / cost).toFixed(2),
      target: '<= 1.3',
    });
  },
};
