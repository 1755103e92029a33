import { describe, expect, it } from 'vitest';
import { Vardiff } from '../../../agent/channels/vardiff.js';
import { hashrateToTarget, hashesPerShare } from '../../../agent/bitcoin/index.js';

const SPM = 6;

describe('Vardiff', () => {
  it('does nothing within the minimum interval', () => {
    const v = new Vardiff({ sharesPerMinute: SPM }, 1e9, 0);
    for (let i = 0; i < 100; i++) v.onShare();
    expect(v.update(hashrateToTarget(1e9, SPM), 15_000)).toBeNull();
  });
  it('raises the difficulty when a miner is far faster than declared (capped ×10 within 30 s)', () => {
    const v = new Vardiff({ sharesPerMinute: SPM }, 1e9, 0);
    const t0 = hashrateToTarget(1e9, SPM);
    for (let i = 0; i < 300; i++) v.onShare(); // 300 shares in 20 s instead of 2
    const t1 = v.update(t0, 20_000)!;
    expect(t1).not.toBeNull();
    expect(t1 < t0).toBe(true);
    expect(v.hashrate).toBeCloseTo(1e10, -6);
  });
  it('moves to the realized rate when the change is large enough for the time observed', () => {
    const v = new Vardiff({ sharesPerMinute: SPM }, 1e9, 0);
    const t0 = hashrateToTarget(1e9, SPM);
    for (let i = 0; i < 24; i++) v.onShare(); // 24 shares in 120 s = 12/min: twice the goal
    const t1 = v.update(t0, 120_000)!;
    expect(v.hashrate / 1e9).toBeCloseTo(2, 1);
    expect(hashesPerShare(t1) / hashesPerShare(t0)).toBeCloseTo(2, 1);
  });
  it('ignores small deviations until enough time has passed', () => {
    const v = new Vardiff({ sharesPerMinute: SPM }, 1e9, 0);
    const t0 = hashrateToTarget(1e9, SPM);
    for (let i = 0; i < 8; i++) v.onShare(); // 8/min vs 6/min: +33 % after 60 s — below the 60 % bar
    expect(v.update(t0, 60_000)).toBeNull();
  });
  it('lowers the difficulty without shares, down to the floor', () => {
    const v = new Vardiff({ sharesPerMinute: SPM, minHashrate: 1e8 }, 1e9, 0);
    const t0 = hashrateToTarget(1e9, SPM);
    const t1 = v.update(t0, 20_000)!;
    expect(v.hashrate).toBeCloseTo(1e9 / 1.5, -3);
    expect(t1 > t0).toBe(true);
    let t = t1;
    for (let now = 100_000; now < 2_000_000; now += 100_000) t = v.update(t, now) ?? t;
    expect(v.hashrate).toBe(1e8);
  });
});
