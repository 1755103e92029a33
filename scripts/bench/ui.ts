// ui.bundle_bytes: the operator's page as the agent serves it (dist/ui/agent.html, one file with
// its script, styles and uPlot), gzipped at level 9, against the 150 KB budget of a control board.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { pagePath } from '../../agent/api/static-page.js';
import type { Bench } from './types.js';

const BUDGET = 150 * 1024;

export const uiBench: Bench = {
  name: 'ui',
  run(report) {
    const sizes = Object.fromEntries(
      ['agent', 'pool'].map((name) => {
        const p = pagePath(name);
        if (!p) return [name, null];
        const html = readFileSync(p);
        return [name, { raw: html.length, gzip: gzipSync(html, { level: 9 }).length }];
      }),
    ) as Record<string, { raw: number; gzip: number } | null>;
    const agent = sizes.agent;
    if (!agent) {
      report({ name: 'ui.bundle_bytes', value: Number.NaN, unit: 'bytes gzipped', error: 'dist/ui/agent.html not found: run `node scripts/build.mjs`' });
      return;
    }
    report({
      name: 'ui.bundle_bytes', value: agent.gzip, unit: 'bytes gzipped (level 9), the agent page with script, styles and uPlot',
      ratio: +(agent.gzip / BUDGET).toFixed(3), target: '<= 1', target_value: `<= ${BUDGET} bytes (150 KB)`, baseline_name: 'the budget (no same-run baseline)',
      raw_bytes: agent.raw, pool_page_gzip_bytes: sizes.pool?.gzip ?? null,
    });
  },
};
