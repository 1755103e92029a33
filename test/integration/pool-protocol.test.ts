// The pool's message sequence as a client sees it on the wire (compare SRI's sniffer-based
// integration tests: Open → Success → NewMiningJob (future) → SetNewPrevHash), and UpdateChannel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { Pool } from '../../agent/roles/pool/pool.js';
import { connectNoise } from '../../agent/net/noise-socket.js';
import type { FrameConnection } from '../../agent/net/frame-connection.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { decodeFrame, messageFrame, type Message } from '../../agent/sv2/codec.js';
import { OpenStandardMiningChannel, RequestExtensions, SetupConnection, UpdateChannel } from '../../agent/sv2/messages/index.js';
import { MAX_TARGET_LE, bigIntToLe, leToBigInt } from '../../agent/bitcoin/index.js';

const authority = generateAuthorityKeyPair();
let pool: Pool;
let port: number;
beforeAll(async () => {
  pool = new Pool({
    host: '127.0.0.1', port: 0, authoritySecret: authority.secretKey, certValiditySeconds: 3600, source: new EmbeddedChain({ nbits: 0x1e00ffff }),
    payoutScript: Uint8Array.of(0x51), coinbaseTag: '/t/', serverId: 7, sharesPerMinute: 6, shareBatchSize: 10,
    maxConnections: 10, maxChannelsPerConnection: 2, maxFramesPerSecond: 100,
  });
  port = await pool.start();
});
afterAll(() => pool.stop());

function recorder(c: FrameConnection) {
  const got: Message[] = [];
  const waiters: (() => void)[] = [];
  c.on('frame', (f) => {
    const m = decodeFrame(f);
    if (m.key !== null) got.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    got,
    async until(n: number) {
      while (got.length < n) await new Promise<void>((r) => waiters.push(r));
    },
  };
}

describe('pool message flow', () => {
  it('SetupConnection → Success; OpenStandard → Success → NewMiningJob (future) → SetNewPrevHash; UpdateChannel → SetTarget', async () => {
    const c = await connectNoise({ host: '127.0.0.1', port, authorityKey: authority.publicKey });
    const rec = recorder(c);
    c.send(messageFrame(SetupConnection, { protocol: 0, min_version: 2, max_version: 2, flags: 1, endpoint_host: '127.0.0.1', endpoint_port: port, vendor: 'v', hardware_version: 'h', firmware: 'f', device_id: '' }));
    c.send(messageFrame(OpenStandardMiningChannel, { request_id: 9, user_identity: 'u', nominal_hash_rate: 1e12, max_target: MAX_TARGET_LE }));
    await rec.until(4);
    expect(rec.got.map((m) => m.key)).toEqual(['SetupConnection.Success', 'OpenStandardMiningChannel.Success', 'NewMiningJob', 'SetNewPrevHash']);
    const [setup, open, job, prev] = rec.got;
    expect(setup!.key === 'SetupConnection.Success' && setup!.fields).toEqual({ used_version: 2, flags: 0 });
    if (open!.key !== 'OpenStandardMiningChannel.Success' || job!.key !== 'NewMiningJob' || prev!.key !== 'SetNewPrevHash') throw new Error('order');
    expect(open!.fields.request_id).toBe(9);
    expect(open!.fields.extranonce_prefix.length).toBe(20); // server id ‖ 3-byte index ‖ 16 zero bytes
    expect(open!.fields.extranonce_prefix[0]).toBe(7);
    expect(job!.fields.min_ntime).toBeNull(); // future job first
    expect(prev!.fields.job_id).toBe(job!.fields.job_id);

    // A smaller maximum target obliges the server to send SetTarget at or below it.
    const max = leToBigInt(open!.fields.target) / 4n;
    c.send(messageFrame(UpdateChannel, { channel_id: open!.fields.channel_id, nominal_hash_rate: 1e12, maximum_target: bigIntToLe(max) }));
    c.send(messageFrame(UpdateChannel, { channel_id: 999, nominal_hash_rate: 1, maximum_target: MAX_TARGET_LE }));
    await rec.until(6);
    const st = rec.got[4]!;
    expect(st.key).toBe('SetTarget');
    if (st.key === 'SetTarget') expect(leToBigInt(st.fields.maximum_target) <= max).toBe(true);
    const err = rec.got[5]!;
    expect(err.key === 'UpdateChannel.Error' && err.fields.error_code).toBe('invalid-channel-id');
    c.close();
  });

  it('RequestExtensions → RequestExtensions.Error naming what it does not support; the connection goes on', async () => {
    const c = await connectNoise({ host: '127.0.0.1', port, authorityKey: authority.publicKey });
    const rec = recorder(c);
    c.send(messageFrame(SetupConnection, { protocol: 0, min_version: 2, max_version: 2, flags: 0, endpoint_host: '127.0.0.1', endpoint_port: port, vendor: 'v', hardware_version: 'h', firmware: 'f', device_id: '' }));
    // 0x0002: worker-specific hashrate tracking, as the translator asks for it.
    c.send(messageFrame(RequestExtensions, { request_id: 3, requested_extensions: [0x0002] }));
    c.send(messageFrame(OpenStandardMiningChannel, { request_id: 4, user_identity: 'u', nominal_hash_rate: 1e12, max_target: MAX_TARGET_LE }));
    await rec.until(3);
    expect(rec.got.slice(0, 3).map((m) => m.key)).toEqual(['SetupConnection.Success', 'RequestExtensions.Error', 'OpenStandardMiningChannel.Success']);
    const e = rec.got[1]!;
    expect(e.key === 'RequestExtensions.Error' && e.fields).toEqual({ request_id: 3, unsupported_extensions: [0x0002], required_extensions: [] });
    c.close();
  });

  it('refuses other protocols and versions with SetupConnection.Error', async () => {
    for (const [protocol, min, code] of [[2, 2, 'unsupported-protocol'], [0, 3, 'protocol-version-mismatch']] as const) {
      const c = await connectNoise({ host: '127.0.0.1', port, authorityKey: authority.publicKey });
      const rec = recorder(c);
      c.send(messageFrame(SetupConnection, { protocol, min_version: min, max_version: 3, flags: 0, endpoint_host: '', endpoint_port: 0, vendor: '', hardware_version: '', firmware: '', device_id: '' }));
      await rec.until(1);
      const e = rec.got[0]!;
      expect(e.key === 'SetupConnection.Error' && e.fields.error_code).toBe(code);
      c.close();
    }
  });
});
