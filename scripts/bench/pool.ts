// pool.validate.*: shares validated per second on one core (job lookup, ntime and version rules,
// coinbase and merkle root for extended shares, header hash, target, duplicates), next to raw
// sha256d of 80 bytes in the same run.
import { sha256d } from '../../agent/bitcoin/index.js';
import { ServerChannel, type PoolJob } from '../../agent/channels/server-channel.js';
import { MAX_TARGET_LE, leToBigInt } from '../../agent/bitcoin/index.js';
import { opsPerSecond, type Bench } from './types.js';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed) & 0xff);

function channel(kind: 'standard' | 'extended', pathLen: number): ServerChannel {
  const ch = new ServerChannel(1, kind, bytes(kind === 'standard' ? 20 : 4, 1), kind === 'standard' ? 0 : 16, leToBigInt(MAX_TARGET_LE), 'bench');
  const job: PoolJob = { templateId: 1n, future: true, version: 0x20000000, coinbasePrefix: bytes(60, 2), coinbaseSuffix: bytes(60, 3), merklePath: Array.from({ length: pathLen }, (_, i) => bytes(32, i)) };
  ch.addJob(job);
  ch.setPrevHash(1n, { prevHash: bytes(32, 9), minNtime: 1_761_000_000, nbits: 0x1d00ffff, networkTarget: new Uint8Array(32), receivedAt: Date.now() / 1000 });
  return ch;
}

export const poolBench: Bench = {
  name: 'pool',
  run(report) {
    const header = bytes(80, 5);
    // Raw: the fastest sha256d of this runtime (node:crypto's one-shot hash, see agent/bitcoin/hash.ts).
    const raw = opsPerSecond(() => {
      sha256d(header);
    });
    const now = Date.now() / 1000;
    const std = channel('standard', 0);
    let n = 0;
    const standard = opsPerSecond(() => {
      const r = std.validate({ jobId: 1, nonce: n++, ntime: 1_761_000_000, version: 0x20000000 }, now);
      if (!r.ok) throw new Error(r.error);
    });
    report({ name: 'pool.validate.standard', value: Math.round(standard), unit: 'shares/s', baseline: Math.round(raw), baseline_name: 'sha256d(80 B)/s', ratio: +(standard / raw).toFixed(2), target: '>= 0.5' });

    const ext = channel('extended', 12);
    const en = new Uint8Array(16);
    let m = 0;
    const extended = opsPerSecond(() => {
      const r = ext.validate({ jobId: 1, nonce: m++, ntime: 1_761_000_000, version: 0x20000000, extranonce: en }, now);
      if (!r.ok) throw new Error(r.error);
    });
    // One extended share costs 1 (coinbase txid) + 12 (merkle path) + 1 (header) sha256d.
    const limit = raw / 14;
    report({ name: 'pool.validate.extended12', value: Math.round(extended), unit: 'shares/s', baseline: Math.round(limit), baseline_name: 'sha256d(80 B)/s ÷ 14 hashes per share', ratio: +(extended / limit).toFixed(2), target: '>= 0.7' });
  },
};
