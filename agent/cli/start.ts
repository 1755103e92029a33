import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { parseConfig } from '../config/schema.js';
import { poolSchema } from '../config/pool.js';
import { encodeSecretKey, generateAuthorityKeyPair } from '../sv2/keys.js';
import { runPool } from '../roles/pool/run.js';
import { CpuMiner } from '../roles/cpu-miner/miner.js';
import { untilSignal } from './signals.js';

// The main job on the embedded default. For now: the embedded pool on its regtest chain and a
// CPU miner connected over Noise; the firmware agent on emulated hashboards takes the CPU
// miner's place when it exists.
export const start: Command = {
  name: 'start',
  summary: 'demo on the embedded default: pool + regtest chain + CPU miner, no hardware, no bitcoind',
  usage: 'hashagent start [--seconds N] [--channel standard|extended]\n\n  Runs until Ctrl-C (or N seconds), printing shares, blocks and the /metrics URL.',
  async run(args) {
    const { flags, positional } = parseArgs(args, ['seconds', 'channel']);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    const seconds = flags.has('seconds') ? Number(flags.get('seconds')) : undefined;
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError('--seconds must be a positive number');
    const channel = (flags.get('channel') ?? 'extended') as string;
    if (channel !== 'standard' && channel !== 'extended') throw new UsageError('--channel must be standard or extended');

    const log = (l: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${l}\n`);
    const authority = generateAuthorityKeyPair();
    // Defaults of pool.toml with a fresh key, loopback only, about a share a second and a block
    // every 20 s for one CPU core (~300 kH/s).
    const config = parseConfig(
      `authority_secret_key = "${encodeSecretKey(authority.secretKey)}"\nlisten_address = "127.0.0.1:34254"\nshares_per_minute = 60.0\nmonitoring_address = "127.0.0.1:8080"\n[template_provider]\nnbits = 0x1e02ffff\ntemplate_interval_ms = 10000\n`,
      poolSchema,
      'embedded default',
    );
    const running = await runPool(config, (l) => log(`pool: ${l}`), { portFallback: true });
    log(`hashagent demo: SV2 pool on an embedded regtest chain (no bitcoind), a CPU miner on it over Noise`);
    log(`pool:    ${running.url}`);
    log(`metrics: ${running.metricsUrl}`);
    running.pool.on('block', (b) => log(`BLOCK ${b.height} ${b.hash}`));
    const url = new URL(running.url.replace('stratum2+tcp', 'http'));
    const miner = new CpuMiner({
      pools: [{ host: url.hostname, port: Number(url.port), authorityKey: authority.publicKey }], user: 'demo.cpu', channel,
      nominalHashrate: 300_000, log: (l) => log(`miner: ${l}`),
    });
    await miner.start();
    let shares = 0;
    running.pool.on('share', (s) => {
      if (s.ok) shares++;
      else log(`share rejected: ${s.error}`);
    });
    const status = () =>
      log(`${(miner.hashrate() / 1e3).toFixed(0)} kH/s | shares accepted ${shares} (acknowledged ${miner.stats.accepted}), rejected ${running.pool.shares.rejected.get()}, stale ${running.pool.shares.stale.get()} | blocks ${running.pool.blocksFound.get()}`);
    const timer = setInterval(status, 5000);
    log('mining — Ctrl-C to stop');
    await untilSignal(seconds);
    clearInterval(timer);
    status();
    miner.stop();
    await running.stop();
    return 0;
  },
};
