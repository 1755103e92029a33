/// <reference lib="dom" />
// The operator's page in a real browser (Debian's headless chromium): an agent mining on an
// emulated S9 serves it at /; the chart shows points, the chip map has 3 × 63 = 189 chips, a chip
// made to stop hashing on the emulator turns red within one refresh once the agent reports it, and
// an action sent without the token is refused. A screenshot goes to build/test-output/.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestAgent, startTestPool, until } from '../../support/agent-rig.js';
import { haveChromium, openBrowser } from '../../support/browser.js';
import { assertSchema } from '../../support/openapi-validator.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'build', 'test-output');

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => {
  // The page the agent serves is the one the build makes.
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build-ui.mjs')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the UI failed: ${r.stderr}`);
});

describe.skipIf(!haveChromium)('the operator page in headless chromium', () => {
  it('loads from an agent on an emulated S9: chart points, 189 chips, a stopped chip turns red, a token-less action is refused', async () => {
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    // Ticket 2 at half rate: ~10 nonces/s per chip, so a 2 s chip-health window tells a stopped one.
    const agent = await startTestAgent('emulated-antminer-s9', [{ url: pool.url }], { ticketDifficulty: 2, hashrateScale: 0.5, chipCheckMs: 2000, extra: 'token = "page-test-token-0123456789"\n' });
    cleanups.push(() => agent.stop());
    await until('shares', () => pool.pool.shares.accepted.get() > 0, 30_000);
    await until('two rate points', () => agent.rateHistory.pushed >= 2, 30_000);
    const browser = await openBrowser();
    cleanups.push(() => browser.close());
    const { page } = browser;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const base = agent.metricsUrl!.replace(/\/metrics$/, '');
    await page.goto(`${base}/?refresh=1`);
    await page.waitForFunction(() => Number(document.body.dataset.refreshes) >= 1, undefined, { timeout: 30_000 });

    // The chart: uPlot drew a canvas from the agent's points.
    expect(Number(await page.locator('#chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    // The chip map: every chip of every chain.
    expect(await page.locator('[data-chain] .chips > div').count()).toBe(189);
    expect(await page.locator('[data-chain="8"] .chips > div').count()).toBe(63);
    // Red only for what the agent reports (a loaded machine can make chip health flag a slow chip).
    const target = page.locator('[data-chain="8"] .chips > div').nth(17);
    // (No "not red before" check: on a loaded machine chip health can flag chip 17 as slow before
    // the fault — seen on a fresh-clone CI run. The page follows what the agent reports.)

    // Chip 17 of chain 8 (emulator chain 2) stops hashing; once chip health reports it, the next
    // refresh that starts shows it red.
    agent.emulator!.chain(2).stopHashing(17);
    await until('chip 17 reported stopped', () => agent.stoppedChips(8).includes(17), 30_000);
    const started = Number(await page.evaluate(() => document.body.dataset.refreshStarted));
    await page.waitForFunction((n) => Number(document.body.dataset.refreshes) >= n + 1, started, { timeout: 30_000 });
    expect(await target.getAttribute('class')).toMatch(/\bbad\b/);
    expect(await target.getAttribute('data-state')).toBe('stopped');
    // The event log shows it too.
    await page.waitForFunction(() => /chip 17 stopped hashing/.test(document.getElementById('events')!.textContent ?? ''), undefined, { timeout: 30_000 });

    // An action from the page without the token: refused.
    const status = await page.evaluate(() => fetch('/api/v1/actions/reboot', { method: 'POST' }).then((r) => r.status));
    expect(status).toBe(401);
    expect(agent.safety!.halted).toBe(false);

    mkdirSync(SCREENSHOTS, { recursive: true });
    const shot = resolve(SCREENSHOTS, 'agent-page.png');
    await page.setViewportSize({ width: 1280, height: 1100 });
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
    expect(errors).toEqual([]);
  }, 180_000);

  it('the pool page shows the agent as a user with its shares', async () => {
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    const agent = await startTestAgent('emulated-antminer-s9', [{ url: pool.url }], { ticketDifficulty: 2, hashrateScale: 0.3 });
    cleanups.push(() => agent.stop());
    await until('shares', () => pool.pool.shares.accepted.get() > 0, 30_000);
    const browser = await openBrowser();
    cleanups.push(() => browser.close());
    await browser.page.goto(`${pool.metricsUrl.replace(/\/metrics$/, '')}/?refresh=1`);
    await browser.page.waitForFunction(() => /test\.emulated-antminer-s9/.test(document.getElementById('users')!.textContent ?? ''), undefined, { timeout: 30_000 });
    expect(await browser.page.locator('#conns').textContent()).toMatch(/^1 connections, [1-9]\d* channels$/);
    const status = await (await fetch(pool.metricsUrl.replace(/\/metrics$/, '/api/v1/pool'))).json();
    assertSchema('PoolStatus', status);
    expect(status.users[0].hashrate_hps).toBeGreaterThan(0);
    mkdirSync(SCREENSHOTS, { recursive: true });
    const shot = resolve(SCREENSHOTS, 'pool-page.png');
    await browser.page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
  }, 120_000);
});
