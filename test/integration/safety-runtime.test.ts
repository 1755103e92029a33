// agent.toml → board → safety → bring-up → SIGTERM, on the emulated S9 example file.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/config/agent.js';
import { startBoardSafety } from '../../agent/safety/runtime.js';
import { ProcessGuard } from '../../agent/safety/process-guard.js';

const EXAMPLE = fileURLToPath(new URL('../../agent/config/examples/agent-emulated-antminer-s9.toml', import.meta.url));

describe('safety runtime from agent.toml', () => {
  it('brings the example board up in order, then powers it down on SIGINT (the process guard)', async () => {
    const cfg = loadAgentConfig(EXAMPLE);
    const lines: string[] = [];
    const inits: number[] = [];
    const rt = await startBoardSafety(cfg, {
      log: (l) => lines.push(l),
      board: { emulation: { timeScale: 20, picBootMs: 500 }, picTiming: { retries: 3, retryDelayMs: 1, resetDelayMs: 30, heartbeatMs: 50 } },
      safety: { pollMs: 100, fanSpinUpMs: 300 },
    });
    try {
      const board = rt.hw.emulated!;
      const up = await rt.bringUp(async (c) => {
        // The chain driver's moment: powered, out of reset, fans already spinning.
        expect(board.isPowered(c.index)).toBe(true);
        expect(board.inReset(c.index)).toBe(false);
        inits.push(c.index);
      });
      expect(up.map((c) => [c.index, c.state])).toEqual([
        [6, 'running'],
        [7, 'running'],
        [8, 'running'],
      ]);
      expect(inits).toEqual([6, 7, 8]);
      expect(lines.some((l) => /fans spinning/.test(l))).toBe(true);
      expect(lines.indexOf(lines.find((l) => /fans spinning/.test(l))!)).toBeLessThan(lines.indexOf('chain 6: running'));
      const guard = new ProcessGuard({ exit: () => undefined, log: () => undefined }).install();
      let allOff: boolean | null = null;
      guard.onPowerDown(async () => (allOff = await rt.safety.powerDown()));
      try {
        process.emit('SIGINT', 'SIGINT');
        await guard.powerDown();
      } finally {
        guard.uninstall();
      }
      expect(allOff).toBe(true);
      expect([6, 7, 8].every((i) => !board.isPowered(i) && board.inReset(i))).toBe(true);
    } finally {
      await rt.close();
    }
  });
});
