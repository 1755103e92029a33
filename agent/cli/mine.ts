import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { loadOrExit } from './role-runner.js';
import { loadAgentConfig, reloadPools } from '../config/agent.js';
import { PoolEntryError } from '../upstream/job-source-failover.js';
import { MinerAgent } from '../roles/miner/agent.js';
import { ListenError } from '../net/listen-error.js';
import { EMULATED_STATE_ENV } from '../../board/emulated/state-record.js';
import { statusLine } from '../roles/miner/status.js';
import { ProcessGuard } from '../safety/process-guard.js';
import { consoleLog } from '../log.js';

export const mine: Command = {
  name: 'mine',
  summary: 'the firmware agent: hashboards on a board (or emulated ones) mining on the pool list',
  usage: `hashagent mine --config agent.toml [--seconds N] [--status-interval S]

  An example per board, every key with its default: agent/config/examples/agent-<board>.toml.
  SIGHUP re-reads the pool list without stopping the chains (one during bring-up is applied once
  the chains are up); SIGTERM/SIGINT — at any moment, bring-up included — cut the voltage, hold
  the chains in reset and leave the fans at a safe speed before exiting. An uncaught fault does
  the same, then exits 1. A busy API/metrics port or a bad pool list exits 2 before any voltage.

  On a control board run it as \`node --max-semi-space-size=1 --max-old-space-size=48
  --v8-pool-size=1 hashagent.js mine …\` (image/rootfs/etc/systemd/system/hashagent.service):
  V8's default young generation alone would take ~40 MB of RAM, each extra V8 worker thread a few.`,
  drivesHardware: true,
  async run(args, { guard }) {
    const { flags, positional } = parseArgs(args, ['config', 'seconds', 'status-interval']);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    const file = flags.get('config');
    if (typeof file !== 'string') throw new UsageError('--config is required');
    const seconds = flags.has('seconds') ? Number(flags.get('seconds')) : undefined;
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError('--seconds must be a positive number');
    const interval = Number(flags.get('status-interval') ?? 5);
    if (!(interval > 0)) throw new UsageError('--status-interval must be a positive number');
    const loaded = loadOrExit('mine', loadAgentConfig, file);
    if ('exit' in loaded) return loaded.exit;
    return runMiner(loaded.config, consoleLog(), { seconds, statusIntervalS: interval, file, ...(guard ? { guard } : {}) });
  },
};

/** Runs the agent until a signal (or `seconds`); shared with `hashagent start`. */
export async function runMiner(
  cfg: ReturnType<typeof loadAgentConfig>,
  log: (l: string) => void,
  o: { seconds?: number | undefined; statusIntervalS: number; file?: string; hashrateScale?: number; rampIntervalMs?: number; guard?: ProcessGuard },
): Promise<number> {
  const guard = o.guard ?? new ProcessGuard({ log }).install();
  const stateFile = cfg.board.emulation ? process.env[EMULATED_STATE_ENV] : undefined;
  const agent = new MinerAgent(cfg, {
    log,
    signal: guard.signal,
    onPowerDown: (fn) => guard.onPowerDown(fn),
    ...(stateFile ? { board: { emulation: { stateFile } } } : {}),
    ...(o.hashrateScale !== undefined ? { hashrateScale: o.hashrateScale } : {}),
    ...(o.rampIntervalMs !== undefined ? { rampIntervalMs: o.rampIntervalMs } : {}),
  });
  const timer = o.seconds !== undefined ? setTimeout(() => guard.stop('timeout'), o.seconds * 1000) : null;
  try {
    await agent.start();
  } catch (e) {
    if (!guard.signal.aborted) {
      log(`cannot start: ${(e as Error).message}`);
      await agent.stop();
      if (timer) clearTimeout(timer);
      return e instanceof PoolEntryError || e instanceof ListenError ? 2 : 1;
    }
  }
  let status: NodeJS.Timeout | null = null;
  let unhup = () => {};
  if (!guard.signal.aborted) {
    log(`mining on ${cfg.board.description}`);
    if (agent.metricsUrl) log(`metrics: ${agent.metricsUrl}`);
    const file = o.file;
    if (file) {
      const keep = (e: Error) => log(`SIGHUP: ${e.message}; keeping the current pool list`);
      unhup = guard.onReload(() => {
        try {
          reloadPools(
            file,
            (pools) => {
              agent.setPools(pools);
              log(`SIGHUP: ${pools.length} pool(s) reloaded; the chains keep hashing`);
            },
            keep,
          );
        } catch (e) {
          keep(e as Error); // an unreadable file, a pool entry the list refuses: never a fault
        }
      });
    }
    status = setInterval(() => log(statusLine(agent)), o.statusIntervalS * 1000);
    await new Promise<void>((r) => (guard.signal.aborted ? r() : guard.signal.addEventListener('abort', () => r(), { once: true })));
  }
  if (status) clearInterval(status);
  if (timer) clearTimeout(timer);
  unhup();
  const why = guard.reason ?? 'stop';
  log(statusLine(agent));
  log(`${why === 'timeout' ? 'time is up' : why}: stopping hashing, voltage off, resets held`);
  const allOff = await agent.stop();
  log(allOff ? 'all chains powered down' : 'WARNING: some chain could not be powered down (see above)');
  return 0;
}
