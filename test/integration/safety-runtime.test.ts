// agent.toml → board → safety → bring-up → SIGTERM, on the emulated S9 example file.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/config/agent.js';
import { startBoardSafety } from '../../agent/roles/miner/safety-runtime.js';

const EXAMPLE = fileURLToPath(new URL('../../agent/config/examples/agent-emulated-antminer-s9.toml', import.meta.url));

describe('safety runtime from agent.toml', () => {
  it('brings the example board up in order, then powers it down on SIGTERM', async () => {
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
      const done = new Promise<boolean>((resolve) => {
        const off = rt.onSignals((_s, allOff) => {
          off();
          resolve(allOff);
        });
      });
      process.emit('SIGINT', 'SIGINT');
      expect(await done).toBe(true);
      expect([6, 7, 8].every((i) => !board.isPowered(i) && board.inReset(i))).toBe(true);
    } finally {
      await rt.close();
    }
  });
});

describe('safety runtime with a chain supervisor', () => {
  it('re-initialises a silent chain and disables it after repeated failures; the others keep their power', async () => {
    const cfg = loadAgentConfig(EXAMPLE);
    const lines: string[] = [];
    const reinits: number[] = [];
    const rt = await startBoardSafety(cfg, {
      log: (l) => lines.push(l),
      board: { emulation: { timeScale: 20, picBootMs: 500 }, picTiming: { retries: 3, retryDelayMs: 1, resetDelayMs: 30, heartbeatMs: 50 } },
      safety: { pollMs: 100, fanSpinUpMs: 300 },
      // Chain 7 never comes back; the watchdog's windows are shortened for the test.
      supervisor: { reinit: async (chain) => (reinits.push(chain), chain !== 7) },
      watchdog: { startupMs: 200, silenceMs: 200, maxReinits: 2, checkMs: 50 },
    });
    try {
      await rt.bringUp();
      const feed = setInterval(() => {
        rt.watchdog!.replied(6);
        rt.watchdog!.replied(8);
      }, 20);
      try {
        for (let i = 0; i < 200 && !lines.some((l) => /chain 7 disabled/.test(l)); i++) await new Promise((r) => setTimeout(r, 20));
      } finally {
        clearInterval(feed);
      }
      expect(lines.filter((l) => /^chain 7: re-initialisation failed/.test(l))).toHaveLength(2);
      expect(lines.filter((l) => /chain 7 disabled/.test(l))).toEqual([expect.stringMatching(/^safety: chain 7 disabled: no replies; 2 re-initialisations failed/)]);
      expect(reinits.every((c) => c === 7)).toBe(true);
      const board = rt.hw.emulated!;
      expect(board.isPowered(7)).toBe(false);
      expect(board.inReset(7)).toBe(true);
      expect(board.isPowered(6) && board.isPowered(8)).toBe(true);
      expect(rt.safety.latched).toBeNull();
    } finally {
      await rt.close();
    }
  });
});
