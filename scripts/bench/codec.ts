// sv2.codec.vs_sv1: binary SV2 encode+decode of the two hottest messages against the SV1 JSON
// lines that carry the same information (mining.submit, mining.notify), in the same run.
import { decodeFrame, encodeMessage } from '../../agent/sv2/codec.js';
import { FrameDecoder } from '../../agent/sv2/framing.js';
import { NewExtendedMiningJob, SubmitSharesExtended } from '../../agent/sv2/messages/index.js';
import { opsPerSecond, type Bench } from './types.js';

const rnd = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 0xff);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const share = { channel_id: 1, sequence_number: 12345, job_id: 77, nonce: 0x9e3779b9, ntime: 1_761_000_000, version: 0x20000000, extranonce: rnd(8) };
const job = {
  channel_id: 1,
  job_id: 77,
  min_ntime: null,
  version: 0x20000000,
  version_rolling_allowed: true,
  merkle_path: Array.from({ length: 12 }, (_, i) => rnd(32).map((b) => b ^ i)),
  coinbase_tx_prefix: rnd(100),
  coinbase_tx_suffix: rnd(150),
};
// The SV1 lines a pool and a miner exchange for the same share and job.
const submitObj = { id: 12345, method: 'mining.submit', params: ['worker.1', '4d', hex(share.extranonce), share.ntime.toString(16), share.nonce.toString(16), '20000000'] };
const notifyObj = {
  id: null,
  method: 'mining.notify',
  params: ['4d', hex(rnd(32)), hex(job.coinbase_tx_prefix), hex(job.coinbase_tx_suffix), job.merkle_path.map(hex), '20000000', '1703a30c', share.ntime.toString(16), true],
};

function sv2RoundTrip(def: typeof SubmitSharesExtended | typeof NewExtendedMiningJob, fields: object): () => void {
  // The receiving side's real path: the streaming frame decoder, then the message decoder.
  const decoder = new FrameDecoder();
  return () => {
    const frames = decoder.push(encodeMessage(def, fields as never));
    decodeFrame(frames[0]!);
  };
}
const sv1RoundTrip = (obj: object) => () => {
  JSON.parse(JSON.stringify(obj) + '\n');
};

export const codecBench: Bench = {
  name: 'sv2.codec',
  run(report) {
    const pairs = [
      ['SubmitSharesExtended', sv2RoundTrip(SubmitSharesExtended, share), 'mining.submit', sv1RoundTrip(submitObj)],
      ['NewExtendedMiningJob', sv2RoundTrip(NewExtendedMiningJob, job), 'mining.notify', sv1RoundTrip(notifyObj)],
    ] as const;
    let sv2Sum = 0;
    let sv1Sum = 0;
    for (const [sv2Name, sv2Fn, sv1Name, sv1Fn] of pairs) {
      const a = opsPerSecond(sv2Fn, 1000);
      const b = opsPerSecond(sv1Fn, 1000);
      sv2Sum += 1 / a;
      sv1Sum += 1 / b;
      report({ name: `sv2.codec.vs_sv1.${sv2Name}`, value: Math.round(a), unit: 'encode+decode/s', baseline: Math.round(b), baseline_name: sv1Name, ratio: +(a / b).toFixed(2), target: '>= 5' });
    }
    // One job plus one share, the unit of a mining session's traffic.
    report({ name: 'sv2.codec.vs_sv1', value: Math.round(1 / sv2Sum), unit: 'job+share pairs/s', baseline: Math.round(1 / sv1Sum), ratio: +(sv1Sum / sv2Sum).toFixed(2), target: '>= 5' });
  },
};
