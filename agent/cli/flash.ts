// `hashagent flash`: install the agent onto boards over SSH in service mode (alongside their
// Linux), take over from the stock miner behind a health gate, restore, or push a config.
// The work is in agent/flash/; this parses arguments and prints progress and the result table.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { readImageKey } from './image.js';
import { parseAgentConfig } from '../config/agent.js';
import { ConfigError } from '../config/schema.js';
import { parseTarget, TargetError, type Target } from '../flash/target.js';
import { preparePayload, PayloadError, type PreparedPayload } from '../flash/payload.js';
import { flashHost, pushConfig, type FlashPlan, type HostResult } from '../flash/flash-host.js';
import { forEachBounded, resultTable } from '../flash/fleet.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export const flash: Command = {
  name: 'flash',
  summary: 'install the agent onto boards over SSH (service mode), with health gate, rollback and restore',
  usage: [
    'hashagent flash --host user@board[:port] [--host …] --payload DIR|FILE.tar.xz --pubkey HEX|FILE [--config agent.toml]',
    'hashagent flash --host … --restore',
    'hashagent flash --host … --config agent.toml          (config only: push it and reload the agent)',
    '',
    '  --payload P          the signed payload folder (build/image/payload) or its payload.tar.xz',
    '  --pubkey K           the operator\'s image key (public, hex or file): checked here and on the board',
    '  --config F           agent.toml, validated here before anything is sent; pushed, agent reloaded',
    '  --restore            stop hashagent, remove its files, start the original miner again',
    '  --health-minutes N   chains up and a share accepted within N minutes, else roll back (default 10)',
    '  --identity FILE      SSH private key (default: ssh\'s own)',
    '  --known-hosts FILE   pinned host keys (default ~/.config/hashagent/known_hosts; first contact pins)',
    '  --parallel N         boards at once (default 4)',
    '',
    'Exit status: 0 when every board succeeded, 1 otherwise, 2 for bad arguments.',
  ].join('\n'),
  async run(args) {
    // --host repeats; the flag parser keeps one value per flag.
    const hosts: Target[] = [];
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--host' || a.startsWith('--host=')) {
        const v = a === '--host' ? args[++i] : a.slice(7);
        if (v === undefined) throw new UsageError('--host needs a value');
        try {
          hosts.push(parseTarget(v));
        } catch (e) {
          if (e instanceof TargetError) throw new UsageError(e.message);
          throw e;
        }
      } else rest.push(a);
    }
    const { flags, positional } = parseArgs(rest, ['payload', 'pubkey', 'config', 'health-minutes', 'identity', 'known-hosts', 'parallel', 'poll-seconds'], ['restore']);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    if (hosts.length === 0) throw new UsageError('give at least one --host user@board');
    const str = (k: string) => (typeof flags.get(k) === 'string' ? (flags.get(k) as string) : undefined);
    const num = (k: string, dflt: number, min: number) => {
      const v = str(k);
      if (v === undefined) return dflt;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min) throw new UsageError(`--${k}: expected a number ≥ ${min}, got ${v}`);
      return n;
    };
    const restore = flags.has('restore');
    if (restore && (str('payload') || str('config'))) throw new UsageError('--restore takes no --payload or --config');

    // The config is checked here, with the agent's own loader, before anything leaves this machine.
    let config: FlashPlan['config'];
    const configFile = str('config');
    if (configFile) {
      let text: string;
      try {
        text = readFileSync(configFile, 'utf8');
      } catch (e) {
        throw new UsageError(`--config: cannot read ${configFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      try {
        const cfg = parseAgentConfig(text, configFile);
        const port = Number(/:(\d+)$/.exec(cfg.api.http.listen)?.[1] ?? 8080);
        if (!cfg.api.http.enabled) throw new UsageError(`--config ${configFile}: api.http_enabled = false, but the health gate reads the agent's /metrics`);
        config = { text, board: cfg.board.name, httpPort: port };
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        process.stderr.write(`hashagent flash: ${e.message}\nrefused: the configuration is broken; nothing was sent\n`);
        return 1;
      }
    }

    let payload: PreparedPayload | undefined;
    let publicKeyHex: string | undefined;
    const payloadPath = str('payload');
    if (payloadPath) {
      const key = str('pubkey');
      if (!key) throw new UsageError('--payload needs --pubkey (the operator\'s image key)');
      const pub = readImageKey(key, '--pubkey');
      publicKeyHex = hex(pub);
      try {
        payload = preparePayload(payloadPath, pub);
      } catch (e) {
        if (!(e instanceof PayloadError)) throw e;
        process.stderr.write(`hashagent flash: ${e.message}\nrefused: nothing was sent\n`);
        return 1;
      }
      process.stdout.write(`payload ${payload.version}: ${payload.fileCount} files verified here, ${(payload.packedBytes / 1e6).toFixed(1)} MB to send\n`);
    } else if (!restore && !config) {
      throw new UsageError('give --payload (install), --config (config only) or --restore');
    }

    const ssh = {
      knownHosts: str('known-hosts') ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'hashagent/known_hosts'),
      identity: str('identity'),
    };
    const plan: FlashPlan = { payload, publicKeyHex, config, restore, healthMinutes: num('health-minutes', 10, 0), pollSeconds: num('poll-seconds', 5, 0.1) };
    let results: HostResult[];
    try {
      results = await forEachBounded(hosts, num('parallel', 4, 1), (t) => {
        const progress = (step: string) => process.stdout.write(`${t.label}: ${step}\n`);
        const r = payload || restore ? flashHost(t, ssh, plan, progress) : pushConfig(t, ssh, config!, progress);
        return r.then((res) => (progress(`${res.ok ? 'done' : 'FAILED'}: ${res.outcome}`), res));
      });
    } finally {
      payload?.cleanup();
    }
    process.stdout.write('\n' + resultTable(results) + '\n');
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
