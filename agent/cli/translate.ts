import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { LOG_FLAGS, LOG_USAGE, logFromFlags } from './log-options.js';
import { ConfigError } from '../config/schema.js';
import { loadTranslatorConfig } from '../config/translator.js';
import { runTranslator } from '../roles/translator/run.js';
import { untilSignal } from './signals.js';

export const translate: Command = {
  name: 'translate',
  summary: 'run the SV1 → SV2 translator proxy for SV1 machines',
  usage: `hashagent translate --config translator.toml [--seconds N] [--log-level L] [--log-format F]\n\n  ${LOG_USAGE}\n  An example with every key and its default: agent/config/examples/translator.toml`,
  async run(args) {
    const { flags, positional } = parseArgs(args, ['config', 'seconds', ...LOG_FLAGS]);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    const file = flags.get('config');
    if (typeof file !== 'string') throw new UsageError('--config is required');
    const seconds = flags.has('seconds') ? Number(flags.get('seconds')) : undefined;
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError('--seconds must be a positive number');
    let config;
    try {
      config = loadTranslatorConfig(file);
    } catch (e) {
      if (e instanceof ConfigError) {
        process.stderr.write(`hashagent translate: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    const log = logFromFlags(flags, 'translator', config.log);
    let running;
    try {
      running = await runTranslator(config, log);
    } catch (e) {
      process.stderr.write(`hashagent translate: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    log(`translator listening: ${running.url}`);
    log(`metrics: ${running.metricsUrl}`);
    // systemctl reload sends SIGHUP: nothing changes live yet, but the proxy must not die.
    const onHup = () => log('SIGHUP: the translator does not reload its configuration; restart it to apply changes (still running)');
    process.on('SIGHUP', onHup);
    await untilSignal(seconds);
    process.off('SIGHUP', onHup);
    log('stopping');
    await running.stop();
    return 0;
  },
};
