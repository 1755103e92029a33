// wire.sv2_vs_sv1: bytes on the wire for one hour of a reference mining session — a job every
// 30 s, a new block every 10 min, 20 shares/min — SV2 through a real Noise session against
// SV1 JSON lines carrying the same work. Both directions, connection set-up included.
import { NoiseInitiator, NoiseResponder, ACT1_SIZE, ACT2_SIZE } from '../../agent/sv2/noise/handshake.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { messageFrame } from '../../agent/sv2/codec.js';
import {
  NewExtendedMiningJob,
  OpenExtendedMiningChannel,
  OpenExtendedMiningChannelSuccess,
  SetNewPrevHash,
  SetupConnection,
  SetupConnectionSuccess,
  SubmitSharesExtended,
  SubmitSharesSuccess,
} from '../../agent/sv2/messages/index.js';
import type { Bench } from './types.js';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const line = (o: unknown) => Buffer.byteLength(JSON.stringify(o) + '\n');

const HOUR = 3600;
const JOB_EVERY = 30;
const BLOCK_EVERY = 600;
const SHARES_PER_MIN = 20;
const ACK_BATCH = 10; // SRI share_batch_size

export const wireBench: Bench = {
  name: 'wire',
  run(report) {
    const auth = generateAuthorityKeyPair();
    const init = new NoiseInitiator({ authorityKey: auth.publicKey });
    const { reply, session: server } = new NoiseResponder({ authoritySecret: auth.secretKey }).act2(init.act1());
    const client = init.act2(reply);
    let sv2 = ACT1_SIZE + ACT2_SIZE;
    const up = (f: Parameters<typeof client.encode>[0]) => (sv2 += client.encode(f).length);
    const down = (f: Parameters<typeof server.encode>[0]) => (sv2 += server.encode(f).length);
    let sv1 = 0;

    const path = Array.from({ length: 12 }, (_, i) => bytes(32, i));
    const prefix = bytes(100, 1);
    const suffix = bytes(150, 2);
    const extranonce = bytes(8, 3);

    // Set-up.
    up(messageFrame(SetupConnection, { protocol: 0, min_version: 2, max_version: 2, flags: 4, endpoint_host: 'pool.example.com', endpoint_port: 34254, vendor: 'hashagent', hardware_version: 'S9', firmware: '0.1.0', device_id: '' }));
    down(messageFrame(SetupConnectionSuccess, { used_version: 2, flags: 0 }));
    up(messageFrame(OpenExtendedMiningChannel, { request_id: 1, user_identity: 'worker.1', nominal_hash_rate: 14e12, max_target: new Uint8Array(32).fill(0xff), min_extranonce_size: 8 }));
    down(messageFrame(OpenExtendedMiningChannelSuccess, { request_id: 1, channel_id: 1, target: bytes(32, 9), extranonce_size: 8, extranonce_prefix: bytes(4, 5), group_channel_id: 0 }));
    sv1 += line({ id: 1, method: 'mining.configure', params: [['version-rolling'], { 'version-rolling.mask': '1fffe000', 'version-rolling.min-bit-count': 16 }] });
    sv1 += line({ id: 1, result: { 'version-rolling': true, 'version-rolling.mask': '1fffe000' }, error: null });
    sv1 += line({ id: 2, method: 'mining.subscribe', params: ['hashagent/0.1.0'] });
    sv1 += line({ id: 2, result: [[['mining.set_difficulty', 'deadbeef'], ['mining.notify', 'deadbeef']], hex(bytes(4, 5)), 8], error: null });
    sv1 += line({ id: 3, method: 'mining.authorize', params: ['worker.1', 'x'] });
    sv1 += line({ id: 3, result: true, error: null });
    sv1 += line({ id: null, method: 'mining.set_difficulty', params: [65536] });

    let jobId = 0;
    let seq = 0;
    for (let t = 0; t < HOUR; t++) {
      const newBlock = t % BLOCK_EVERY === 0;
      if (t % JOB_EVERY === 0 || newBlock) {
        jobId++;
        down(messageFrame(NewExtendedMiningJob, { channel_id: 1, job_id: jobId, min_ntime: newBlock ? null : 1_761_000_000 + t, version: 0x20000000, version_rolling_allowed: true, merkle_path: path, coinbase_tx_prefix: prefix, coinbase_tx_suffix: suffix }));
        if (newBlock) down(messageFrame(SetNewPrevHash, { channel_id: 1, job_id: jobId, prev_hash: bytes(32, t), min_ntime: 1_761_000_000 + t, nbits: 0x17034219 }));
        sv1 += line({
          id: null,
          method: 'mining.notify',
          params: [jobId.toString(16), hex(bytes(32, t)), hex(prefix), hex(suffix), path.map(hex), '20000000', '17034219', (1_761_000_000 + t).toString(16), newBlock],
        });
      }
      // 20 shares a minute, spread evenly.
      const shares = Math.floor(((t + 1) * SHARES_PER_MIN) / 60) - Math.floor((t * SHARES_PER_MIN) / 60);
      for (let i = 0; i < shares; i++) {
        seq++;
        up(messageFrame(SubmitSharesExtended, { channel_id: 1, sequence_number: seq, job_id: jobId, nonce: (seq * 2654435761) >>> 0, ntime: 1_761_000_000 + t, version: 0x20000000 | ((seq << 13) & 0x1fffe000), extranonce }));
        if (seq % ACK_BATCH === 0) down(messageFrame(SubmitSharesSuccess, { channel_id: 1, last_sequence_number: seq, new_submits_accepted_count: ACK_BATCH, new_shares_sum: 655360n }));
        sv1 += line({ id: seq + 3, method: 'mining.submit', params: ['worker.1', jobId.toString(16), hex(extranonce), (1_761_000_000 + t).toString(16), ((seq * 2654435761) >>> 0).toString(16).padStart(8, '0'), ((seq << 13) & 0x1fffe000).toString(16).padStart(8, '0')] });
        sv1 += line({ id: seq + 3, result: true, error: null });
      }
    }
    report({
      name: 'wire.sv2_vs_sv1',
      value: sv2,
      unit: 'bytes/hour (SV2, Noise-encrypted, both directions)',
      baseline: sv1,
      baseline_name: 'SV1 plain JSON lines, both directions',
      ratio: +(sv2 / sv1).toFixed(3),
      shares: seq,
      jobs: jobId,
    });
  },
};
