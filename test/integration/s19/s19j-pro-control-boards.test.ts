// The S19j Pro definitions of both control boards mine end to end: their chain ttys are real
// ptys (socat) with the chip-chain emulator on the far side through serialport, and their power
// path is the real driver stack (APW12 framing, dsPIC or PIC1704 commands, enable GPIO) against
// the models on the emulated board's I2C buses; shares are accepted by the embedded SV2 pool.
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatedHashboards } from '../../../board/emulated/hashboard.js';
import { startTestAgent, startTestPool, until } from '../../support/agent-rig.js';
import { haveSocat } from '../../support/tools.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.each(['antminer-s19j-pro-bbb', 'antminer-s19j-pro-amlogic'])('agent on emulated-%s over ptys', (name) => {
  it.skipIf(!haveSocat)('powers the hashboards through the APW12 and their controllers, enumerates 3 × 126 BM1362 and gets shares accepted', async () => {
    const { boards, addresses } = await EmulatedHashboards.listen('antminer-s19j-pro', 'pty', { hashrateScale: 0.5 });
    cleanups.push(() => boards.close());
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    const links = addresses.map((a, i) => `[hash_chain.${i}]\nlink = "${a}"\n`).join('');
    const agent = await startTestAgent(`emulated-${name}`, [{ url: pool.url }], { hashrateScale: 0.5, ticketDifficulty: 64, extra: links });
    cleanups.push(() => agent.stop());
    await until('accepted shares', () => pool.pool.shares.accepted.get() > 1, 90_000);
    const chains = [...agent.chains.values()];
    expect(chains.length).toBe(3);
    expect(chains.every((c) => c.found === 126)).toBe(true);
    expect(chains.reduce((s, c) => s + c.driver.stats.hwErrors, 0)).toBe(0);
    expect(pool.pool.shares.rejected.get()).toBe(0);
    // The rails as the board reports them: every chain's supply on (PSU enable line and controller DC-DC).
    const text = await (await fetch(agent.metricsUrl!)).text();
    for (const n of [0, 1, 2]) expect(text).toMatch(new RegExp(`^hashagent_chain_powered\\{chain="${n}"\\} 1$`, 'm'));
  });
});
