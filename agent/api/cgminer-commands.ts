// The cgminer API's commands over a CgminerSource: names, codes and fields as cgminer's api.c
// (version, config, summary, pools, devs/edevs, devdetails, stats, check, coin, asc, asccount,
// pgacount) and bosminer's extensions (temps, fans, tempctrl). One ASC per hash chain. Fields the
// agent has no figure for are left out rather than reported as zero.
import { VERSION } from '../version.js';
import { leToBigInt, nbitsToTarget, targetToDifficulty } from '../bitcoin/target.js';
import { Code, fail, ok, type Reply, type Row } from './cgminer-protocol.js';
import { activePoolIndex, chainHashes, poolEndpoint, type ApiChain, type CgminerSource } from './cgminer-source.js';

/** api.c's API version (APIVERSION); bosminer answers the same. */
export const API_VERSION = '3.7';

export interface CommandContext {
  src: CgminerSource;
  writable: boolean;
}

interface Command {
  run(ctx: CommandContext, parameter: string | null): Reply;
  /** Allowed in `a+b` (api.c: report commands only). */
  joinable: boolean;
}

const MHS = (hs: number) => round(hs / 1e6, 2);
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

function chainList(src: CgminerSource): ApiChain[] {
  return [...src.chains.values()].sort((a, b) => a.index - b.index);
}

/** Hottest reading of each location for a chain (sensors tied to no chain count for a board with one). */
export function chainTemps(src: Pick<CgminerSource, 'safety' | 'cfg' | 'chains'>, chain: number): { chip: number | null; board: number | null } {
  const st = src.safety?.status();
  const defs = src.cfg.board.sensors;
  const single = src.chains.size === 1;
  const out: { chip: number | null; board: number | null } = { chip: null, board: null };
  for (const r of st?.readings ?? []) {
    if (!('celsius' in r)) continue;
    const def = defs.find((d) => d.name === r.sensor);
    const of = def?.chain;
    if (of !== chain && !(of === undefined && single)) continue;
    const key = r.location === 'chip' ? 'chip' : r.location === 'board' ? 'board' : null;
    if (key) out[key] = Math.max(out[key] ?? -Infinity, r.celsius);
  }
  return out;
}

function chainStatus(src: CgminerSource, c: ApiChain): { enabled: boolean; status: 'Alive' | 'Sick' | 'Dead' } {
  const st = src.safety?.status();
  const disabled = st?.chains.find((s) => s.index === c.index)?.disabled ?? null;
  if (disabled !== null || c.state === 'disabled') return { enabled: false, status: 'Dead' };
  if (st?.shutdown) return { enabled: true, status: 'Dead' };
  // Being re-initialised, or silent for seconds (the watchdog judges silence against the chain's rate).
  return { enabled: true, status: c.state === 'reinitialising' || c.driver.silentForMs > 5000 ? 'Sick' : 'Alive' };
}

/** Each chain's part of the nominal rate, by chips × clock (one chip type on a board). */
function nominalShare(src: CgminerSource, c: ApiChain): number {
  const weight = (x: ApiChain) => x.found * x.driver.frequencyMHz;
  const sum = chainList(src).reduce((s, x) => s + weight(x), 0);
  return sum > 0 ? (src.nominalHashrate() * weight(c)) / sum : 0;
}

/** Pool rejections whose reason says stale (SV2 'stale-share', SV1 "Stale"/"job not found"-style
 * texts are the pool's own): cgminer reports them as Stale next to Rejected. */
function staleOf(t: { rejectedBy: ReadonlyMap<string, number> }): number {
  let n = 0;
  for (const [reason, count] of t.rejectedBy) if (/stale/i.test(reason)) n += count;
  return n;
}

/** The model as bmminer's version/stats `Type` say it ("Antminer S9"): the definition's name up to its colon. */
const modelName = (src: CgminerSource) => src.cfg.board.description.split(':')[0]!.trim();

