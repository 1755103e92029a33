// Hostile peers against the pool: each offender is closed with a logged reason while an honest
// CPU miner keeps mining; and 1,000 concurrent clients on one pool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { Pool } from '../../agent/roles/pool/pool.js';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { connectNoise } from '../../agent/net/noise-socket.js';
import type { FrameConnection } from '../../agent/net/frame-connection.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { messageFrame } from '../../agent/sv2/codec.js';
import { OpenStandardMiningChannel, SetupConnection, SubmitSharesStandard } from '../../agent/sv2/messages/index.js';
import { MAX_TARGET_LE } from '../../agent/bitcoin/index.js';

const authority = generateAuthorityKeyPair();
const logs: string[] = [];
let pool: Pool;
let port: number;
let honest: CpuMiner;

beforeAll(async () => {
  pool = new Pool({
    host: '127.0.0.1', port: 0, authoritySecret: authority.secretKey, certValiditySeconds: 3600, source: new EmbeddedChain({ nbits: 0x1f00ffff }),
    payoutScript: Uint8Array.of(0x51), coinbaseTag: '/t/', serverId: 1, sharesPerMinute: 600, shareBatchSize: 1,
    maxConnections: 2000, maxChannelsPerConnection: 2, maxFramesPerSecond: 200, log: (l) => logs.push(l),
  });
  port = await pool.start();
  honest = new CpuMiner({ pools: [{ host: '127.0.0.1', port, authorityKey: authority.publicKey }], user: 'honest', channel: 'extended', nominalHashrate: 100_000, sliceSize: 1000 });
  await honest.start();
}, 30_000);
afterAll(async () => {
  honest.stop();
  await pool.stop();
});

const setupMsg = () =>
  messageFrame(SetupConnection, { protocol: 0, min_version: 2, max_version: 2, flags: 1, endpoint_host: '', endpoint_port: 0, vendor: '', hardware_version: '', firmware: '', device_id: '' });

function closed(c: FrameConnection): Promise<Error | null> {
  return new Promise((r) => (c.isClosed ? r(null) : c.once('close', r)));
}

async function raw(bytes: Uint8Array): Promise<void> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => {}); // the pool resets the connection: expected
  s.resume(); // read (and drop) act 2, so the close is seen
  await new Promise((r) => s.once('connect', r));
  s.write(bytes);
  await new Promise((r) => s.once('close', r));
}

async function logged(re: RegExp): Promise<void> {
  for (let i = 0; i < 100 && !logs.some((l) => re.test(l)); i++) await new Promise((r) => setTimeout(r, 20));
  expect(logs.some((l) => re.test(l)), `a log line matching ${re}`).toBe(true);
}

describe('hostile peers', () => {
  it('garbage after the handshake: closed on the first MAC failure', async () => {
    await raw(Uint8Array.from({ length: 64 + 200 }, (_, i) => (i * 97) & 0xff));
    await logged(/closed: message authentication failed/);
  });
  it('an oversized declared length: closed before any payload is read', async () => {
    const c = await connectNoise({ host: '127.0.0.1', port, authorityKey: authority.publicKey });
    c.send({ extensionType: 0, channelMsg: false, msgType: 0, payload: new Uint8Array(100_000) });
    await closed(c);
    await logged(/closed: frame declares 100000 payload bytes/);
  });
  it('valid frames out of order: a channel before SetupConnection', async () => {
    const c = await connectNoise({ host: '127.0.0.1', port, authorityKey: authority.publicKey });
    c.send(messageFrame(OpenStandardMiningChannel, { request_id: 1, user_identity: 'x', nominal_hash_rate: 1, max_target: MAX_TARGET_LE }));
    await closed(c);
    await logged(/expected SetupConnection first, got OpenStandardMiningChannel/);
  });
  it('a share flood: closed past the frame rate limit', async () => {
    const c = await connectNoise({ host: '127.0.0.1', port, authorityKey: authority.publicKey });
    c.send(setupMsg());
    for (let i = 0; i < 1000; i++) c.send(messageFrame(SubmitSharesStandard, { channel_id: 1, sequence_number: i, job_id: 1, nonce: i, ntime: 0, version: 0 }));
    await closed(c);
    await logged(/more than 200 frames per second/);
  });
  it('the honest miner is unaffected', async () => {
    const before = pool.shares.accepted.get();
    for (let i = 0; i < 200 && pool.shares.accepted.get() < before + 5; i++) await new Promise((r) => setTimeout(r, 50));
    expect(pool.shares.accepted.get()).toBeGreaterThanOrEqual(before + 5);
    expect(pool.shares.rejected.get()).toBe(0);
  });
});

describe('scale', () => {
  it('1,000 concurrent client connections, each with an open channel', async () => {
    const conns: FrameConnection[] = [];
    const N = 1000;
    for (let i = 0; i < N; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, N - i) }, () => connectNoise({ host: '127.0.0.1', port, authorityKey: authority.publicKey, timeoutMs: 60_000 })));
      for (const c of batch) {
        c.send(setupMsg());
        c.send(messageFrame(OpenStandardMiningChannel, { request_id: 1, user_identity: 'many', nominal_hash_rate: 1, max_target: MAX_TARGET_LE }));
      }
      conns.push(...batch);
    }
    for (let i = 0; i < 200 && pool.channelCount < N + 1; i++) await new Promise((r) => setTimeout(r, 50));
    expect(pool.channelCount).toBe(N + 1); // + the honest miner
    expect(conns.every((c) => !c.isClosed)).toBe(true);
    for (const c of conns) c.close();
  }, 120_000);
});
