// The agent's series on /metrics (safety's are in safety-metrics.ts). Labels are bounded: chain
// numbers, chip states, share results and the two protocols.
import type { Metrics } from '../../api/metrics.js';
import type { MinerAgent } from './agent.js';

export function registerAgentMetrics(m: Metrics, agent: MinerAgent): void {
  m.counterFrom('hashagent_work_diff1_total', 'work done, in difficulty-1 shares (valid nonces × their ticket difficulty)', () =>
    [...agent.chains.values()].reduce((s, c) => s + c.driver.stats.nonces * c.driver.ticket, 0),
  );
  m.gauge('hashagent_hashrate_measured_hps', 'hash rate measured from valid nonces since start, H/s', () => agent.measuredHashrate());
  m.gauge('hashagent_hashrate_nominal_hps', 'hash rate of the chips found at their programmed clocks, H/s', () => agent.nominalHashrate());
  for (const result of ['submitted', 'accepted', 'rejected'] as const) {
    m.counterFrom('hashagent_shares_total', 'shares by result', () => agent.shares[result], { result });
  }
  m.counterFrom('hashagent_blocks_found_total', 'shares that met the network target', () => agent.shares.blocks);
  for (const c of agent.cfg.chains) {
    const chain = String(c.index);
    const rt = () => agent.chains.get(c.index);
    const expected = agent.cfg.board.chains.find((x) => x.index === c.index)?.expectedChips ?? 0;
    m.gauge('hashagent_chips', 'chips per chain by state', () => (rt()?.found ?? 0), { chain, state: 'found' });
    m.gauge('hashagent_chips', 'chips per chain by state', () => expected - (rt()?.found ?? 0), { chain, state: 'missing' });
    m.counterFrom('hashagent_hardware_errors_total', 'nonces below the ticket target', () => rt()?.driver.stats.hwErrors ?? 0, { chain });
    m.counterFrom('hashagent_chain_crc_errors_total', 'replies dropped for a bad CRC', () => rt()?.driver.stats.crcErrors ?? 0, { chain });
    m.gauge('hashagent_chain_hashrate_hps', 'measured hash rate per chain, H/s', () => rt()?.driver.hashrate() ?? 0, { chain });
  }
  const e = agent.cfg.board.emulation;
  // Emulated boards: the model's draw per hashing chain. Real boards have no power sensor wired yet.
  m.gauge('hashagent_power_watts', 'power of the hashing chains (emulated boards: the model; NaN when unknown)', () =>
    e ? [...agent.chains.values()].filter((c) => c.driver.hashrate() > 0).length * e.chainWatts : Number.NaN,
  );
  for (const protocol of ['sv2', 'sv1'] as const) {
    m.gauge('hashagent_pool_up', '1 while mining on a pool over this protocol', () => (agent.poolState?.protocol === protocol ? 1 : 0), { protocol });
  }
}