function ascRow(ctx: CommandContext, c: ApiChain, position: number): Row {
  const { src } = ctx;
  const { enabled, status } = chainStatus(src, c);
  const t = chainTemps(src, c.index);
  const diff1 = src.chainWork(c.index);
  const hw = src.chainCounts(c.index).hwErrors;
  const tally = src.ledger.chain(c.index);
  const elapsed = Math.round(src.uptimeS);
  return {
    ASC: position,
    Name: c.driver.profile.name,
    ID: c.index,
    Enabled: enabled ? 'Y' : 'N',
    Status: status,
    Temperature: round(t.chip ?? t.board ?? 0, 2),
    'MHS av': MHS(src.rate(Infinity, c.index)),
    'MHS 5s': MHS(src.rate(5, c.index)),
    'MHS 1m': MHS(src.rate(60, c.index)),
    'MHS 5m': MHS(src.rate(300, c.index)),
    'MHS 15m': MHS(src.rate(900, c.index)),
    Accepted: tally.accepted,
    Rejected: tally.rejected,
    Stale: staleOf(tally),
    'Last Share Time': tally.lastAcceptedAt,
    'Hardware Errors': hw,
    'Total MH': round(chainHashes(src, c) / 1e6, 4),
    'Diff1 Work': diff1,
    'Device Hardware%': round(hw + diff1 > 0 ? (100 * hw) / (hw + diff1) : 0, 4),
    'Device Elapsed': elapsed,
    // bosminer's: what pyasic reads as the expected rate.
    'Nominal MHS': MHS(nominalShare(src, c)),
  };
}

function summary(ctx: CommandContext): Reply {
  const { src } = ctx;
  const chains = chainList(src);
  const hw = chains.reduce((s, c) => s + src.chainCounts(c.index).hwErrors, 0);
  const diff1 = chains.reduce((s, c) => s + src.chainWork(c.index), 0);
  const total = chains.reduce((s, c) => s + chainHashes(src, c), 0);
  const mins = Math.max(src.uptimeS, 1) / 60;
  const { accepted, rejected, blocks } = src.shares;
  return ok(Code.SUMMARY, 'Summary', 'SUMMARY', [
    {
      Elapsed: Math.round(src.uptimeS),
      'MHS av': MHS(src.rate(Infinity)),
      'MHS 5s': MHS(src.rate(5)),
      'MHS 1m': MHS(src.rate(60)),
      'MHS 5m': MHS(src.rate(300)),
      'MHS 15m': MHS(src.rate(900)),
      'Found Blocks': blocks,
      // bmminer's summary gives GH/s (pyasic's bmminer backend reads `GHS 5s`).
      'GHS 5s': round(src.rate(5) / 1e9, 2),
      'GHS av': round(src.rate(Infinity) / 1e9, 2),
      Accepted: accepted,
      Rejected: rejected,
      Stale: staleOf(src.ledger.total),
      'Hardware Errors': hw,
      Utility: round(accepted / mins, 2),
      'Total MH': round(total / 1e6, 4),
      'Work Utility': round(diff1 / mins, 2),
      'Device Hardware%': round(hw + diff1 > 0 ? (100 * hw) / (hw + diff1) : 0, 4),
      // By share count: the agent does not keep the difficulty of each result.
      'Pool Rejected%': round(accepted + rejected > 0 ? (100 * rejected) / (accepted + rejected) : 0, 4),
    },
  ], true);
}

