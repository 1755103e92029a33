import { roleCommand } from './role-runner.js';
import { loadPoolConfig } from '../config/pool.js';
import { runPool } from '../roles/pool/run.js';

export const pool = roleCommand({
  name: 'pool',
  summary: 'run the SV2 pool',
  usage: 'hashagent pool --config pool.toml [--seconds N]\n\n  An example with every key and its default: agent/config/examples/pool.toml\n  SIGHUP is logged; nothing of the pool changes live yet (restart it to apply changes).',
  title: 'pool',
  load: loadPoolConfig,
  start: (c, log) => runPool(c, log),
  banner: (r) => [`pool listening: ${r.url}`, `metrics: ${r.metricsUrl}`],
});
