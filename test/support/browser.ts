// Headless Debian chromium driven by playwright-core (its client only: no browser is downloaded),
// with a fresh profile in a temp folder removed on close, and no network of its own (no updates,
// sync, QUIC or background fetches): it only talks to the page it is pointed at.
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM } from './tools.js';
import { tempDir } from './processes.js';

export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function openBrowser(): Promise<{ context: BrowserContext; page: Page; close: () => Promise<void> }> {
  const profile = tempDir('hashagent-chromium-');
  let context: BrowserContext;
  try {
    // The persistent context takes the profile folder as --user-data-dir.
    context = await chromium.launchPersistentContext(profile.dir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
  } catch (e) {
    profile.remove();
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => undefined);
      profile.remove();
    },
  };
}
