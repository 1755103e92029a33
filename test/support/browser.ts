// The page tests' browser: scripts/headless-chromium.ts (shared with the agent bench).
export { openBrowser, CHROMIUM_FLAGS } from '../../scripts/headless-chromium.js';
