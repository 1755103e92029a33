// An embedded SV2 pool on its regtest chain and agent.toml text for an emulated board: what the
// agent's end-to-end tests stand on (real TCP, real Noise, real SHA-256 all the way).
import { parsePoolConfig } from '../../agent/config/pool.js';
import { parseAgentConfig } from '../../agent/config/agent.js';
import { encodeSecretKey, generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { runPool, type RunningPool } from '../../agent/roles/pool/run.js';
import { MinerAgent, type MinerAgentOptions } from '../../agent/roles/miner/agent.js';

export interface TestPool extends RunningPool {
  secret: string;
}

/** A pool on `port` (0: any). nbits 0x1d00ffff: no block in a test, so no share goes stale. */
export async function startTestPool(o: { port?: number; secret?: string; nbits?: string; sharesPerMinute?: number; log?: (line: string) => void } = {}): Promise<TestPool> {
  const secret = o.secret ?? encodeSecretKey(generateAuthorityKeyPair().secretKey);
  const cfg = parsePoolConfig(
    `authority_secret_key = "${secret}"\nlisten_address = "127.0.0.1:${o.port ?? 0}"\nshares_per_minute = ${(o.sharesPerMinute ?? 60).toFixed(1)}\nmonitoring_address = "127.0.0.1:0"\n[template_provider]\nnbits = ${o.nbits ?? '0x1d00ffff'}\ntemplate_interval_ms = 60000\n`,
    'test pool',
  );
  return { ...(await runPool(cfg, o.log ?? (() => undefined))), secret };
}

export function agentToml(board: string, pools: { url: string; fallbackSv1?: string }[], extra = ''): string {
  const list = pools.map((p) => `[[pools]]\nurl = "${p.url}"\nuser = "test.${board}"\n${p.fallbackSv1 ? `fallback_sv1 = "${p.fallbackSv1}"\n` : ''}`).join('');
  return `${list}[board]\nname = "${board}"\n[api]\nhttp_listen = "127.0.0.1:0"\ncgminer_enabled = false\n${extra}`;
}

/** Starts the agent on an emulated board; stopped by `cleanup`. */
export async function startTestAgent(board: string, pools: { url: string; fallbackSv1?: string }[], o: MinerAgentOptions & { extra?: string; lines?: string[] } = {}): Promise<MinerAgent> {
  const cfg = parseAgentConfig(agentToml(board, pools, o.extra), `${board}.toml`);
  const agent = new MinerAgent(cfg, { rampIntervalMs: 0, replyTimeoutMs: 250, log: (l) => o.lines?.push(l), ...o });
  await agent.start();
  return agent;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, cond: () => boolean, ms: number): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
  return performance.now() - t0;
}
