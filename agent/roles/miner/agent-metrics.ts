// The agent's series on /metrics (safety's are in agent/safety/metrics.ts). Labels are bounded:
// chain numbers, chip states, share results and reasons (the ledger keeps at most 16), windows
// and the two protocols. Rates come from the same windows as the cgminer API and the status line.
import type { Metrics } from '../../api/metrics.js';
import type { AgentConfig } from '../../config/agent.js';
import type { ChainRuntime } from './chain-runtime.js';
import type { ShareLedger } from './share-ledger.js';
import { RATE_WINDOWS } from './work-meter.js';

/** What the series read (MinerAgent has it all). */
export interface AgentMetricsSource {
  readonly cfg: AgentConfig;
  readonly chains: ReadonlyMap<number, ChainRuntime>;
  readonly ledger: ShareLedger;
  readonly poolState: { protocol: 'sv2' | 'sv1' } | null;
  rate(windowS: number, chain?: number): number;
  nominalHashrate(): number;
  chainWork(chain: number): number;
  chainCounts(chain: number): { nonces: number; hwErrors: number; crcErrors: number };
}

export function registerAgentMetrics(m: Metrics, agent: AgentMetricsSource): void {
  m.counterFrom('hashagent_work_diff1_total', 'work done, in difficulty-1 shares (valid nonces × their ticket difficulty)', () =>
    [...agent.chains.keys()].reduce((s, i) => s + agent.chainWork(i), 0),
  );
  for (const [window, secs] of Object.entries(RATE_WINDOWS)) {
    m.gauge('hashagent_hashrate_measured_hps', 'hash rate measured from valid nonces over the window, H/s', () => agent.rate(secs), { window });
  }
  m.gauge('hashagent_hashrate_nominal_hps', 'hash rate of the chips found at their programmed clocks, H/s', () => agent.nominalHashrate());
  const t = agent.ledger.total;
  for (const result of ['submitted', 'accepted', 'rejected', 'unconfirmed'] as const) {
    m.counterFrom('hashagent_shares_total', 'shares by result (unconfirmed: never answered before the connection dropped)', () => t[result], { result });
  }
  m.gauge('hashagent_shares_pending', 'shares sent and not yet answered by the pool', () => t.submitted - t.accepted - t.rejected - t.unconfirmed);
  agent.cfg.pools.forEach((_, i) => {
    const p = agent.ledger.pools[i]!;
    for (const result of ['accepted', 'rejected'] as const) {
      m.counterFrom('hashagent_pool_shares_total', 'shares by pool (position in the list) and result', () => p[result], { pool: String(i), result });
    }
  });
  m.counterFrom('hashagent_blocks_found_total', 'shares that met the network target', () => agent.ledger.blocks);
  for (const c of agent.cfg.chains) {
    const chain = String(c.index);
    const rt = () => agent.chains.get(c.index);
    const expected = agent.cfg.board.chains.find((x) => x.index === c.index)?.expectedChips ?? 0;
    m.gauge('hashagent_chips', 'chips per chain by state', () => (rt()?.found ?? 0), { chain, state: 'found' });
    m.gauge('hashagent_chips', 'chips per chain by state', () => expected - (rt()?.found ?? 0), { chain, state: 'missing' });
    m.counterFrom('hashagent_hardware_errors_total', 'nonces below the ticket target', () => agent.chainCounts(c.index).hwErrors, { chain });
    m.counterFrom('hashagent_chain_crc_errors_total', 'replies dropped for a bad CRC', () => agent.chainCounts(c.index).crcErrors, { chain });
    for (const [window, secs] of Object.entries(RATE_WINDOWS)) {
      m.gauge('hashagent_chain_hashrate_hps', 'measured hash rate per chain over the window, H/s', () => agent.rate(secs, c.index), { chain, window });
    }
    for (const state of ['running', 'reinitialising', 'disabled'] as const) {
      m.gauge('hashagent_chain_state', '1 for the state the chain is in', () => (rt()?.state === state ? 1 : 0), { chain, state });
    }
    const tally = () => agent.ledger.chain(c.index);
    for (const result of ['accepted', 'rejected'] as const) {
      m.counterFrom('hashagent_chain_shares_total', 'shares by chain and result', () => tally()[result], { chain, result });
    }
  }
  const e = agent.cfg.board.emulation;
  // Emulated boards: the model's draw per hashing chain. Real boards have no power sensor wired yet.
  m.gauge('hashagent_power_watts', 'power of the hashing chains (emulated boards: the model; NaN when unknown)', () =>
    e ? [...agent.chains.values()].filter((c) => c.state === 'running').length * e.chainWatts : Number.NaN,
  );
  for (const protocol of ['sv2', 'sv1'] as const) {
    m.gauge('hashagent_pool_up', '1 while mining on a pool over this protocol', () => (agent.poolState?.protocol === protocol ? 1 : 0), { protocol });
  }
}
