// When the network target is easier than a share target (regtest, testnet, the embedded chain),
// a hash that solves the block must never be thrown away as a low-difficulty share: not by the
// translator, not by the pool, and vardiff never asks for more work than a block needs.
import { afterEach, describe, expect, it } from 'vitest';
import { Sv1JobSource } from '../../agent/upstream/sv1-job-source.js';
import { connectNoise } from '../../agent/net/noise-socket.js';
import { decodeFrame, messageFrame, type Message } from '../../agent/sv2/codec.js';
import { OpenStandardMiningChannel, SetupConnection } from '../../agent/sv2/messages/index.js';
import { MAX_TARGET_LE, bigIntToLe, leToBigInt, meetsTarget, nbitsToTarget } from '../../agent/bitcoin/index.js';
import type { MiningJob } from '../../agent/channels/mining-job.js';
import { shareHash } from '../support/mining-job.js';
import { startPool, startSv1Stack, waitFor } from '../support/sv1-stack.js';

const REGTEST = 0x207fffff;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('network target easier than the share target', () => {
  it('the pool never sets a channel target harder than the network target', async () => {
    const p = await startPool({ nbits: REGTEST });
    cleanups.push(() => p.pool.stop());
    const c = await connectNoise({ host: '127.0.0.1', port: p.poolPort, authorityKey: p.authority.publicKey });
    cleanups.push(() => c.close());
    const got: Message[] = [];
    c.on('frame', (f) => {
      const m = decodeFrame(f);
      if (m.key !== null) got.push(m);
    });
    c.send(messageFrame(SetupConnection, { protocol: 0, min_version: 2, max_version: 2, flags: 1, endpoint_host: '', endpoint_port: 0, vendor: 'v', hardware_version: '', firmware: '', device_id: '' }));
    // 1 EH/s declared: the pool's hashrate target would be ~2^196.
    c.send(messageFrame(OpenStandardMiningChannel, { request_id: 1, user_identity: 'u', nominal_hash_rate: 1e18, max_target: MAX_TARGET_LE }));
    await waitFor(() => got.some((m) => m.key === 'OpenStandardMiningChannel.Success'), 10_000, 'channel');
    const open = got.find((m) => m.key === 'OpenStandardMiningChannel.Success')!;
    if (open.key !== 'OpenStandardMiningChannel.Success') throw new Error('no channel');
    expect(leToBigInt(open.fields.target)).toBe(nbitsToTarget(REGTEST));
  });

  it('an SV1 share that solves the block is accepted by the translator and becomes a block at the pool', async () => {
    const s = await startSv1Stack({ nbits: REGTEST });
    cleanups.push(() => s.stop());
    // The miner asks for a hard difficulty: its share target is far harder than the network's.
    const src = new Sv1JobSource({ host: '127.0.0.1', port: s.sv1Port, user: 'acct.rig', suggestDifficulty: 1e6 });
    cleanups.push(() => src.stop());
    let job: MiningJob | null = null;
    src.on('job', (j) => (job = j));
    const results: { accepted: number; rejected: number; error?: string }[] = [];
    src.on('result', (r) => results.push(r));
    await src.start();
    await waitFor(() => job !== null, 10_000, 'a job');
    const j = job as unknown as MiningJob;
    const network = bigIntToLe(nbitsToTarget(j.nbits)!);
    // A nonce that solves the block (about one hash in two on regtest).
    const extranonce = new Uint8Array(j.extranonceSize);
    let nonce = 0;
    const share = () => ({ job: j, extranonce, ntime: j.ntime, version: j.version, nonce });
    while (!meetsTarget(shareHash(share()), network)) nonce++;
    src.submit(share());
    await waitFor(() => results.length > 0, 10_000, 'the translator\'s answer');
    expect(results[0]).toMatchObject({ accepted: 1, rejected: 0 });
    await waitFor(() => s.chain.height === 1, 10_000, 'the block at the pool');
    expect(s.pool.blocksFound.get()).toBe(1);
  });
});
