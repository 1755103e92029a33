// The pool's page: connections, channels, hash rate by user, shares, blocks (/api/v1/pool).
import { $, fillTable, formatRate, getJson, poll } from '../common.js';

interface PoolStatus {
  connections: number;
  channels: number;
  hashrate_hps: number;
  shares: { accepted: number; rejected: number; stale: number };
  blocks: number;
  users: { user: string; hashrate_hps: number; accepted: number; rejected: number; stale: number; blocks: number; last_share_at: number }[];
}

poll(async () => {
  const s = await getJson<PoolStatus>('/api/v1/pool');
  $('rate').textContent = formatRate(s.hashrate_hps);
  $('conns').textContent = `${s.connections} connections, ${s.channels} channels`;
  $('blocks').textContent = `${s.blocks} blocks`;
  fillTable($('shares'), [['accepted', s.shares.accepted], ['rejected', s.shares.rejected], ['stale', s.shares.stale]]);
  fillTable($('users'), s.users.map((u) => [u.user, formatRate(u.hashrate_hps), u.accepted, u.rejected, u.stale, u.blocks, u.last_share_at ? new Date(u.last_share_at).toLocaleTimeString() : '']));
});