function pools(ctx: CommandContext): Reply {
  const { src } = ctx;
  const list = src.cfg.pools;
  if (!list.length) return fail(8, 'No pools');
  const active = activePoolIndex(src);
  const job = src.scheduler.currentJob;
  const shareDiff = job ? round(targetToDifficulty(leToBigInt(job.target)), 8) : 0;
  const rows = list.map((p, i): Row => {
    const tally = src.ledger.pools[i] ?? { accepted: 0, rejected: 0, unconfirmed: 0, lastAcceptedAt: 0 };
    const isActive = i === active;
    // Failover order: pools before the active one failed (the list probes them to come back);
    // while one is active the ones after it are not tried, so nothing is known of them.
    const status = isActive ? 'Alive' : active < 0 || i < active ? 'Dead' : 'Unknown';
    const url = isActive && src.poolState ? src.poolState.url : p.url;
    return {
      POOL: i,
      URL: p.url,
      Status: status,
      Priority: i,
      Quota: 1,
      'Long Poll': 'N',
      Accepted: tally.accepted,
      Rejected: tally.rejected,
      Stale: 'rejectedBy' in tally ? staleOf(tally) : 0,
      User: p.user,
      'Last Share Time': tally.lastAcceptedAt,
      'Has Stratum': true,
      'Stratum Active': isActive,
      'Stratum URL': isActive ? poolEndpoint(url).replace(/^[a-z0-9+.-]+:\/\//, '') : '',
      'Stratum Difficulty': isActive ? shareDiff : 0,
      'Work Difficulty': isActive ? shareDiff : 0,
      'Has Vmask': true,
      'Pool Rejected%': round(tally.accepted + tally.rejected > 0 ? (100 * tally.rejected) / (tally.accepted + tally.rejected) : 0, 4),
      // Ours: which protocol the agent speaks to this pool right now.
      Protocol: isActive && src.poolState ? src.poolState.protocol : '',
    };
  });
  return ok(Code.POOL, `${rows.length} Pool(s)`, 'POOLS', rows);
}

function devs(ctx: CommandContext): Reply {
  const chains = chainList(ctx.src);
  if (!chains.length) return fail(Code.NODEVS, 'No ASCs');
  return ok(Code.DEVS, `${chains.length} ASC(s)`, 'DEVS', chains.map((c, i) => ascRow(ctx, c, i)));
}

function asc(ctx: CommandContext, parameter: string | null): Reply {
  const chains = chainList(ctx.src);
  if (!chains.length) return fail(105, 'No ASCs');
  if (parameter === null || parameter === '') return fail(Code.MISSING_ID, 'Missing device id parameter');
  const id = Number.parseInt(parameter, 10);
  if (!(id >= 0 && id < chains.length)) return fail(Code.INVALID_ASC, `Invalid ASC id ${Number.isNaN(id) ? 0 : id} - range is 0 - ${chains.length - 1}`);
  return ok(Code.ASC, `ASC${id}`, 'ASC', [ascRow(ctx, chains[id]!, id)]);
}

function devdetails({ src }: CommandContext): Reply {
  const chains = chainList(src);
  if (!chains.length) return fail(Code.NODEVS, 'No ASCs');
  const rows = chains.map((c, i): Row => {
    const row: Row = {
      DEVDETAILS: i,
      Name: c.driver.profile.name,
      ID: c.index,
      Driver: 'hashagent',
      Kernel: '',
      Model: src.cfg.board.name,
      'Device Path': '',
      // bosminer's fields.
      Frequency: round(c.driver.frequencyMHz, 2),
      Chips: c.found,
      Cores: c.found * c.driver.profile.cores,
    };
    const v = src.cfg.chains.find((x) => x.index === c.index)?.voltage;
    if (v !== null && v !== undefined) row.Voltage = v;
    return row;
  });
  return ok(Code.DEVDETAILS, 'Device Details', 'DEVDETAILS', rows);
}

/** bmminer's STATS[1] block, which pyasic's bmminer backend reads for hashboards, fans, uptime and
 * the expected rate (UpstreamData/pyasic:pyasic/miners/backends/bmminer.py _get_hashboards,
 * _get_fans, _get_uptime, _get_expected_hashrate): chain_acnN chips, chain_acsN one 'o' per
 * answering chip ('x' for a stopped one), chain_hwN, chain_rateN GH/s, tempN board and temp2_N chip
 * °C, fanN rpm, total_rateideal with rate_unit. N is the chain's slot: the chain index (S9: 6–8,
 * as bmminer numbers J6–J8), counted from 1 on boards whose chains start at 0. */
function bmminerBlock(src: CgminerSource): Row {
  const chains = chainList(src);
  const base = chains.some((c) => c.index === 0) ? 1 : 0;
  const st = src.safety?.status();
  const row: Row = {
    STATS: 1,
    ID: 'BC50',
    Elapsed: Math.round(src.uptimeS),
    'GHS 5s': round(src.rate(5) / 1e9, 2),
    'GHS av': round(src.rate(Infinity) / 1e9, 2),
    miner_count: chains.length,
    frequency: chains.length ? round(chains[0]!.driver.frequencyMHz, 2) : 0,
    fan_num: st?.fans.length ?? 0,
    temp_num: chains.length,
    total_rateideal: round(src.nominalHashrate() / 1e9, 2),
    rate_unit: 'GH',
  };
  (st?.fans ?? []).forEach((f, i) => (row[`fan${i + 1}`] = f.rpm ?? 0));
  for (const c of chains) {
    const n = c.index + base;
    const t = chainTemps(src, c.index);
    const stopped = new Set(src.stoppedChips?.(c.index) ?? []);
    row[`chain_acn${n}`] = c.found;
    row[`chain_acs${n}`] = Array.from({ length: c.found }, (_, i) => (stopped.has(i) ? 'x' : 'o')).join('');
    row[`chain_hw${n}`] = src.chainCounts(c.index).hwErrors;
    row[`chain_rate${n}`] = round(src.rate(60, c.index) / 1e9, 2);
    row[`temp${n}`] = round(t.board ?? 0, 2);
    row[`temp2_${n}`] = round(t.chip ?? 0, 2);
    row[`freq_avg${n}`] = round(c.driver.frequencyMHz, 2);
  }
  return row;
}

function stats(ctx: CommandContext): Reply {
  const { src } = ctx;
  const elapsed = Math.round(src.uptimeS);
  // STATS[0]: the version block (as bmminer's); STATS[1]: bmminer's driver block; then one per chain.
  const head: Row[] = [{ STATS: 0, ID: 'hashagent', BMMiner: VERSION, Miner: `hashagent ${VERSION}`, CompileTime: `hashagent ${VERSION}`, Type: modelName(src) }, bmminerBlock(src)];
  const rows = chainList(src).map((c, i): Row => ({
    STATS: i + 2,
    ID: `${c.driver.profile.name}${c.index}`,
    Elapsed: elapsed,
    Chips: c.found,
    Frequency: round(c.driver.frequencyMHz, 2),
    Jobs: c.driver.stats.jobs,
    Nonces: c.driver.stats.nonces,
    'Hardware Errors': c.driver.stats.hwErrors,
    Duplicates: c.driver.stats.duplicates,
    Stale: c.driver.stats.stale,
  }));
  return ok(Code.STATS, 'CGMiner stats', 'STATS', [...head, ...rows]);
}

function temps({ src }: CommandContext): Reply {
  const rows = chainList(src).map((c, i): Row => {
    const t = chainTemps(src, c.index);
    return { TEMP: i, ID: c.index, Board: round(t.board ?? 0, 2), Chip: round(t.chip ?? 0, 2) };
  });
  return ok(Code.TEMPS, `${rows.length} Temp(s)`, 'TEMPS', rows);
}

function fans({ src }: CommandContext): Reply {
  const st = src.safety?.status();
  const rows = (st?.fans ?? []).map((f, i): Row => ({ FAN: i, ID: i, Speed: Math.round(st!.duty), RPM: f.rpm ?? 0 }));
  return ok(Code.FANS, `${rows.length} Fan(s)`, 'FANS', rows);
}

function tempctrl({ src }: CommandContext): Reply {
  const s = src.cfg.safety;
  const mode = s.mode === 'auto' ? 'Automatic' : s.mode === 'manual' ? 'Manual' : 'Disabled';
  const row: Row = { Mode: mode, Hot: s.hotTemp, Dangerous: s.dangerousTemp };
  if (s.mode === 'auto') row.Target = s.targetTemp;
  return ok(Code.TEMPCTRL, 'Temperature control', 'TEMPCTRL', [row]);
}

function coin({ src }: CommandContext): Reply {
  const row: Row = { 'Hash Method': 'sha256', LP: false };
  const job = src.scheduler.currentJob;
  if (job) {
    // The block being mined on: its parent's hash in display order, the difficulty its nbits say.
    row['Current Block Hash'] = Buffer.from(job.prevHash).reverse().toString('hex');
    const target = nbitsToTarget(job.nbits);
    if (target) row['Network Difficulty'] = round(targetToDifficulty(target), 8);
  }
  return ok(Code.COIN, 'CGMiner coin', 'COIN', [row], true);
}

function config({ src }: CommandContext): Reply {
  return ok(Code.CONFIG, 'CGMiner config', 'CONFIG', [
    {
      'ASC Count': src.chains.size,
      'PGA Count': 0,
      'Pool Count': src.cfg.pools.length,
      Strategy: 'Failover',
      'Log Interval': 5,
      'Device Code': '',
      OS: process.platform === 'linux' ? 'Linux' : process.platform,
      Hotplug: 'None',
    },
  ], true);
}

/** cgminer's commands that change something: refused unless writable, and the agent implements none. */
export const WRITE_COMMANDS = new Set([
  'switchpool', 'addpool', 'poolpriority', 'poolquota', 'enablepool', 'disablepool', 'removepool',
  'save', 'quit', 'restart', 'privileged', 'failover-only', 'debug', 'setconfig', 'zero', 'hotplug',
  'ascenable', 'ascdisable', 'ascidentify', 'ascset', 'pgaenable', 'pgadisable', 'pgaidentify', 'pgaset', 'lockstats',
]);

export function refuseWrite(name: string, writable: boolean): Reply {
  const msg = `Access denied to '${name}' command`;
  // Writable lifts the read-only default, but the agent changes pools and chains only through
  // agent.toml (SIGHUP reloads the pool list): say so rather than pretend.
  return fail(Code.ACCESS_DENIED, writable ? `${msg}: not supported by hashagent (edit agent.toml and send SIGHUP)` : msg);
}

const COMMANDS: Record<string, Command> = {
  version: {
    joinable: true,
    run: ({ src }) => ok(Code.VERSION, 'CGMiner versions', 'VERSION', [{ CGMiner: VERSION, API: API_VERSION, Miner: `hashagent ${VERSION}`, CompileTime: `hashagent ${VERSION}`, Type: modelName(src) }], true),
  },
  config: { joinable: true, run: config },
  summary: { joinable: true, run: summary },
  pools: { joinable: true, run: pools },
  devs: { joinable: true, run: devs },
  edevs: { joinable: true, run: devs },
  devdetails: { joinable: true, run: devdetails },
  stats: { joinable: true, run: stats },
  coin: { joinable: true, run: coin },
  temps: { joinable: true, run: temps },
  fans: { joinable: true, run: fans },
  tempctrl: { joinable: true, run: tempctrl },
  asccount: { joinable: true, run: ({ src }) => ok(Code.ASC_COUNT, 'ASC count', 'ASCS', [{ Count: src.chains.size }], true) },
  pgacount: { joinable: true, run: () => ok(Code.PGA_COUNT, 'PGA count', 'PGAS', [{ Count: 0 }], true) },
  asc: { joinable: false, run: asc },
  check: {
    joinable: false,
    run: (_ctx, parameter) => {
      if (parameter === null || parameter === '') return fail(Code.MISSING_CHECK, 'Missing check cmd');
      const exists = Object.hasOwn(COMMANDS, parameter) || WRITE_COMMANDS.has(parameter);
      const access = Object.hasOwn(COMMANDS, parameter);
      return ok(Code.CHECK, 'Check command', 'CHECK', [{ Exists: exists ? 'Y' : 'N', Access: access ? 'Y' : 'N' }], true);
    },
  },
};

/** Runs one command; `joined`: part of `a+b` (no parameter, report commands only). */
export function runCommand(ctx: CommandContext, name: string, parameter: string | null, joined: boolean): Reply {
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name]! : null;
  if (cmd) {
    if (joined && !cmd.joinable) return fail(Code.ACCESS_DENIED, `Access denied to '${name}' command`);
    return cmd.run(ctx, joined ? null : parameter);
  }
  if (WRITE_COMMANDS.has(name)) return refuseWrite(name, ctx.writable);
  return fail(Code.INVALID_COMMAND, 'Invalid command');
}
