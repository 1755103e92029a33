import { roleCommand } from './role-runner.js';
import { loadTranslatorConfig } from '../config/translator.js';
import { reloadTranslator, runTranslator } from '../roles/translator/run.js';

export const translate = roleCommand({
  name: 'translate',
  summary: 'run the SV1 → SV2 translator proxy for SV1 machines',
  usage: [
    'hashagent translate --config translator.toml [--seconds N]',
    '',
    '  An example with every key and its default: agent/config/examples/translator.toml',
    '  SIGHUP re-reads the file: the upstream list, shares_per_minute, min_individual_miner_hashrate,',
    '  [vardiff] min_hashrate and [limits] apply at once; the listeners, channel',
    '  layout and version mask need a restart (logged, old value kept).',
  ].join('\n'),
  title: 'translator',
  load: loadTranslatorConfig,
  start: (c, log) => runTranslator(c, log),
  banner: (r) => [`translator listening: ${r.url}`, `metrics: ${r.metricsUrl}`],
  reload: reloadTranslator,
});
