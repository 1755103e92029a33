import { describe, expect, it } from 'vitest';
import { BIP320_VERSION_MASK, ServerChannel, VERSION_ROLLING_MASK, type PoolJob } from '../../../agent/channels/server-channel.js';
import { MAX_TARGET_LE, bigIntToLe, leToBigInt, meetsTarget, nbitsToTarget } from '../../../agent/bitcoin/index.js';

const job: PoolJob = { templateId: 1n, future: true, version: 0x20000000, coinbasePrefix: new Uint8Array(40), coinbaseSuffix: new Uint8Array(40), merklePath: [] };
const prev = { prevHash: new Uint8Array(32), minNtime: 1000, nbits: 0x207fffff, networkTarget: new Uint8Array(32), receivedAt: 0 };

function channel(mask: number): ServerChannel {
  const ch = new ServerChannel(2, 'standard', new Uint8Array(20), 0, leToBigInt(MAX_TARGET_LE), 'u', mask);
  ch.addJob(job);
  ch.setPrevHash(1n, prev);
  return ch;
}

describe('ServerChannel share rules', () => {
  it('version rolling: BIP323 allows bits 5–28, BIP320 only 13–28; other bits never', () => {
    const share = (version: number, nonce: number) => ({ jobId: 1, nonce, ntime: 1000, version });
    const bip323 = channel(VERSION_ROLLING_MASK);
    const bip320 = channel(BIP320_VERSION_MASK);
    expect(bip323.validate(share(0x20000020, 1), 0).ok).toBe(true); // bit 5
    expect(bip320.validate(share(0x20000020, 1), 0)).toEqual({ ok: false, error: 'invalid-non-rollable-version-bit' });
    expect(bip320.validate(share(0x20002000, 2), 0).ok).toBe(true); // bit 13
    expect(bip323.validate(share(0x20000001, 3), 0)).toEqual({ ok: false, error: 'invalid-non-rollable-version-bit' }); // bit 0
    expect(bip323.validate(share(0x60000000, 4), 0)).toEqual({ ok: false, error: 'invalid-non-rollable-version-bit' }); // bit 30
  });
  it('duplicates, stale and unknown jobs, ntime bounds', () => {
    const ch = channel(VERSION_ROLLING_MASK);
    const s = { jobId: 1, nonce: 7, ntime: 1000, version: 0x20000000 };
    expect(ch.validate(s, 0).ok).toBe(true);
    expect(ch.validate(s, 0)).toEqual({ ok: false, error: 'duplicate-share' });
    expect(ch.validate({ ...s, nonce: 8, ntime: 999 }, 0)).toEqual({ ok: false, error: 'invalid-share' }); // before min_ntime
    expect(ch.validate({ ...s, nonce: 9, ntime: 1000 + 3600 }, 0)).toEqual({ ok: false, error: 'invalid-share' }); // far in the future
    expect(ch.validate({ ...s, jobId: 99 }, 0)).toEqual({ ok: false, error: 'invalid-job-id' });
    ch.addJob({ ...job, templateId: 2n });
    ch.setPrevHash(2n, { ...prev, minNtime: 2000 });
    expect(ch.validate({ ...s, nonce: 10, ntime: 2000 }, 0)).toEqual({ ok: false, error: 'stale-share' }); // job 1 died with the old prevhash
  });
  it('a share that meets the network target is a block even when the channel target is harder (regtest, testnet)', () => {
    // Regtest nbits 0x207fffff: about every other hash is a block; the channel asks for far more.
    const network = bigIntToLe(nbitsToTarget(0x207fffff)!);
    const ch = new ServerChannel(2, 'standard', new Uint8Array(20), 0, 1n << 200n, 'u');
    ch.addJob(job);
    ch.setPrevHash(1n, { ...prev, networkTarget: network });
    let blocks = 0;
    for (let nonce = 0; nonce < 16; nonce++) {
      const r = ch.validate({ jobId: 1, nonce, ntime: 1000, version: 0x20000000 }, 0);
      if (r.ok) {
        expect(r.block).toBe(true);
        expect(meetsTarget(r.hash, network)).toBe(true);
        blocks++;
      } else expect(r.error).toBe('difficulty-too-low');
    }
    expect(blocks).toBeGreaterThan(0);
  });
});

