import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { parsePoolUrl } from '../sv2/keys.js';
import { Sv2Error } from '../sv2/errors.js';
import { CpuMiner } from '../roles/cpu-miner/miner.js';
import { Sv1JobSource } from '../upstream/sv1-job-source.js';
import { untilSignal } from './signals.js';

export const cpuMiner: Command = {
  name: 'cpu-miner',
  summary: 'mine on an SV2 (or SV1) pool with the CPU (tests and demos)',
  usage: [
    'hashagent cpu-miner --pool stratum2+tcp://HOST:PORT/<authority_pubkey>[,URL2,…] [--user U] [--channel standard|extended] [--insecure]',
    '',
    '       hashagent cpu-miner --pool stratum+tcp://HOST:PORT [--user U] [--password P] [--suggest-difficulty D]',
    '',
    '  --pool       one URL, or an ordered failover list separated by commas (SV2); or one SV1 URL',
    '  --insecure   connect to a pool URL without a key, accepting any server (unauthenticated)',
    '  --threads N  hash on N worker threads (default 1: the main thread)',
    '  --suggest-difficulty D  SV1: ask the pool for share difficulty D (mining.suggest_difficulty)',
    '  --seconds N  stop after N seconds',
  ].join('\n'),
  async run(args) {
    const { flags, positional } = parseArgs(args, ['pool', 'user', 'password', 'channel', 'seconds', 'hashrate', 'threads', 'suggest-difficulty'], ['insecure']);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    const poolText = flags.get('pool');
    if (typeof poolText !== 'string') throw new UsageError('--pool is required');
    const insecure = flags.get('insecure') === true;
    const urls = poolText.split(',').map((text) => {
      try {
        return { text, url: parsePoolUrl(text) };
      } catch (e) {
        if (e instanceof Sv2Error) throw new UsageError(e.message);
        throw e;
      }
    });
    const sv1 = urls.filter((u) => u.url.scheme === 'stratum+tcp');
    if (sv1.length && urls.length > 1) throw new UsageError('an SV1 (stratum+tcp://) pool is mined alone: give one URL');
    const pools = sv1.length ? [] : urls.map(({ text, url }) => {
      if (!url.authorityKey && !insecure) throw new UsageError(`${text}: the pool URL has no authority key: add it (…/<authority_pubkey>) or pass --insecure`);
      return { host: url.host, port: url.port, authorityKey: url.authorityKey, insecure };
    });
    const channel = (flags.get('channel') ?? 'extended') as string;
    if (channel !== 'standard' && channel !== 'extended') throw new UsageError('--channel must be standard or extended');
    const seconds = flags.has('seconds') ? Number(flags.get('seconds')) : undefined;
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError('--seconds must be a positive number');
    const threads = Number(flags.get('threads') ?? 1);
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new UsageError('--threads must be an integer from 1 to 256');
    const suggest = flags.has('suggest-difficulty') ? Number(flags.get('suggest-difficulty')) : undefined;
    if (suggest !== undefined && !(suggest > 0 && Number.isFinite(suggest))) throw new UsageError('--suggest-difficulty must be a positive number');
    if (suggest !== undefined && !sv1.length) throw new UsageError('--suggest-difficulty is for SV1 (stratum+tcp://) pools; an SV2 pool sets the target from --hashrate');
    const log = (l: string) => process.stdout.write(`${new Date().toISOString()} ${l}\n`);
    const user = (flags.get('user') as string | undefined) ?? 'hashagent.cpu';
    const password = flags.get('password');
    // SV1 goes through the agent's built-in translator (Sv1JobSource); the mining loop is the same.
    const source = sv1.length
      ? new Sv1JobSource({ host: sv1[0]!.url.host, port: sv1[0]!.url.port, user, ...(typeof password === 'string' ? { password } : {}), ...(suggest !== undefined ? { suggestDifficulty: suggest } : {}), log })
      : undefined;
    const miner = new CpuMiner({
      ...(source ? { source } : {}),
      threads,
      pools, user,
      channel, nominalHashrate: Number(flags.get('hashrate') ?? 500_000), log,
    });
    // --seconds counts from now: a pool list that cannot be set up must not hold the process.
    const deadline = seconds !== undefined ? Date.now() + seconds * 1000 : undefined;
    const started = miner.start().then(() => 'started' as const);
    started.catch(() => {});
    let outcome: 'started' | string;
    try {
      outcome = await Promise.race([started, untilSignal(seconds)]);
    } catch (e) {
      process.stderr.write(`hashagent cpu-miner: cannot connect to ${poolText}: ${e instanceof Error ? e.message : String(e)}\n`);
      miner.stop();
      return 1;
    }
    if (outcome !== 'started') {
      log(`stopped (${outcome}) before any pool could be set up`);
      miner.stop();
      return 0;
    }
    const onClosed = (r: Error | null) => log(`pool connection closed${r ? `: ${r.message}` : ''}; reconnecting`);
    miner.on('closed', onClosed);
    const timer = setInterval(() => log(`${(miner.hashrate() / 1e3).toFixed(1)} kH/s, shares accepted ${miner.stats.accepted}, rejected ${miner.stats.rejected}, pool ${miner.activePool + 1}`), 10_000);
    await untilSignal(deadline !== undefined ? Math.max(0, (deadline - Date.now()) / 1000) : undefined);
    clearInterval(timer);
    miner.off('closed', onClosed);
    miner.stop();
    log(`done: ${miner.stats.hashes} hashes, ${miner.stats.submitted} shares submitted, ${miner.stats.accepted} accepted, ${miner.stats.rejected} rejected`);
    return 0;
  },
};
