// agent.rss_s9, agent.cpu_s9 and agent.first_share: the firmware agent (in its own process)
// mining on an emulated Antminer S9 (`hashagent emulate`, in another process, its three chains
// reached over TCP) against the SV2 pool run in this process (the embedded regtest chain, as
// `hashagent start` configures it). The agent's board model (PIC, fans, sensors) is the
// emulated-antminer-s9 one, in the agent's process as on `hashagent start`. The agent is measured
// from outside: /proc/<pid>/status VmRSS and /proc/<pid>/stat utime + stime, sampled every second
// over a window once it is mining and has had a share accepted.
//
// The agent process is `hashagent mine --config agent.toml`, the chains' links pointing at the
// emulator's sockets; the board model stays in the agent's process.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePoolConfig } from '../../agent/config/pool.js';
import { runPool, type RunningPool } from '../../agent/roles/pool/run.js';
import { emulatedBoard, nominalBoardHashrate } from '../../board/emulated/chain-profiles.js';
import { encodeSecretKey, generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import type { Bench, BenchResult } from './types.js';
import { CHROMIUM, openBrowser, type OpenBrowser } from '../headless-chromium.js';

/** Seconds of the RSS/CPU window (HASHAGENT_BENCH_AGENT_SECONDS changes it). */
const WINDOW_S = Number(process.env.HASHAGENT_BENCH_AGENT_SECONDS ?? 20);
const SAMPLE_MS = 1000;
/** Node flags for the agent process (HASHAGENT_BENCH_AGENT_NODE_FLAGS, e.g. "--max-semi-space-size=1" or "--cpu-prof"). */
// The agent runs as it does on a board (see `hashagent mine --help` and the image's
// hashagent.service): a small young generation, a capped old one, one V8 worker thread.
// HASHAGENT_BENCH_AGENT_NODE_FLAGS replaces them ('' for V8's defaults).
const NODE_FLAGS = (process.env.HASHAGENT_BENCH_AGENT_NODE_FLAGS ?? '--max-semi-space-size=1 --max-old-space-size=48 --v8-pool-size=1').split(/\s+/).filter(Boolean);
/** After "mining on", let the work stream and the pool's vardiff settle before the window opens. */
const SETTLE_MS = 5000;
const RSS_TARGET_MB = 80;
const CPU_TARGET_PCT = 20;
// Every wait has a bound, so the bench reports an error instead of hanging.
const EMULATOR_READY_MS = 15_000;
// Bring-up: three chains one after another, each ramped from 50 MHz to 650 MHz in
// 6.25 MHz steps every 100 ms (the driver's default), plus enumeration and baud switch.
const MINING_ON_MS = 180_000;
const FIRST_SHARE_MS = 120_000;
const STOP_MS = 8000;
/** The children end by themselves after this long even if this process is killed (SIGKILL leaves no exit handler). */
const CHILD_MAX_S = 900;

const NAMES = { rss: 'agent.rss_s9', cpu: 'agent.cpu_s9', first: 'agent.first_share' } as const;
const UNITS = { rss: 'MB (10^6 bytes) resident, agent process', cpu: '% of one core, agent process', first: 's from spawning the agent to the first share the pool accepted' } as const;

/** The CLI bundle: next to dist/bench.js, or dist/ from the sources. */
function cliPath(): string {
  const here = fileURLToPath(import.meta.url);
  const candidates = [join(here, '..', 'hashagent.js'), join(here, '..', '..', '..', 'dist', 'hashagent.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('dist/hashagent.js not found: run `node scripts/build.mjs` (npm run bench does)');
  return found;
}

function clockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** utime and stime of each thread, by thread name (/proc/<pid>/task/<tid>/stat; the name is field 2). */
function threadTicks(pid: number): Map<string, number> {
  const by = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).trim();
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      by.set(name, (by.get(name) ?? 0) + Number(f[11]) + Number(f[12]));
    } catch {
      // the thread has gone
    }
  }
  return by;
}

