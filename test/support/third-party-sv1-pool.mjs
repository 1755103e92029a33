// A third-party SV1 pool in its own process: stratum-pool-sha256 (npm, NOMP's stratum core for
// SHA-256 coins) fed by a bitcoind JSON-RPC endpoint. It has no stop(): its listeners and timers
// end with this process, which the test kills. argv[2]: JSON { port, diff, rpcPort, user, password }.
// Prints one JSON line per event: {"event":"started"}, {"event":"share",...}, {"event":"error",...}.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const stratum = require('stratum-pool-sha256');
const o = JSON.parse(process.argv[2]);
const out = (e) => process.stdout.write(JSON.stringify(e) + '\n');
// Its own debug console.log lines (share calculation dumps) go to stderr, not into our protocol.
console.log = (...a) => process.stderr.write(a.join(' ') + '\n');

const pool = stratum.createPool(
  {
    coin: { name: 'Bitcoin', symbol: 'BTC', algorithm: 'sha256' },
    address: 'bcrt1qhashagenttest',
    ports: { [o.port]: { diff: o.diff } },
    daemons: [{ host: '127.0.0.1', port: o.rpcPort, user: o.user, password: o.password }],
    p2p: { enabled: false },
    blockRefreshInterval: 1000,
    jobRebroadcastTimeout: 55,
    connectionTimeout: 600,
    emitInvalidBlockHashes: false,
    tcpProxyProtocol: false,
    banning: { enabled: false },
    rewardRecipients: {},
  },
  (_ip, _port, _worker, _password, callback) => callback({ error: null, authorized: true, disconnect: false }),
);
pool.on('started', () => out({ event: 'started' }));
pool.on('share', (valid, block, d) => out({ event: 'share', valid, block, worker: d.worker, difficulty: d.difficulty, shareDiff: d.shareDiff, error: d.error ?? null }));
pool.on('log', (severity, text) => severity === 'error' && out({ event: 'error', text }));
pool.start();