// The genesis block (Bitcoin Core chainparams.cpp): its coinbase transaction, split into the job's
// prefix, the channel's extranonce and the job's suffix, hashes (as a one-transaction block) to the
// published merkle root 4a5e1e4b…a33b, and with nonce 2083236893 the header hashes to
// 000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f. A share on that job is thus a
// header whose hash we did not compute ourselves.
const GENESIS_COINBASE = Buffer.from(
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000',
  'hex',
);
const GENESIS_HASH = BigInt('0x000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
const GENESIS_NONCE = 2083236893;
const GENESIS_NTIME = 1231006505;
// Split inside the scriptSig: prefix = version ‖ 1 input ‖ null prevout ‖ script length (42 bytes).
const genesisJob: PoolJob = {
  templateId: 1n, future: true, version: 1,
  coinbasePrefix: Uint8Array.from(GENESIS_COINBASE.subarray(0, 42)),
  coinbaseSuffix: Uint8Array.from(GENESIS_COINBASE.subarray(50)),
  merklePath: [],
};
const genesisPrev = { prevHash: new Uint8Array(32), minNtime: GENESIS_NTIME, nbits: 0x1d00ffff, networkTarget: new Uint8Array(32), receivedAt: 0 };
const genesisShare = { jobId: 1, nonce: GENESIS_NONCE, ntime: GENESIS_NTIME, version: 1 };

/** A standard channel whose extranonce prefix is bytes 42..50 of the genesis coinbase. */
function genesisChannel(target: bigint): ServerChannel {
  const ch = new ServerChannel(3, 'standard', Uint8Array.from(GENESIS_COINBASE.subarray(42, 50)), 0, target, 'u');
  ch.addJob(genesisJob);
  ch.setPrevHash(1n, genesisPrev);
  return ch;
}

describe('ServerChannel share target (genesis header as the known-good share)', () => {
  it('a header meeting the target is accepted; one hash above it, or a wrong nonce, is difficulty-too-low', () => {
    const atHash = genesisChannel(GENESIS_HASH); // hash <= target: exactly on the boundary
    const ok = atHash.validate(genesisShare, 0);
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(Buffer.from(ok.hash).reverse().toString('hex')).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
    expect(genesisChannel(GENESIS_HASH - 1n).validate(genesisShare, 0)).toEqual({ ok: false, error: 'difficulty-too-low' });
    // Known-bad nonces: the neighbours of the genesis nonce hash to ~2^256 / 2 on average; against a
    // target of 2^220 (difficulty 16; the genesis hash is below 2^213) none of them passes.
    const tight = genesisChannel(1n << 220n);
    for (const nonce of [GENESIS_NONCE - 1, GENESIS_NONCE + 1, 0]) {
      expect(tight.validate({ ...genesisShare, nonce }, 0)).toEqual({ ok: false, error: 'difficulty-too-low' });
    }
    expect(tight.validate(genesisShare, 0).ok).toBe(true);
  });
  it('after SetTarget raises the difficulty, the old target holds for the current jobs, then expires with the next job', () => {
    const ch = genesisChannel(GENESIS_HASH + 1000n);
    ch.setTarget(GENESIS_HASH - 1n); // now too hard for the genesis header
    expect(ch.validate(genesisShare, 0).ok).toBe(true); // grace: the job was sent at the easier target
    ch.addJob({ ...genesisJob, templateId: 2n }); // a new job: mined at the new target from now on
    // The same share again is rejected for its difficulty (the target check comes before the duplicate check).
    expect(ch.validate(genesisShare, 0)).toEqual({ ok: false, error: 'difficulty-too-low' });
  });
  it('lowering the difficulty gives no grace to the harder old target (the new, easier one applies at once)', () => {
    const ch = genesisChannel(GENESIS_HASH - 1n);
    expect(ch.validate(genesisShare, 0)).toEqual({ ok: false, error: 'difficulty-too-low' });
    ch.setTarget(GENESIS_HASH);
    expect(ch.validate(genesisShare, 0).ok).toBe(true);
  });
  it('extended channel: the rolled extranonce must be exactly extranonce_size bytes (bad-extranonce-size)', () => {
    // Channel prefix = bytes 42..46, rolled part = bytes 46..50 of the genesis coinbase.
    const ch = new ServerChannel(4, 'extended', Uint8Array.from(GENESIS_COINBASE.subarray(42, 46)), 4, GENESIS_HASH, 'u');
    ch.addJob(genesisJob);
    ch.setPrevHash(1n, genesisPrev);
    const rolled = Uint8Array.from(GENESIS_COINBASE.subarray(46, 50));
    expect(ch.validate(genesisShare, 0)).toEqual({ ok: false, error: 'bad-extranonce-size' }); // none
    expect(ch.validate({ ...genesisShare, extranonce: rolled.subarray(0, 3) }, 0)).toEqual({ ok: false, error: 'bad-extranonce-size' });
    expect(ch.validate({ ...genesisShare, extranonce: Uint8Array.of(...rolled, 0) }, 0)).toEqual({ ok: false, error: 'bad-extranonce-size' });
    const wrong = rolled.slice();
    wrong[0]! ^= 1; // the right size but another coinbase: another merkle root, a hash far above the target
    expect(ch.validate({ ...genesisShare, extranonce: wrong }, 0)).toEqual({ ok: false, error: 'difficulty-too-low' });
    expect(ch.validate({ ...genesisShare, extranonce: rolled }, 0).ok).toBe(true);
  });
  it('ntime may run ahead of min_ntime by the seconds since the prevhash arrived plus 60, no more', () => {
    const ch = new ServerChannel(5, 'standard', new Uint8Array(20), 0, leToBigInt(MAX_TARGET_LE), 'u');
    ch.addJob(job);
    ch.setPrevHash(1n, { ...prev, minNtime: 1000, receivedAt: 5000 });
    let nonce = 0;
    const at = (ntime: number, now: number) => ch.validate({ jobId: 1, nonce: nonce++, ntime, version: 0x20000000 }, now);
    expect(at(1060, 5000).ok).toBe(true);
    expect(at(1061, 5000)).toEqual({ ok: false, error: 'invalid-share' });
    expect(at(1061, 4990)).toEqual({ ok: false, error: 'invalid-share' }); // a clock before receipt counts as 0 s, not less
    expect(at(1160, 5100).ok).toBe(true); // 100 s later: 100 s more of roll
    expect(at(1161, 5100)).toEqual({ ok: false, error: 'invalid-share' });
    expect(at(1161, 5100.5).ok).toBe(true); // part of a second rounds up
    expect(at(1000 + 3600 + 60, 5000 + 3600).ok).toBe(true);
    expect(at(1000 + 3600 + 61, 5000 + 3600)).toEqual({ ok: false, error: 'invalid-share' });
  });
});
