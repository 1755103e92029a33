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
