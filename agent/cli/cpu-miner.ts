import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { parsePoolUrl } from '../sv2/keys.js';
import { Sv2Error } from '../sv2/errors.js';
import { CpuMiner } from '../roles/cpu-miner/miner.js';
import { untilSignal } from './signals.js';

export const cpuMiner: Command = {
  name: 'cpu-miner',
  summary: 'mine on an SV2 pool with the CPU (tests and demos)',
  usage: [
    'hashagent cpu-miner --pool stratum2+tcp://HOST:PORT/<authority_pubkey>[,URL2,…] [--user U] [--channel standard|extended] [--insecure]',
    '',
    '  --pool       one URL, or an ordered failover list separated by commas',
    '  --insecure   connect to a pool URL without a key, accepting any server (unauthenticated)',
    '  --threads N  hash on N worker threads (default 1: the main thread)',
    '  --seconds N  stop after N seconds',
  ].join('\n'),
  async run(args) {
    const { flags, positional } = parseArgs(args, ['pool', 'user', 'channel', 'seconds', 'hashrate', 'threads'], ['insecure']);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    const poolText = flags.get('pool');
    if (typeof poolText !== 'string') throw new UsageError('--pool is required');
    const insecure = flags.get('insecure') === true;
    const pools = poolText.split(',').map((text) => {
      let url;
      try {
        url = parsePoolUrl(text);
      } catch (e) {
        if (e instanceof Sv2Error) throw new UsageError(e.message);
        throw e;
      }
      if (url.scheme !== 'stratum2+tcp') throw new UsageError(`${text}: the CPU miner speaks SV2: use a stratum2+tcp:// URL`);
      if (!url.authorityKey && !insecure) throw new UsageError(`${text}: the pool URL has no authority key: add it (…/<authority_pubkey>) or pass --insecure`);
      return { host: url.host, port: url.port, authorityKey: url.authorityKey, insecure };
    });
    const channel = (flags.get('channel') ?? 'extended') as string;
    if (channel !== 'standard' && channel !== 'extended') throw new UsageError('--channel must be standard or extended');
    const seconds = flags.has('seconds') ? Number(flags.get('seconds')) : undefined;
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError('--seconds must be a positive number');
    const threads = Number(flags.get('threads') ?? 1);
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new UsageError('--threads must be an integer from 1 to 256');
    const log = (l: string) => process.stdout.write(`${new Date().toISOString()} ${l}\n`);
    const miner = new CpuMiner({
      threads,
      pools, user: (flags.get('user') as string | undefined) ?? 'hashagent.cpu',
      channel, nominalHashrate: Number(flags.get('hashrate') ?? 500_000), log,
    });
    try {
      await miner.start();
    } catch (e) {
      process.stderr.write(`hashagent cpu-miner: cannot connect to ${poolText}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    const onClosed = (r: Error | null) => log(`pool connection closed${r ? `: ${r.message}` : ''}; reconnecting`);
    miner.on('closed', onClosed);
    const timer = setInterval(() => log(`${(miner.hashrate() / 1e3).toFixed(1)} kH/s, shares accepted ${miner.stats.accepted}, rejected ${miner.stats.rejected}, pool ${miner.activePool + 1}`), 10_000);
    await untilSignal(seconds);
    clearInterval(timer);
    miner.off('closed', onClosed);
    miner.stop();
    log(`done: ${miner.stats.hashes} hashes, ${miner.stats.submitted} shares submitted, ${miner.stats.accepted} accepted, ${miner.stats.rejected} rejected`);
    return 0;
  },
};
