// The pool's page and /api/v1/pool: connections, channels, shares, blocks and each user's work,
// with a hash rate from the work accepted since the user was first seen (diff-1 × 2^32 / time).
import type http from 'node:http';
import type { Pool } from './pool.js';

/** Users listed, by work (the accounting keeps up to 100 000). */
const TOP_USERS = 50;

export function poolStatusView(pool: Pool, now = Date.now()) {
  const users = pool.accounting
    .all()
    .sort((a, b) => b.work - a.work)
    .slice(0, TOP_USERS)
    .map((u) => ({
      user: u.user,
      hashrate_hps: Math.round((u.work * 2 ** 32) / Math.max(1, (now - u.firstSeenAt) / 1000)),
      accepted: u.accepted,
      rejected: u.rejected,
      stale: u.stale,
      blocks: u.blocks,
      last_share_at: u.lastShareAt,
    }));
  return {
    connections: pool.connectionCount,
    channels: pool.channelCount,
    hashrate_hps: users.reduce((s, u) => s + u.hashrate_hps, 0),
    shares: { accepted: pool.shares.accepted.get(), rejected: pool.shares.rejected.get(), stale: pool.shares.stale.get() },
    blocks: pool.blocksFound.get(),
    users,
  };
}

/** GET /api/v1/pool; false for other paths. */
export function poolApiHandler(pool: Pool): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  return (req, res) => {
    if ((req.url ?? '').split('?')[0] !== '/api/v1/pool') return false;
    const text = JSON.stringify(poolStatusView(pool));
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(text);
    return true;
  };
}
