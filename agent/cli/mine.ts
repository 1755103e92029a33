import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { ConfigError } from '../config/schema.js';
import { loadAgentConfig, reloadPoolsOnSighup } from '../config/agent.js';
import { PoolEntryError } from '../net/job-source-failover.js';
import { MinerAgent } from '../roles/miner/agent.js';
import { statusLine } from '../roles/miner/status.js';
import { untilSignal } from './signals.js';

export const mine: Command = {
  name: 'mine',
  summary: 'the firmware agent: hashboards on a board (or emulated ones) mining on the pool list',
  usage: `hashagent mine --config agent.toml [--seconds N] [--status-interval S]

  An example per board, every key with its default: agent/config/examples/agent-<board>.toml.
  SIGHUP re-reads the pool list without stopping the chains; SIGTERM/SIGINT cut the voltage,
  hold the chains in reset and leave the fans at a safe speed before exiting.

  On a control board run it as \`node --max-semi-space-size=1 --max-old-space-size=48
  --v8-pool-size=1 hashagent.js mine …\` (image/rootfs/etc/systemd/system/hashagent.service):
  V8's default young generation alone would take ~40 MB of RAM, each extra V8 worker thread a few.`,
  async run(args) {
    const { flags, positional } = parseArgs(args, ['config', 'seconds', 'status-interval']);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    const file = flags.get('config');
    if (typeof file !== 'string') throw new UsageError('--config is required');
    const seconds = flags.has('seconds') ? Number(flags.get('seconds')) : undefined;
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError('--seconds must be a positive number');
    const interval = Number(flags.get('status-interval') ?? 5);
    if (!(interval > 0)) throw new UsageError('--status-interval must be a positive number');
    let cfg;
    try {
      cfg = loadAgentConfig(file);
    } catch (e) {
      if (e instanceof ConfigError) {
        process.stderr.write(`hashagent mine: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    const log = (l: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${l}\n`);
    return runMiner(cfg, log, { seconds, statusIntervalS: interval, file });
  },
};

/** Runs the agent until a signal (or `seconds`); shared with `hashagent start`. */
export async function runMiner(
  cfg: ReturnType<typeof loadAgentConfig>,
  log: (l: string) => void,
  o: { seconds?: number | undefined; statusIntervalS: number; file?: string; hashrateScale?: number; rampIntervalMs?: number },
): Promise<number> {
  const agent = new MinerAgent(cfg, {
    log,
    ...(o.hashrateScale !== undefined ? { hashrateScale: o.hashrateScale } : {}),
    ...(o.rampIntervalMs !== undefined ? { rampIntervalMs: o.rampIntervalMs } : {}),
  });
  try {
    await agent.start();
  } catch (e) {
    log(`cannot start: ${(e as Error).message}`);
    await agent.stop();
    return e instanceof PoolEntryError ? 2 : 1;
  }
  log(`mining on ${cfg.board.description}`);
  if (agent.metricsUrl) log(`metrics: ${agent.metricsUrl}`);
  const unhup = o.file
    ? reloadPoolsOnSighup(
        o.file,
        (pools) => {
          log(`SIGHUP: ${pools.length} pool(s) reloaded; the chains keep hashing`);
          agent.setPools(pools);
        },
        (e) => log(`SIGHUP: ${e.message}; keeping the current pool list`),
      )
    : () => undefined;
  const timer = setInterval(() => log(statusLine(agent)), o.statusIntervalS * 1000);
  const why = await untilSignal(o.seconds);
  clearInterval(timer);
  unhup();
  log(statusLine(agent));
  log(`${why === 'timeout' ? 'time is up' : why}: stopping hashing, voltage off, resets held`);
  const allOff = await agent.stop();
  log(allOff ? 'all chains powered down' : 'WARNING: some chain could not be powered down (see above)');
  return 0;
}
