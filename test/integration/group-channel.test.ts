// Group channels: the extended channels of one connection share jobs and prevhashes sent once on
// the group id, and shares on every member validate against them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { Pool } from '../../agent/roles/pool/pool.js';
import { connectNoise } from '../../agent/net/noise-socket.js';
import type { FrameConnection } from '../../agent/net/frame-connection.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { decodeFrame, messageFrame, type Message } from '../../agent/sv2/codec.js';
import { OpenExtendedMiningChannel, SetupConnection, SubmitSharesExtended } from '../../agent/sv2/messages/index.js';
import { MAX_TARGET_LE, buildHeader, concat, headerHash, meetsTarget, merkleRootFromPath, sha256d } from '../../agent/bitcoin/index.js';

const authority = generateAuthorityKeyPair();
const chain = new EmbeddedChain({ nbits: 0x1d00ffff, templateIntervalMs: 3_600_000 });
let pool: Pool;
let port: number;
beforeAll(async () => {
  pool = new Pool({
    host: '127.0.0.1', port: 0, authoritySecret: authority.secretKey, certValiditySeconds: 3600, source: chain,
    payoutScript: Uint8Array.of(0x51), coinbaseTag: '/g/', serverId: 1, sharesPerMinute: 6, shareBatchSize: 1,
    maxConnections: 10, maxChannelsPerConnection: 4, maxFramesPerSecond: 1000, vardiff: false,
  });
  port = await pool.start();
});
afterAll(() => pool.stop());

describe('group channel', () => {
  it('two extended channels get one job and one prevhash on the group id, and both can submit', async () => {
    const c: FrameConnection = await connectNoise({ host: '127.0.0.1', port, authorityKey: authority.publicKey });
    const got: Message[] = [];
    let wake: () => void = () => {};
    c.on('frame', (f) => {
      const m = decodeFrame(f);
      if (m.key !== null) got.push(m);
      wake();
    });
    const until = async (pred: () => boolean) => {
      while (!pred()) await new Promise<void>((r) => (wake = r));
    };
    c.send(messageFrame(SetupConnection, { protocol: 0, min_version: 2, max_version: 2, flags: 4, endpoint_host: '', endpoint_port: 0, vendor: '', hardware_version: '', firmware: '', device_id: '' }));
    for (const request_id of [1, 2]) c.send(messageFrame(OpenExtendedMiningChannel, { request_id, user_identity: `g${request_id}`, nominal_hash_rate: 1, max_target: MAX_TARGET_LE, min_extranonce_size: 8 }));
    await until(() => got.filter((m) => m.key === 'SetNewPrevHash').length >= 2);
    const opened = got.filter((m): m is Extract<Message, { key: 'OpenExtendedMiningChannel.Success' }> => m.key === 'OpenExtendedMiningChannel.Success');
    expect(opened.map((m) => m.fields.group_channel_id)).toEqual([1, 1]);
    const groupId = opened[0]!.fields.group_channel_id;

    // A new block on the template source: one job and one prevhash for the whole group.
    const before = got.length;
    const cur = chain.current()!;
    const nextId = cur.template.template_id + 100n;
    chain.emit('template', { ...cur.template, template_id: nextId, future_template: true });
    chain.emit('prevhash', { ...cur.prevhash, template_id: nextId });
    await until(() => got.length >= before + 2);
    const fresh = got.slice(before);
    expect(fresh.map((m) => m.key)).toEqual(['NewExtendedMiningJob', 'SetNewPrevHash']);
    const job = fresh[0]!;
    const prev = fresh[1]!;
    if (job.key !== 'NewExtendedMiningJob' || prev.key !== 'SetNewPrevHash') throw new Error('unexpected');
    expect(job.fields.channel_id).toBe(groupId);
    expect(prev.fields.channel_id).toBe(groupId);
    expect(prev.fields.job_id).toBe(job.fields.job_id);

    // Each member mines the group job with its own extranonce prefix; both shares are accepted.
    for (const o of opened) {
      const en = new Uint8Array(o.fields.extranonce_size);
      const cb = concat(job.fields.coinbase_tx_prefix, o.fields.extranonce_prefix, en, job.fields.coinbase_tx_suffix);
      const root = merkleRootFromPath(sha256d(cb), job.fields.merkle_path);
      let nonce = 0;
      while (!meetsTarget(headerHash(buildHeader({ version: job.fields.version, prevHash: prev.fields.prev_hash, merkleRoot: root, ntime: prev.fields.min_ntime, nbits: prev.fields.nbits, nonce })), o.fields.target)) nonce++;
      c.send(messageFrame(SubmitSharesExtended, { channel_id: o.fields.channel_id, sequence_number: 1, job_id: job.fields.job_id, nonce, ntime: prev.fields.min_ntime, version: job.fields.version, extranonce: en }));
    }
    await until(() => got.filter((m) => m.key === 'SubmitShares.Success' || m.key === 'SubmitShares.Error').length >= 2);
    expect(got.filter((m) => m.key === 'SubmitShares.Error')).toEqual([]);
    expect(pool.accounting.account('g1')!.accepted).toBe(1);
    expect(pool.accounting.account('g2')!.accepted).toBe(1);
    c.close();
  });
});
