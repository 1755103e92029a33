// One board, start to end: connect (host key pinned), probe and judge, send the payload unless
// the board already has it, verify it there, push the config, take over from the stock miner, and
// hold the health gate — rolling back to the stock miner when it does not pass.
import { parseProbe, judgeProbe, PROBE_SCRIPT, type ProbeFacts } from './probe.js';
import { SshSession, type SshOptions } from './ssh.js';
import { describeHealth, isHealthy, metricsCommand, parseHealth, type Health } from './health.js';
import * as remote from './remote.js';
import type { PreparedPayload } from './payload.js';
import type { Target } from './target.js';

export interface FlashPlan {
  payload?: PreparedPayload;
  publicKeyHex?: string;
  /** Validated agent.toml text, its board name and the HTTP port of its API. */
  config?: { text: string; board: string; httpPort: number };
  restore: boolean;
  healthMinutes: number;
  /** Seconds between health reads. */
  pollSeconds?: number;
}

export interface HostResult {
  target: string;
  ok: boolean;
  /** One line: what happened. */
  outcome: string;
  board?: string | null;
  /** Seconds between the stock miner's stop and the agent's start (board uptime clock). */
  gapSeconds?: number;
  health?: Health;
  rolledBack?: boolean;
}

/** The board cannot take the payload; nothing was changed on it. */
export class FlashRefused extends Error {
  override readonly name = 'FlashRefused';
}

