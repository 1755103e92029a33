import { describe, expect, it } from 'vitest';
import { EmulatedClock } from '../../board/emulated/clock.js';
import { ThermalZone, S9_THERMAL } from '../../board/emulated/thermal.js';
import { FanMotor } from '../../board/emulated/fan-motor.js';
import { EmulatedBoard } from '../../board/emulated/board-model.js';
import { emulatedAntminerS9 } from '../../board/emulated-boards.js';
import { S9Pic } from '../../drivers/power/s9-pic.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('emulated physics', () => {
  it('temperature follows power and airflow, and falls back to ambient without power', async () => {
    const clock = new EmulatedClock(1000); // a real ms is an emulated second
    const z = new ThermalZone(clock, S9_THERMAL);
    z.update(490, 1);
    await sleep(400); // ~7 time constants
    const fullFans = z.boardTemp();
    expect(fullFans).toBeCloseTo(25 + 490 * S9_THERMAL.rFullAirflow, 0);
    z.update(490, 0.3);
    await sleep(400);
    const slowFans = z.boardTemp();
    expect(slowFans).toBeGreaterThan(fullFans + 50);
    expect(z.chipTemp()).toBeCloseTo(slowFans + 490 * S9_THERMAL.rChip, 1);
    z.update(0, 1);
    await sleep(400);
    expect(z.boardTemp()).toBeCloseTo(25, 0);
  });

  it('a fan follows its duty with a lag and a stopped fan reads 0', async () => {
    const m = new FanMotor(new EmulatedClock(10), 6000, 300);
    m.setDuty(50);
    expect(m.speed()).toBeLessThan(1000);
    await sleep(200); // 2 emulated s
    expect(m.speed()).toBeCloseTo(3000, -1);
    m.stopped = true;
    expect(m.speed()).toBe(0);
  });

  it('the board model: power needs the PIC enabled and fed; hashing heat needs the reset released', async () => {
    // The board's time is frozen and stepped, heartbeats sent by hand: nothing here depends on
    // how fast a loaded machine runs the test (audit 4.6).
    const b = new EmulatedBoard(emulatedAntminerS9, { picBootMs: 0 });
    b.clock.freeze();
    try {
      const pic = new S9Pic(b.i2c('i2c-0'), 0x55, { retries: 2, retryDelayMs: 1, resetDelayMs: 1, heartbeatMs: 10 });
      expect(b.isPowered(6)).toBe(false);
      expect(b.inReset(6)).toBe(true);
      await b.fan('fan1').setDuty(100);
      await b.fan('fan2').setDuty(100);
      await pic.jumpToApp();
      await pic.enable(true);
      // 30 emulated s at a time, a heartbeat every 5 s (the PIC's dead-man is 10 s).
      const run = async (ms: number) => {
        for (let t = 0; t < ms; t += 5000) {
          b.advance(5000);
          await pic.heartbeat();
        }
      };
      expect(b.isPowered(6)).toBe(true);
      b.setChainLoad(6, 450);
      await run(30_000); // in reset: leakage only
      const idle = b.chipTemperature(6);
      expect(idle).toBeLessThan(30);
      await b.gpio({ kind: 'emulated', name: 'gpio893' }, 'out').write(1); // release J6's reset
      expect(b.inReset(6)).toBe(false);
      await run(30_000);
      expect(b.chipTemperature(6)).toBeGreaterThan(idle + 10);
      expect(b.isPowered(6)).toBe(true);
      expect(b.chipTemperature(7)).toBeLessThan(26); // its neighbours are off
      const hooks = b.chainHooks(0); // the chain emulator's chain 0 is connector J6
      expect(hooks.index).toBe(6);
      expect(hooks.isPowered() && !hooks.inReset()).toBe(true);
      expect(hooks.chipTemperature()).toBeCloseTo(b.chipTemperature(6), 1);
      expect(() => b.chainHooks(3)).toThrow(RangeError);
      b.advance(9_000); // no heartbeat for 9 s: still up
      expect(b.isPowered(6)).toBe(true);
      b.advance(2_000); // 11 s
      expect(b.isPowered(6)).toBe(false);
    } finally {
      b.close();
    }
  });
});
