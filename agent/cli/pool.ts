import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { LOG_FLAGS, LOG_USAGE, logFromFlags } from './log-options.js';
import { ConfigError } from '../config/schema.js';
import { loadPoolConfig } from '../config/pool.js';
import { runPool } from '../roles/pool/run.js';
import { ListenError } from '../net/listen-error.js';
import { untilSignal } from './signals.js';

export const pool: Command = {
  name: 'pool',
  summary: 'run the SV2 pool',
  usage: `hashagent pool --config pool.toml [--log-level L] [--log-format F]\n\n  ${LOG_USAGE}\n  An example with every key and its default: agent/config/examples/pool.toml`,
  async run(args) {
    const { flags, positional } = parseArgs(args, ['config', ...LOG_FLAGS]);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    const file = flags.get('config');
    if (typeof file !== 'string') throw new UsageError('--config is required');
    let config;
    try {
      config = loadPoolConfig(file);
    } catch (e) {
      if (e instanceof ConfigError) {
        process.stderr.write(`hashagent pool: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    const log = logFromFlags(flags, 'pool', config.log);
    let running;
    try {
      running = await runPool(config, log);
    } catch (e) {
      if (e instanceof ListenError) {
        process.stderr.write(`hashagent pool: ${file}: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    // systemctl reload sends SIGHUP: nothing of the pool changes live yet, but it must not die.
    const onHup = () => log('SIGHUP: the pool does not reload its configuration; restart it to apply changes (still running)');
    process.on('SIGHUP', onHup);
    log(`pool listening: ${running.url}`);
    log(`metrics: ${running.metricsUrl}`);
    await untilSignal();
    process.off('SIGHUP', onHup);
    log('stopping');
    await running.stop();
    return 0;
  },
};