export type Progress = (step: string) => void;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function flashHost(target: Target, ssh: SshOptions, plan: FlashPlan, progress: Progress): Promise<HostResult> {
  const s = new SshSession(target, ssh);
  try {
    progress('connecting');
    await s.open();
    progress('probing');
    const facts = parseProbe(await s.must(PROBE_SCRIPT, 'probe'));
    if (plan.restore) return await restore(s, facts, progress);
    const payload = plan.payload!;
    const verdict = judgeProbe(facts, payload, plan.config?.board);
    if (!verdict.ok) throw new FlashRefused(verdict.reasons.join('; '));
    const base = { target: target.label, board: verdict.board };

    const stored = (await s.must(remote.storedDigest, 'reading the stored payload')).trim();
    if (stored === payload.sha256) progress('payload already on the board');
    else {
      progress(`sending the payload (${(payload.packedBytes / 1e6).toFixed(1)} MB)`);
      await s.upload(payload.tarXz, remote.STORED_PAYLOAD);
    }
    progress('unpacking');
    await s.must(remote.unpackStaging, 'unpacking the payload on the board');
    progress('verifying on the board');
    const v = await s.run(remote.verifyStaging(plan.publicKeyHex!));
    if (v.code !== 0) throw new FlashRefused(`the board refused the payload: ${(v.stderr.trim() || v.stdout.trim()).split('\n').slice(0, 3).join(' ')}`);
    if (plan.config) {
      progress('sending agent.toml');
      await s.writeText(plan.config.text, remote.CONFIG);
    } else if ((await s.run(`[ -f ${remote.CONFIG} ]`)).code !== 0) {
      throw new FlashRefused(`the board has no ${remote.CONFIG}: give --config`);
    }

    progress(`taking over from ${verdict.stockMiner ?? '(no stock miner)'}`);
    let out: string;
    try {
      out = await s.must(remote.takeover(facts.init, verdict.stockMiner), 'takeover');
    } catch (e) {
      // The stock miner may be stopped already: the board must not be left without a miner.
      progress('takeover failed: rolling back');
      const rb = await s.run(remote.rollback(facts.init, false));
      const back = /restarted=(\S+)/.exec(rb.stdout)?.[1];
      return { ...base, ok: false, rolledBack: true, outcome: `${e instanceof Error ? e.message : String(e)}; rolled back${back ? ` to ${back}` : ''}` };
    }
    const stopped = Number(/stopped=([\d.]+)/.exec(out)?.[1]);
    const started = Number(/started=([\d.]+)/.exec(out)?.[1]);
    const gapSeconds = Number.isFinite(stopped) && Number.isFinite(started) ? Math.round((started - stopped) * 100) / 100 : undefined;
    const boot = [...out.matchAll(/^boot=(.+)$/gm)].map((m) => m[1]!);
    progress(boot.length ? `starts at boot (${boot.join(', ')})` : 'WARNING: no boot order found (systemd, SysV rc folders, OpenWrt rc.d or a buildroot rcS): after a reboot the stock miner starts, not hashagent');

    progress(`health gate (up to ${plan.healthMinutes} min)`);
    const gate = await healthGate(s, plan.config?.httpPort ?? 8080, plan.healthMinutes, plan.pollSeconds ?? 5, progress);
    if (gate.ok) return { ...base, ok: true, outcome: `mining (${describeHealth(gate.health)})`, gapSeconds, health: gate.health };
    progress('health gate failed: rolling back');
    const rb = await s.must(remote.rollback(facts.init, false), 'rollback');
    const back = /restarted=(\S+)/.exec(rb)?.[1];
    return { ...base, ok: false, rolledBack: true, gapSeconds, health: gate.health, outcome: `${gate.why}; rolled back${back ? ` to ${back}` : ''}` };
  } catch (e) {
    if (e instanceof FlashRefused) return { target: target.label, ok: false, outcome: `refused: ${e.message}` };
    return { target: target.label, ok: false, outcome: `failed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    await s.close();
  }
}

async function healthGate(s: SshSession, port: number, minutes: number, pollSeconds: number, progress: Progress): Promise<{ ok: true; health: Health } | { ok: false; health?: Health; why: string }> {
  const deadline = Date.now() + minutes * 60_000;
  let health: Health | undefined;
  for (;;) {
    if ((await s.run(remote.agentAlive)).code !== 0) {
      const tail = (await s.run(remote.logTail)).stdout.trim().split('\n').slice(-3).join(' | ');
      return { ok: false, health, why: `the agent exited${tail ? ` (${tail})` : ''}` };
    }
    const m = await s.run(metricsCommand(port));
    if (m.code === 0) {
      health = parseHealth(m.stdout);
      progress(`health: ${describeHealth(health)}`);
      if (isHealthy(health)) return { ok: true, health };
    }
    if (Date.now() >= deadline) return { ok: false, health, why: `health gate: ${health ? describeHealth(health) : 'no answer from the agent\'s API'} after ${minutes} min` };
    await sleep(pollSeconds * 1000);
  }
}

async function restore(s: SshSession, facts: ProbeFacts, progress: Progress): Promise<HostResult> {
  if (facts.installed === null) return { target: s.target.label, ok: true, outcome: 'nothing to restore (hashagent is not installed)' };
  progress('restoring');
  const out = await s.must(remote.rollback(facts.init, true), 'restore');
  const back = /restarted=(\S+)/.exec(out)?.[1];
  return { target: s.target.label, ok: true, outcome: `restored${back ? `: ${back} running again` : ''}` };
}

/** Pushes a validated config to a board running hashagent and reloads it (SIGHUP). */
export async function pushConfig(target: Target, ssh: SshOptions, config: { text: string }, progress: Progress): Promise<HostResult> {
  const s = new SshSession(target, ssh);
  try {
    progress('connecting');
    await s.open();
    const facts = parseProbe(await s.must(PROBE_SCRIPT, 'probe'));
    await s.writeText(config.text, remote.CONFIG);
    if (facts.installed === null) return { target: target.label, ok: true, outcome: 'agent.toml sent (hashagent not installed: nothing to reload)' };
    await s.must(remote.reloadAgent(facts.init), 'reload (SIGHUP)');
    return { target: target.label, ok: true, outcome: 'agent.toml sent, agent reloaded (SIGHUP)' };
  } catch (e) {
    return { target: target.label, ok: false, outcome: `failed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    await s.close();
  }
}