/** utime and stime apart, in clock ticks. */
function userSystem(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]), system: Number(f[12]) };
}

/** Bytes written and write system calls (/proc/<pid>/io): the job stream leaves through them. */
function io(pid: number): { wchar: number; syscw: number } {
  const t = readFileSync(`/proc/${pid}/io`, 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(t)?.[1] ?? Number.NaN);
  return { wchar: get('wchar'), syscw: get('syscw') };
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM, RssAnon, …; the kernel prints kB). */
function statusBytes(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** hashagent_work_diff1_total from the agent's /metrics (null when it cannot be read). */
async function workDiff1(url: string | undefined): Promise<number | null> {
  if (!url) return null;
  try {
    const text = await withTimeout(fetch(url).then((r) => r.text()), 5000, 'GET /metrics');
    const m = /^hashagent_work_diff1_total (\S+)$/m.exec(text);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** VmRSS of a node process doing nothing, for scale (what of the agent's RSS is the runtime's). */
async function idleNodeRss(): Promise<number | null> {
  const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    await sleep(1000);
    return idle.pid !== undefined && idle.exitCode === null ? statusBytes(idle.pid, 'VmRSS') : null;
  } catch {
    return null;
  } finally {
    idle.kill('SIGKILL');
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const mb = (bytes: number) => +(bytes / 1e6).toFixed(1);
const secs = (ms: number | undefined) => (ms === undefined ? null : +(ms / 1000).toFixed(2));

/** A child whose stdout lines are timestamped on arrival; the tail of its output is kept for errors. */
class Child {
  readonly proc: ChildProcess;
  readonly spawnedAt = performance.now();
  private readonly tail: string[] = [];
  constructor(
    readonly label: string,
    args: string[],
    onLine: (line: string, at: number) => void,
  ) {
    // stdin is a pipe nobody writes to: the agent child stops when it closes (this process gone).
    this.proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.on('error', (e) => this.keep(`spawn error: ${e.message}`));
    const keep = (l: string) => this.keep(l);
    createInterface({ input: this.proc.stdout! }).on('line', (l) => {
      keep(l);
      onLine(l, performance.now());
    });
    createInterface({ input: this.proc.stderr! }).on('line', keep);
  }
  private keep(l: string): void {
    this.tail.push(l);
    if (this.tail.length > 8) this.tail.shift();
  }
  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }
  /** Why it is not there, for error lines. */
  describe(): string {
    const how = this.proc.exitCode !== null ? `exited with ${this.proc.exitCode}` : this.proc.signalCode ? `killed by ${this.proc.signalCode}` : 'running';
    return `${this.label} ${how}; last output: ${this.tail.join(' ⏎ ') || '(none)'}`;
  }
  /** SIGTERM, then SIGKILL if it has not exited within `ms`. */
  async stop(ms = STOP_MS): Promise<void> {
    if (this.exited || this.proc.pid === undefined) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    if (await Promise.race([gone.then(() => true), sleep(ms).then(() => false)])) return;
    this.proc.kill('SIGKILL');
    await Promise.race([gone, sleep(2000)]);
  }
}

/** Polls `ready` until it returns a value; throws on timeout or when one of `children` exits. */
async function until<T>(what: string, ms: number, children: Child[], ready: () => T | undefined): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = ready();
    if (v !== undefined) return v;
    const dead = children.find((c) => c.exited);
    if (dead) throw new Error(`waiting for ${what}: ${dead.describe()}`);
    if (performance.now() > end) throw new Error(`no ${what} within ${ms / 1000} s (${children.map((c) => c.describe()).join('; ')})`);
    await sleep(50);
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

export const agentBench: Bench = {
  name: 'agent',
  async run(report) {
    const pending = new Set<keyof typeof NAMES>(['first', 'rss', 'cpu']);
    const emit = (k: keyof typeof NAMES, r: Omit<BenchResult, 'name' | 'unit'>) => {
      pending.delete(k);
      report({ name: NAMES[k], unit: UNITS[k], ...r } as BenchResult);
    };
    const children: Child[] = [];
    // Should this process die on an exception nobody catches, take the children with it.
    const killAll = () => {
      for (const c of children) if (!c.exited) c.proc.kill('SIGKILL');
    };
    process.once('exit', killAll);
    const dir = mkdtempSync(join(tmpdir(), 'hashagent-bench-agent-'));
    let pool: RunningPool | null = null;
    let page: OpenBrowser | null = null;
    try {
      const cli = cliPath();
      const ticks = clockTicks();

      // The pool: `hashagent start`'s embedded default (30 shares/min, a template every 10 s,
      // regtest-style chain), on free loopback ports, and each accepted share acknowledged at
      // once so the agent's own counter moves with the pool's.
      const authority = generateAuthorityKeyPair();
      const poolToml = `authority_secret_key = "${encodeSecretKey(authority.secretKey)}"\nlisten_address = "127.0.0.1:0"\nmonitoring_address = "127.0.0.1:0"\nshares_per_minute = 30.0\nshare_batch_size = 1\n[template_provider]\nnbits = 0x1e00ffff\ntemplate_interval_ms = 10000\n`;
      pool = await runPool(parsePoolConfig(poolToml, 'bench pool'), () => undefined);
      const accepted: number[] = [];
      let rejected = 0;
      pool.pool.on('share', (s) => (s.ok ? accepted.push(performance.now()) : rejected++));

      // The emulator, full nominal hash rate (--hashrate-scale 1).
      const chainAddrs: string[] = [];
      const emulator = new Child('emulator', [cli, 'emulate', '--board', 'antminer-s9', '--listen', 'tcp://127.0.0.1:0', '--seconds', String(CHILD_MAX_S)], (l) => {
        const m = /^chain (\d+): (tcp:\/\/\S+)$/.exec(l);
        if (m) chainAddrs[Number(m[1])] = m[2]!;
      });
      children.push(emulator);
      const addrs = await until('emulator chain addresses', EMULATOR_READY_MS, [emulator], () => (chainAddrs.filter(Boolean).length === 3 ? chainAddrs : undefined));

      // The agent: the emulated S9 board with each chain's link on the emulator's sockets.
      const agentToml = [
        '[[pools]]', `url = "${pool.url}"`, 'user = "bench.s9"',
        '[board]', 'name = "emulated-antminer-s9"',
        ...[6, 7, 8].flatMap((n, i) => [`[hash_chain.${n}]`, `link = "${addrs[i]}"`]),
        '[api]', 'http_listen = "127.0.0.1:0"', 'cgminer_enabled = false', '',
      ].join('\n');
      const config = join(dir, 'agent.toml');
      writeFileSync(config, agentToml);
      const marks: { chainsUp: number[]; bauds: number[]; miningOn?: number; poolUp?: number; metrics?: string } = { chainsUp: [], bauds: [] };
      const agentArgs = [...NODE_FLAGS, cli, 'mine', '--config', config, '--seconds', String(CHILD_MAX_S)];
      const agent = new Child('agent', agentArgs, (l, at) => {
        // The log's text format: `<ISO 8601 time> <LEVEL> <message>`.
        const s = l.replace(/^\S+ [A-Z]+ +/, '');
        const up = /^chain \d+: \d+ × .*, (\d+) baud/.exec(s);
        if (up) {
          marks.chainsUp.push(at);
          marks.bauds.push(Number(up[1]));
        }
        else if (s.startsWith('mining on ')) marks.miningOn ??= at;
        else if (s.startsWith('pool up:')) marks.poolUp ??= at;
        else if (s.startsWith('metrics: ')) marks.metrics = s.slice(9);
      });
      children.push(agent);
      const t0 = agent.spawnedAt;
      const pid = agent.proc.pid;
      if (pid === undefined) throw new Error(`cannot spawn the agent: ${agent.describe()}`);

      const miningOn = await until('"mining on" from the agent', MINING_ON_MS, [agent, emulator], () => marks.miningOn);
      const firstAt = await until('accepted share', FIRST_SHARE_MS, [agent, emulator], () => accepted[0]);
      emit('first', {
        value: +((firstAt - t0) / 1000).toFixed(2),
        // What the figure is made of: the first chain's bring-up (its PLL ramped in 6.25 MHz steps
        // every 100 ms, ChainDriver's default rampIntervalMs), then the pool and the first share.
        chains_up_s: marks.chainsUp.map((t) => secs(t - t0)),
        per_chain_bringup_s: marks.chainsUp.map((t, i) => secs(t - (i ? marks.chainsUp[i - 1]! : t0))),
        mining_on_s: secs(miningOn - t0),
        pool_up_s: secs(marks.poolUp !== undefined ? marks.poolUp - t0 : undefined),
        first_chain_to_first_share_s: secs(marks.chainsUp[0] !== undefined ? firstAt - marks.chainsUp[0] : undefined),
        pool: '30 shares/min, vardiff, share_batch_size 1, embedded regtest chain',
        note: 'mining starts with the first chain up (chains_up_s[0]); the chains are initialised one after another, each ramping its PLL from 50 to 650 MHz in 6.25 MHz steps every 100 ms (ChainDriver default rampIntervalMs) = 9.6 s per chain, so mining_on_s (all chains up) comes later',
      });

      // The window: once mining for SETTLE_MS, sample every second from outside.
      const settleLeft = miningOn + SETTLE_MS - performance.now();
      if (settleLeft > 0) await sleep(settleLeft);
      const emuPid = emulator.proc.pid!;
      // The agent's own count of work done, read just before and just after the window (not in it):
      // the hash rate it mined at while measured, against the board's nominal.
      // The operator's page open in headless chromium all through the window, polling the API
      // every 5 s as an operator's browser would (skipped, and said so, without chromium or with
      // HASHAGENT_BENCH_AGENT_PAGE=0, for a figure without it).
      page = process.env.HASHAGENT_BENCH_AGENT_PAGE !== '0' && existsSync(CHROMIUM) && marks.metrics ? await openBrowser().catch(() => null) : null;
      if (page) {
        await page.page.goto(marks.metrics!.replace(/\/metrics$/, '/'));
        await page.page.waitForFunction(() => Number((globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.refreshes) >= 1, undefined, { timeout: 30_000 });
      }
      const work0 = await workDiff1(marks.metrics);
      const start = { at: performance.now(), ticks: cpuTicks(pid), emuTicks: cpuTicks(emuPid), shares: accepted.length, us: userSystem(pid), threads: threadTicks(pid), io: io(pid) };
      const rss: number[] = [];
      const perSecond: number[] = [];
      let prev = { at: start.at, ticks: start.ticks };
      for (let i = 0; i < Math.ceil((WINDOW_S * 1000) / SAMPLE_MS); i++) {
        await sleep(SAMPLE_MS);
        if (agent.exited || emulator.exited) throw new Error(`during the measurement window: ${(agent.exited ? agent : emulator).describe()}`);
        const now = { at: performance.now(), ticks: cpuTicks(pid) };
        rss.push(statusBytes(pid, 'VmRSS'));
        perSecond.push(((now.ticks - prev.ticks) / ticks / ((now.at - prev.at) / 1000)) * 100);
        prev = now;
      }
      const end = { at: performance.now(), ticks: cpuTicks(pid), emuTicks: cpuTicks(emuPid), us: userSystem(pid), threads: threadTicks(pid), io: io(pid) };
      const wallS = (end.at - start.at) / 1000;
      const cpuPct = ((end.ticks - start.ticks) / ticks / wallS) * 100;
      const emuPct = ((end.emuTicks - start.emuTicks) / ticks / wallS) * 100;
      const pct = (dTicks: number) => +((dTicks / ticks / wallS) * 100).toFixed(1);
      const byThread = Object.fromEntries([...end.threads].map(([k, v]) => [k, pct(v - (start.threads.get(k) ?? 0))]).filter(([, v]) => (v as number) > 0));
      // What the chains' lines could carry: their line rates (logged at init) / 10 bits per byte.
      const lineBytesPerS = marks.bauds.reduce((a, b) => a + b, 0) / 10;
      const writeBytesPerS = (end.io.wchar - start.io.wchar) / wallS;
      const hwm = statusBytes(pid, 'VmHWM');
      const anon = statusBytes(pid, 'RssAnon');
      const file = statusBytes(pid, 'RssFile');
      const sharesInWindow = accepted.length - start.shares;
      const work1 = await workDiff1(marks.metrics);
      const hashrate = work0 !== null && work1 !== null ? ((work1 - work0) * 2 ** 32) / wallS : null;
      const idle = await idleNodeRss();
      const how = `/proc/<pid> of the agent, sampled every ${SAMPLE_MS / 1000} s over ${wallS.toFixed(1)} s, from ${((start.at - miningOn) / 1000).toFixed(1)} s after "mining on"`;
      const context = {
        hashrate_in_window_ths: hashrate === null ? null : +(hashrate / 1e12).toFixed(2),
        hashrate_nominal_ths: +(nominalBoardHashrate(emulatedBoard('antminer-s9')) / 1e12).toFixed(2),
        shares_accepted_in_window: sharesInWindow,
        shares_rejected: rejected,
        loadavg_1m: +loadavg()[0]!.toFixed(2),
        agent_process: 'hashagent mine --config agent.toml',
        page_open_in_browser: page !== null,
      };
      const rssMax = Math.max(...rss);
      const rssMean = rss.reduce((s, x) => s + x, 0) / rss.length;
      emit('rss', {
        value: mb(rssMax), ratio: +(rssMax / 1e6 / RSS_TARGET_MB).toFixed(2), target: '<= 1', target_value: `<= ${RSS_TARGET_MB} MB`, baseline_name: 'the target (no same-run baseline)',
        rss_mean_mb: mb(rssMean), rss_min_mb: mb(Math.min(...rss)), rss_anon_mb: mb(anon), rss_file_mb: mb(file), vm_hwm_mb: mb(hwm),
        idle_node_rss_mb: idle === null ? null : mb(idle),
        measured: `max VmRSS of ${how}; vm_hwm_mb is the peak since the agent started; idle_node_rss_mb: an idle \`node -e\` process, same run`,
        node_flags: NODE_FLAGS.join(' ') || 'none', ...context,
      });
      emit('cpu', {
        value: +cpuPct.toFixed(1), ratio: +(cpuPct / CPU_TARGET_PCT).toFixed(2), target: '<= 1', target_value: `<= ${CPU_TARGET_PCT} %`, baseline_name: 'the target (no same-run baseline)',
        per_second_min: +Math.min(...perSecond).toFixed(1), per_second_max: +Math.max(...perSecond).toFixed(1),
        user_pct: pct(end.us.user - start.us.user), system_pct: pct(end.us.system - start.us.system), by_thread_pct: byThread,
        write_syscalls_per_s: Math.round((end.io.syscw - start.io.syscw) / wallS), write_bytes_per_s: Math.round(writeBytesPerS),
        write_vs_line_rate: +(writeBytesPerS / lineBytesPerS).toFixed(2),
        emulator_cpu_pct: +emuPct.toFixed(1), clk_tck: ticks,
        measured: `(utime + stime) / CLK_TCK / wall time of ${how}`, ...context,
      });
    } catch (e) {
      const error = (e as Error).message;
      for (const k of pending) report({ name: NAMES[k], value: Number.NaN, unit: UNITS[k], error });
    } finally {
      await page?.close();
      // The agent first, so it powers its chains down while the emulator still answers.
      for (const c of [...children].reverse()) await c.stop();
      process.off('exit', killAll);
      if (pool) await withTimeout(pool.stop(), STOP_MS, 'stopping the pool').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
