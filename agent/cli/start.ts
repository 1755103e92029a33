import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { parsePoolConfig } from '../config/pool.js';
import { encodeSecretKey, generateAuthorityKeyPair } from '../sv2/keys.js';
import { runPool } from '../roles/pool/run.js';
import { CpuMiner } from '../roles/cpu-miner/miner.js';
import { untilSignal } from './signals.js';
import { ConfigError } from '../config/schema.js';
import { parseAgentConfig } from '../config/agent.js';
import { runMiner } from './mine.js';
import { LOG_FLAGS, LOG_USAGE, logFromFlags } from './log-options.js';

// The main job on the embedded default: the firmware agent on an emulated Antminer S9 (three
// chains of 63 BM1387 chips in process, with the board model's PIC, sensors and fans) mining on
// the embedded SV2 pool over Noise, whose template source is the embedded regtest chain.
// `--cpu` keeps the earlier demo: a CPU miner instead of the agent.
export const start: Command = {
  name: 'start',
  summary: 'the main job on the embedded default: the agent on an emulated S9 + the SV2 pool on a regtest chain; no hardware, no bitcoind',
  usage: `hashagent start [--seconds N] [--board emulated-antminer-s9|…] [--cpu [--channel standard|extended]] [--log-level L] [--log-format F]\n\n  ${LOG_USAGE}\n  Runs until Ctrl-C (or N seconds), printing hash rate, shares, temperatures, blocks and the /metrics URLs.`,
  drivesHardware: true,
  async run(args, { guard }) {
    const { flags, positional } = parseArgs(args, ['seconds', 'channel', 'board', ...LOG_FLAGS], ['cpu']);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    const seconds = flags.has('seconds') ? Number(flags.get('seconds')) : undefined;
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError('--seconds must be a positive number');
    const channel = (flags.get('channel') ?? 'extended') as string;
    if (channel !== 'standard' && channel !== 'extended') throw new UsageError('--channel must be standard or extended');
    const board = String(flags.get('board') ?? 'emulated-antminer-s9');
    if (!/^emulated-[a-z0-9-]+$/.test(board)) throw new UsageError('--board must be an emulated-* board (hashagent start needs no hardware)');
    const cpu = flags.has('cpu');

    const log = logFromFlags(flags, 'hashagent');
    const authority = generateAuthorityKeyPair();
    // Defaults of pool.toml with a fresh key, loopback only, a share every couple of seconds and
    // a block every ~30 s for what the emulator (or one CPU core) really hashes (~100–300 kH/s).
    const config = parsePoolConfig(
      `authority_secret_key = "${encodeSecretKey(authority.secretKey)}"\nlisten_address = "127.0.0.1:34254"\nshares_per_minute = 30.0\nmonitoring_address = "127.0.0.1:8080"\n[template_provider]\nnbits = ${cpu ? '0x1e02ffff' : '0x1e00ffff'}\ntemplate_interval_ms = 10000\n`,
      'embedded default',
    );
    const running = await runPool(config, (l) => log(`pool: ${l}`), { portFallback: true });
    log(`pool:    ${running.url}`);
    log(`metrics: ${running.metricsUrl} (pool)`);
    running.pool.on('block', (b) => log(`BLOCK ${b.height} ${b.hash}`));
    let shares = 0;
    running.pool.on('share', (s) => {
      if (s.ok) shares++;
      else log(`share rejected by the pool: ${s.error}`);
    });
    if (!cpu) {
      const agentToml = `[[pools]]\nurl = "${running.url}"\nuser = "demo.agent"\n[board]\nname = "${board}"\n[api]\nhttp_listen = "127.0.0.1:0"\ncgminer_enabled = false\n`;
      let cfg;
      try {
        cfg = parseAgentConfig(agentToml, 'embedded default');
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        await running.stop();
        throw new UsageError(e.message);
      }
      log(`hashagent: the firmware agent on ${cfg.board.description}, mining on the pool above over Noise`);
      // The emulated PLLs ramp in 6.25 MHz steps every 10 ms instead of 100 ms: no real silicon to settle.
      const code = await runMiner(cfg, log, { seconds, statusIntervalS: 5, rampIntervalMs: 10, ...(guard ? { guard } : {}) });
      log(`pool: shares accepted ${shares}, rejected ${running.pool.shares.rejected.get()}, stale ${running.pool.shares.stale.get()} | blocks ${running.pool.blocksFound.get()}`);
      await running.stop();
      return code;
    }
    log(`hashagent demo: a CPU miner on the pool above over Noise`);
    const url = new URL(running.url.replace('stratum2+tcp', 'http'));
    const miner = new CpuMiner({
      pools: [{ host: url.hostname, port: Number(url.port), authorityKey: authority.publicKey }], user: 'demo.cpu', channel,
      nominalHashrate: 300_000, log: (l) => log(`miner: ${l}`),
    });
    await miner.start();
    const status = () =>
      log(`${(miner.hashrate() / 1e3).toFixed(0)} kH/s | shares accepted ${shares} (acknowledged ${miner.stats.accepted}), rejected ${running.pool.shares.rejected.get()}, stale ${running.pool.shares.stale.get()} | blocks ${running.pool.blocksFound.get()}`);
    const timer = setInterval(status, 5000);
    log('mining — Ctrl-C to stop');
    await untilSignal(seconds, guard?.signal);
    clearInterval(timer);
    status();
    miner.stop();
    await running.stop();
    return 0;
  },
};
