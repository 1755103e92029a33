// What the REST API (/api/v1/*) and the operator's page read from the agent: plain JSON built
// from the agent's own records (chain runtimes and their rate windows, the share ledger, chip
// health, the safety status, the event and rate-history rings). The shapes are documented in
// agent/api/openapi.json; test/integration/agent/agent-rest.test.ts holds them to it.
import type { AgentConfig } from '../../config/agent.js';
import type { ApiSafetyStatus } from '../../api/cgminer-source.js';
import type { EventLog, Ring } from './history.js';
import type { ShareLedger } from './share-ledger.js';
import { chainCounts, chainRate, chipRate, chipWork, type ChainRuntime } from './chain-runtime.js';
import { RATE_WINDOWS } from './work-meter.js';
import { chainTemps } from '../../api/cgminer-commands.js';
import type { ShareTally } from './share-ledger.js';
import { VERSION } from '../../version.js';

/** What the views read (MinerAgent has it all). */
export interface ApiViewSource {
  readonly cfg: AgentConfig;
  readonly chains: ReadonlyMap<number, ChainRuntime>;
  readonly ledger: ShareLedger;
  readonly events: EventLog;
  readonly rateHistory: Ring<[number, number]>;
  readonly safety: { status(): ApiSafetyStatus & { alarms: string[] } } | null;
  readonly shares: Record<'submitted' | 'accepted' | 'rejected' | 'unconfirmed' | 'pending' | 'blocks', number>;
  readonly poolState: { url: string; protocol: 'sv2' | 'sv1' } | null;
  readonly activePool: number;
  readonly uptimeS: number;
  rate(windowS: number, chain?: number): number;
  nominalHashrate(): number;
  stoppedChips(chain: number): number[];
}

type Rates = Record<keyof typeof RATE_WINDOWS, number>;

const rates = (read: (windowS: number) => number): Rates =>
  Object.fromEntries(Object.entries(RATE_WINDOWS).map(([k, s]) => [k, Math.round(read(s))])) as Rates;

const tally = (t: ShareTally) => ({
  accepted: t.accepted,
  rejected: t.rejected,
  unconfirmed: t.unconfirmed,
  rejected_by: Object.fromEntries(t.rejectedBy),
  last_accepted_at: t.lastAcceptedAt,
});

export function summaryView(a: ApiViewSource) {
  const st = a.safety?.status();
  const defs = a.cfg.board.sensors;
  return {
    version: VERSION,
    board: { name: a.cfg.board.name, description: a.cfg.board.description },
    uptime_s: Math.round(a.uptimeS),
    hashrate_hps: rates((s) => a.rate(s)),
    nominal_hps: Math.round(a.nominalHashrate()),
    shares: { ...a.shares },
    pool: a.poolState ? { index: a.activePool, url: a.poolState.url, protocol: a.poolState.protocol } : null,
    shutdown: st?.shutdown ? String((st.shutdown as { reason?: string }).reason ?? JSON.stringify(st.shutdown)) : null,
    alarms: st?.alarms ?? [],
    fan_duty: st?.duty ?? null,
    fans: (st?.fans ?? []).map((f) => ({ fan: f.fan, rpm: f.rpm })),
    temperatures: (st?.readings ?? []).map((r) => ({
      sensor: r.sensor,
      location: r.location,
      chain: defs.find((d) => d.name === r.sensor)?.chain ?? null,
      celsius: 'celsius' in r ? r.celsius : null,
      error: 'error' in r ? r.error : null,
    })),
  };
}

function chainView(a: ApiViewSource, c: ChainRuntime, now: number) {
  const counts = chainCounts(c);
  const expected = a.cfg.board.chains.find((d) => d.index === c.index)?.expectedChips ?? c.found;
  const stopped = new Set(a.stoppedChips(c.index));
  const t = chainTemps(a, c.index);
  return {
    index: c.index,
    state: c.state,
    reason: c.reason,
    chip_type: c.driver.profile.name,
    chips_found: c.found,
    chips_expected: expected,
    frequency_mhz: Math.round(c.driver.frequencyMHz * 100) / 100,
    hashrate_hps: rates((s) => chainRate(c, s, now)),
    nonces: counts.nonces,
    hw_errors: counts.hwErrors,
    crc_errors: counts.crcErrors,
    shares: tally(a.ledger.chain(c.index)),
    temperature_c: { chip: t.chip, board: t.board },
    chips: Array.from({ length: c.found }, (_, i) => {
      const chip = c.driver.chips[i];
      return {
        index: i,
        state: stopped.has(i) ? ('stopped' as const) : ('ok' as const),
        // A chip's rate is sampled every 5 s: its 5 s window is as fresh as it gets.
        hashrate_hps: rates((s) => chipRate(c, i, s, now)),
        nonces: chip ? chipWork(c, i) / c.driver.ticket : 0,
        hw_errors: chip?.hwErrors ?? 0,
        // Per-chip sensors are not read (the board has a few per chain): the chain's chip reading.
        temperature_c: t.chip,
      };
    }),
  };
}

export function chainsView(a: ApiViewSource) {
  const now = performance.now();
  return { chains: [...a.chains.values()].sort((x, y) => x.index - y.index).map((c) => chainView(a, c, now)) };
}

export function poolsView(a: ApiViewSource) {
  const active = a.poolState ? a.activePool : -1;
  return {
    pools: a.cfg.pools.map((p, i) => ({
      index: i,
      url: p.url,
      fallback_sv1: p.fallbackSv1 ?? null,
      user: p.user,
      active: i === active,
      protocol: i === active ? a.poolState!.protocol : null,
      shares: tally(a.ledger.pools[i]!),
    })),
  };
}

export function eventsView(a: ApiViewSource, n: number, after: number) {
  return { events: a.events.list(n, after) };
}

/** The last hour of the board's rate, a point every 5 s: [epoch ms, H/s]. */
export function historyView(a: ApiViewSource) {
  return { period_s: 5, points: a.rateHistory.toArray().map(([t, h]) => [t, Math.round(h)]) };
}

const REDACTED = '(redacted)';

/** The configuration in force; passwords and the API token are never shown. */
export function configView(a: ApiViewSource) {
  const c = a.cfg;
  return {
    file: c.file,
    board: c.board.name,
    pools: c.pools.map((p) => ({ url: p.url, user: p.user, password: p.password ? REDACTED : '', fallback_sv1: p.fallbackSv1 ?? null, insecure: p.insecure })),
    asic_boost: c.asicBoost,
    chains: c.chains.map((x) => ({ index: x.index, enabled: x.enabled, frequency_mhz: x.frequency, voltage: x.voltage })),
    limits: { frequency_mhz: c.board.limits.frequency, voltage: c.board.limits.voltage ?? null },
    temp_control: { mode: c.safety.mode, target_temp: c.safety.targetTemp, hot_temp: c.safety.hotTemp, dangerous_temp: c.safety.dangerousTemp },
    api: { http_listen: c.api.http.enabled ? c.api.http.listen : null, cgminer_listen: c.api.cgminer.enabled ? c.api.cgminer.listen : null, token: c.api.token ? REDACTED : null },
    log: c.log,
  };
}
