// Records a Noise NX transcript between ESP-Miner's SV2 initiator (the harness built by
// build.sh, run as a child process) and hashagent's responder (dist/sv2.js, `npm run build`):
//   node gen.mjs HARNESS > ../noise-esp-miner.json
// Every key and random byte is fixed below, so the run is reproducible. ESP-Miner writes act 1
// and the first encrypted frame; it accepts (decrypts, verifies the certificate of) act 2 and
// decrypts the frame hashagent sends back.
import { spawn } from 'node:child_process';
import { schnorr } from '@noble/curves/secp256k1.js';
import { NoiseResponder } from '../../../dist/sv2.js';

const hex = (b) => Buffer.from(b).toString('hex');
const fill = (byte) => new Uint8Array(32).fill(byte);
const K = {
  authoritySecret: 'b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef', // BIP340 test vector 1's key
  responderStatic: hex(fill(0x11)),
  responderEphemeral: hex(fill(0x22)),
  responderEncodingRandomness: hex(fill(0x33)),
  responderSignatureRandomness: hex(fill(0x77)), // BIP340 aux_rand of the certificate's signature
  initiatorContextSeed: hex(fill(0x44)), // secp256k1_context_randomize: no effect on any output
  initiatorEphemeral: hex(fill(0x55)),
  initiatorEncodingRandomness: hex(fill(0x66)),
  now: 1_760_000_000,
  certValiditySeconds: 3600,
};
// sv2-tp src/test/sv2_messages_tests.cpp: the 82-byte SetupConnection, with its header.
const clientFrame = '000000520000' + '02020002000100000007302e302e302e306121074269746d61696e085339692031332e351c62726169696e732d6f732d323031382d30392d32322d312d6861736810736f6d652d6465766963652d75756964';
// SetupConnection.Success { used_version 2, flags 3 } (sv2-tp Sv2SetupConnectionSuccess_test).
const serverFrame = { extensionType: 0, channelMsg: false, msgType: 0x01, payload: Uint8Array.from(Buffer.from('020003000000', 'hex')) };

const b = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const authorityX = schnorr.getPublicKey(b(K.authoritySecret));
const child = spawn(process.argv[2], [K.initiatorContextSeed + K.initiatorEphemeral + K.initiatorEncodingRandomness, hex(authorityX), clientFrame], { stdio: ['pipe', 'pipe', 'pipe'] });
let err = '';
child.stderr.on('data', (d) => (err += d));
let buf = Buffer.alloc(0);
const waiters = [];
child.stdout.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  while (waiters.length && buf.length >= waiters[0].n) {
    const w = waiters.shift();
    w.resolve(Uint8Array.from(buf.subarray(0, w.n)));
    buf = buf.subarray(w.n);
  }
});
const read = (n) => new Promise((resolve) => (waiters.push({ n, resolve }), child.stdout.emit('data', Buffer.alloc(0))));

const act1 = await read(64);
const responder = new NoiseResponder({
  authoritySecret: b(K.authoritySecret), staticSecret: b(K.responderStatic), ephemeralSecret: b(K.responderEphemeral),
  encodingRandomness: b(K.responderEncodingRandomness), signatureRandomness: b(K.responderSignatureRandomness), now: () => K.now, certValiditySeconds: K.certValiditySeconds,
});
const { reply: act2, session } = responder.act2(act1);
child.stdin.write(act2);
const firstFrame = await read(22 + 82 + 16);
const got = session.decode(firstFrame);
if (got.length !== 1 || got[0].msgType !== 0 || hex(got[0].payload) !== clientFrame.slice(12)) throw new Error('hashagent did not decrypt the frame ESP-Miner sent');
const reply = session.encode(serverFrame);
child.stdin.write(reply);
child.stdin.end();
const code = await new Promise((r) => child.on('exit', r));
const recv = /RECV (\w+) (\w*)/.exec(err);
if (code !== 0 || !/HANDSHAKE OK/.test(err) || !/Server certificate verified OK/.test(err) || !recv) throw new Error(`ESP-Miner's side failed (exit ${code}):\n${err}`);
if (recv[1] !== '000001060000' || recv[2] !== '020003000000') throw new Error(`ESP-Miner decrypted ${recv[1]} ${recv[2]}`);
console.log(JSON.stringify({ keys: K, authorityX: hex(authorityX), act1: hex(act1), act2: hex(act2), clientFrame, clientFrameEncrypted: hex(firstFrame), serverFrame: '000001060000020003000000', serverFrameEncrypted: hex(reply), initiatorLog: err.split('\n').filter((l) => /certificate|HANDSHAKE|RECV/.test(l)) }, null, 2));
