// Headless Debian chromium driven by playwright-core (its client only: no browser is downloaded),
// with a fresh profile in a temp folder removed on close, and no network of its own (no updates,
// sync, QUIC or background fetches): it only talks to the page it is pointed at. The page tests
// (test/support/browser.ts) and the agent bench (page open while agent.rss_s9 is measured) use it.
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's package (.ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface OpenBrowser {
  context: BrowserContext;
  page: Page;
  /** The browser's main process (for its own memory figures). */
  close(): Promise<void>;
}

export async function openBrowser(): Promise<OpenBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'hashagent-chromium-'));
  const remove = () => rmSync(profile, { recursive: true, force: true });
  let context: BrowserContext;
  try {
    // The persistent context takes the profile folder as --user-data-dir.
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
  } catch (e) {
    remove();
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => undefined);
      remove();
    },
  };
}
