// The SV1 path on loopback for tests and benchmarks: the embedded chain, our SV2 pool, and the
// translator proxy in front of it (its SV1 side stands in for an SV1 pool).
import net from 'node:net';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { Pool } from '../../agent/roles/pool/pool.js';
import { Translator, type TranslatorOptions } from '../../agent/roles/translator/translator.js';
import { generateAuthorityKeyPair, type AuthorityKeyPair } from '../../agent/sv2/keys.js';

export interface Sv1Stack {
  authority: AuthorityKeyPair;
  chain: EmbeddedChain;
  pool: Pool;
  poolPort: number;
  translator: Translator;
  sv1Port: number;
  stop(): Promise<void>;
}

export async function startPool(opts: { nbits?: number; port?: number; authority?: AuthorityKeyPair; sharesPerMinute?: number; vardiff?: boolean; versionRollingMask?: number; extendedChannels?: boolean } = {}) {
  const authority = opts.authority ?? generateAuthorityKeyPair();
  const chain = new EmbeddedChain({ nbits: opts.nbits ?? 0x1f00ffff, templateIntervalMs: 1000 });
  const pool = new Pool({
    host: '127.0.0.1', port: opts.port ?? 0, authoritySecret: authority.secretKey, certValiditySeconds: 3600, source: chain,
    payoutScript: Uint8Array.of(0x51), coinbaseTag: '/hashagent-test/', serverId: 1, sharesPerMinute: opts.sharesPerMinute ?? 600, shareBatchSize: 5,
    maxConnections: 2000, maxChannelsPerConnection: 2000, maxFramesPerSecond: 100_000,
    ...(opts.vardiff === false ? { vardiff: false as const } : {}),
    ...(opts.versionRollingMask !== undefined ? { versionRollingMask: opts.versionRollingMask } : {}),
    ...(opts.extendedChannels !== undefined ? { extendedChannels: opts.extendedChannels } : {}),
  });
  const poolPort = await pool.start();
  return { authority, chain, pool, poolPort };
}

export async function startSv1Stack(o: Partial<TranslatorOptions> & { nbits?: number; poolVersionMask?: number } = {}): Promise<Sv1Stack> {
  const { authority, chain, pool, poolPort } = await startPool({ ...(o.nbits !== undefined ? { nbits: o.nbits } : {}), ...(o.poolVersionMask !== undefined ? { versionRollingMask: o.poolVersionMask } : {}) });
  const translator = new Translator({
    host: '127.0.0.1', port: 0, upstreams: [{ host: '127.0.0.1', port: poolPort, authorityKey: authority.publicKey }], userIdentity: 'test.translator',
    aggregate: true, extranonce2Size: 4, minMinerHashrate: 100_000, sharesPerMinute: 600, vardiff: true, maxConnections: 5000, maxLineBytes: 4096, maxWorkerLabels: 10,
    ...o,
  });
  const sv1Port = await translator.start();
  return {
    authority, chain, pool, poolPort, translator, sv1Port,
    async stop() {
      await translator.stop();
      await pool.stop();
    },
  };
}

export function waitFor(cond: () => boolean, ms: number, what = 'condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => (cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error(`timed out waiting for ${what}`)) : setTimeout(tick, 20));
    tick();
  });
}

/** A port nothing listens on right now (for a pool started later at a known address). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export interface Sv1Line {
  id?: unknown;
  method?: string;
  params?: unknown[];
  result?: unknown;
  error?: unknown;
}

/** A bare SV1 client on loopback: every line it receives, parsed; `cleanups` gets its close. */
export function rawSv1Client(port: number, cleanups: (() => unknown)[]) {
  const lines: Sv1Line[] = [];
  const s = net.connect(port, '127.0.0.1');
  cleanups.push(() => s.destroy());
  let buf = '';
  let closed = false;
  s.on('data', (d) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      lines.push(JSON.parse(buf.slice(0, nl)) as Sv1Line);
      buf = buf.slice(nl + 1);
    }
  });
  s.on('close', () => (closed = true));
  s.on('error', () => {});
  return {
    lines,
    send: (l: string) => s.write(l + '\n'),
    answer: (id: number) => lines.find((l) => l.id === id),
    get closed() {
      return closed;
    },
  };
}
