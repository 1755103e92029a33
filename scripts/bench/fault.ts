// agent.fault_power_down: time from a fault to every rail off and every chain in reset, against
// the board's 2 s safety target. `hashagent mine` runs as a process on an emulated S9 (board model
// in the agent's process, chains in process, PLL ramp off) against a pool in this process; once
// every chain hashes, after a random 0–2 s, it gets SIGTERM, SIGINT or an exception inside the
// chain driver's nonce intake (scripts/fault-child.ts). The moment everything was off comes from
// the emulated board's own record (HASHAGENT_EMULATED_STATE: one JSON line per change, written
// synchronously), the fault's moment from this process (signals) or the child (the exception).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { buildFaultChild } from '../build-fault-child.js';
import { allHashing as hashing, allOff as off, readBoardStates as readStates } from '../../board/emulated/state-record.js';
import { parsePoolConfig } from '../../agent/config/pool.js';
import { runPool } from '../../agent/roles/pool/run.js';
import { encodeSecretKey, generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import type { Bench } from './types.js';

const RUNS = Number(process.env.HASHAGENT_BENCH_FAULT_RUNS ?? 12);
const TARGET_MS = 2000;
const FAULTS = ['SIGTERM', 'SIGINT', 'exception'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => T | undefined | null | false, ms: number): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (performance.now() > end) throw new Error(`agent.fault_power_down: timed out waiting for ${what}`);
    await sleep(10);
  }
}

export const faultBench: Bench = {
  name: 'agent.fault_power_down',
  async run(report) {
    const here = fileURLToPath(import.meta.url);
    const root = [join(here, '..', '..'), join(here, '..', '..', '..')].find((r) => existsSync(join(r, 'scripts', 'fault-child.ts')));
    if (!root) throw new Error('agent.fault_power_down: scripts/fault-child.ts not found');
    const dir = mkdtempSync(join(tmpdir(), 'hashagent-fault-bench-'));
    const child = await buildFaultChild(root);
    const secret = encodeSecretKey(generateAuthorityKeyPair().secretKey);
    const pool = await runPool(
      parsePoolConfig(`authority_secret_key = "${secret}"\nlisten_address = "127.0.0.1:0"\nshares_per_minute = 60.0\nmonitoring_address = "127.0.0.1:0"\n[template_provider]\nnbits = 0x1d00ffff\n`, 'bench pool'),
      () => undefined,
    );
    const config = join(dir, 'agent.toml');
    writeFileSync(config, `[[pools]]\nurl = "${pool.url}"\nuser = "bench.fault"\n[board]\nname = "emulated-antminer-s9"\n[hash_chain_global]\nramp_step_ms = 0\n[api]\nhttp_listen = "127.0.0.1:0"\ncgminer_enabled = false\n`);
    const times: number[] = [];
    const by: Record<string, number[]> = {};
    try {
      for (let i = 0; i < RUNS; i++) {
        const fault = FAULTS[i % FAULTS.length]!;
        const state = join(dir, `state-${i}.jsonl`);
        const env = { ...process.env, HASHAGENT_EMULATED_STATE: state, ...(fault === 'exception' ? { FAULT: 'driver-throw', FAULT_AFTER: String(400 + Math.floor(Math.random() * 400)) } : {}) };
        const p = spawn(process.execPath, [fault === 'exception' ? child : join(root, 'dist', 'hashagent.js'), 'mine', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'], env });
        let struck: number | null = null;
        createInterface({ input: p.stderr! }).on('line', (l) => {
          const m = /^injected fault at (\d+)$/.exec(l);
          if (m) struck = Number(m[1]);
        });
        const exited = new Promise<void>((r) => p.once('exit', () => r()));
        try {
          if (fault === 'exception') {
            await until('the injected fault', () => struck, 120_000);
          } else {
            await until('every chain hashing', () => readStates(state).some(hashing), 120_000);
            await sleep(Math.random() * 2000);
            struck = Date.now();
            p.kill(fault);
          }
          await Promise.race([exited, sleep(20_000)]);
          const at = struck!;
          const down = readStates(state).find((s) => s.at >= at && off(s));
          if (!down) throw new Error(`agent.fault_power_down: ${fault}: the board was not powered down`);
          times.push(down.at - at);
          (by[fault] ??= []).push(down.at - at);
        } finally {
          p.kill('SIGKILL');
          await Promise.race([exited, sleep(2000)]);
        }
      }
    } finally {
      await pool.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(child, { force: true });
      rmSync(`${child}.map`, { force: true });
    }
    const sorted = [...times].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
    const p99 = q(0.99);
    report({
      name: 'agent.fault_power_down',
      value: p99,
      unit: 'ms from the fault to every rail off and every chain in reset (p99)',
      ratio: +(p99 / TARGET_MS).toFixed(3),
      target: '<= 0.25',
      target_value: `<= ${TARGET_MS * 0.25} ms (the board's ${TARGET_MS} ms safety target × 0.25)`,
      baseline_name: `the board's ${TARGET_MS} ms safety target`,
      runs: times.length,
      p50_ms: q(0.5),
      max_ms: sorted.at(-1),
      by_fault_max_ms: Object.fromEntries(Object.entries(by).map(([k, v]) => [k, Math.max(...v)])),
    });
  },
};
