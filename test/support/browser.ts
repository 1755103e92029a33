// The page tests' browser: scripts/headless-chromium.ts (shared with the agent bench).
import { CHROMIUM } from '../../scripts/headless-chromium.js';
import { needTool } from './tools.js';

export { openBrowser, CHROMIUM_FLAGS } from '../../scripts/headless-chromium.js';

/** Debian's chromium drives the operator's page tests (nothing is downloaded: .ci/run installs it);
 * with CI set a missing one fails the run. */
export const haveChromium = needTool(CHROMIUM, '--version');
