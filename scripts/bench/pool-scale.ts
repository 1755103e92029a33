// pool.memory_per_connection and pool.prevhash_fanout: a pool in its own process (so its RSS is
// its own) with 5,000 idle Noise connections, each with one open standard channel, opened from
// this process; then one new block fanned out to all of them.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { Pool } from '../../agent/roles/pool/pool.js';
import { generateAuthorityKeyPair, encodeSecretKey, decodeSecretKey, publicKeyOf } from '../../agent/sv2/keys.js';
import { connectNoise } from '../../agent/net/noise-socket.js';
import type { FrameConnection } from '../../agent/net/frame-connection.js';
import { messageFrame } from '../../agent/sv2/codec.js';
import { OpenStandardMiningChannel, SetNewPrevHash, SetupConnection } from '../../agent/sv2/messages/index.js';
import { NoiseInitiator, NoiseResponder } from '../../agent/sv2/noise/handshake.js';
import { MAX_TARGET_LE } from '../../agent/bitcoin/index.js';
import { opsPerSecond, type Bench } from './types.js';

const N = Number(process.env.HASHAGENT_BENCH_CONNECTIONS ?? 5000);
const CHILD_FLAG = '--pool-scale-child';
// A small young generation, as a pool or a control board would run with: without it V8 keeps
// tens of MB of semi-space reserved after the handshake burst, which is heap, not connections.
const POOL_NODE_FLAGS = ['--expose-gc', '--max-semi-space-size=1'];

type ToChild = { type: 'rss' } | { type: 'fanout' };
type FromChild = { type: 'port'; port: number } | { type: 'rss'; rss: number } | { type: 'fanout'; ms: number; channels: number };

/** Child side: run a pool and answer measurements over IPC. */
export async function poolScaleChild(secretText: string): Promise<void> {
  const chain = new EmbeddedChain({ nbits: 0x207fffff });
  const pool = new Pool({
    host: '127.0.0.1', port: 0, authoritySecret: decodeSecretKey(secretText), certValiditySeconds: 3600, source: chain,
    payoutScript: Uint8Array.of(0x51), coinbaseTag: '/bench/', serverId: 1, sharesPerMinute: 6, shareBatchSize: 10,
    maxConnections: N + 100, maxChannelsPerConnection: 1, maxFramesPerSecond: 100, vardiff: false,
  });
  const port = await pool.start();
  const send = (m: FromChild) => process.send!(m);
  send({ type: 'port', port });
  process.on('message', (m: ToChild) => {
    if (m.type === 'rss') {
      globalThis.gc?.();
      const mu = process.memoryUsage();
      if (process.env.HASHAGENT_BENCH_DEBUG) console.error(JSON.stringify(mu));
      send({ type: 'rss', rss: mu.rss });
    } else if (m.type === 'fanout') {
      // A new block: the chain announces a future template and the prevhash; the pool writes a
      // job and a SetNewPrevHash to every channel synchronously inside these emits.
      const cur = chain.current()!;
      const t0 = performance.now();
      chain.emit('template', { ...cur.template, template_id: cur.template.template_id + 1000n, future_template: true });
      chain.emit('prevhash', { ...cur.prevhash, template_id: cur.template.template_id + 1000n });
      send({ type: 'fanout', ms: performance.now() - t0, channels: pool.channelCount });
    }
  });
}

function ask<T extends FromChild['type']>(child: ChildProcess, msg: ToChild, type: T): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve) => {
    const on = (m: FromChild) => {
      if (m.type === type) {
        child.off('message', on);
        resolve(m as Extract<FromChild, { type: T }>);
      }
    };
    child.on('message', on);
    child.send(msg);
  });
}

export const poolScaleBench: Bench = {
  name: 'pool.scale',
  async run(report) {
    const auth = generateAuthorityKeyPair();
    const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, encodeSecretKey(auth.secretKey)], { execArgv: POOL_NODE_FLAGS, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve) => child.once('message', (m: FromChild) => m.type === 'port' && resolve(m.port)));
    const before = (await ask(child, { type: 'rss' }, 'rss')).rss;
    const conns: FrameConnection[] = [];
    for (let i = 0; i < N; i += 100) {
      const batch = await Promise.all(Array.from({ length: Math.min(100, N - i) }, () => connectNoise({ host: '127.0.0.1', port, authorityKey: publicKeyOf(auth.secretKey), timeoutMs: 120_000 })));
      for (const c of batch) {
        c.on('frame', () => {});
        c.send(messageFrame(SetupConnection, { protocol: 0, min_version: 2, max_version: 2, flags: 1, endpoint_host: '', endpoint_port: 0, vendor: '', hardware_version: '', firmware: '', device_id: '' }));
        c.send(messageFrame(OpenStandardMiningChannel, { request_id: 1, user_identity: 'bench', nominal_hash_rate: 1e12, max_target: MAX_TARGET_LE }));
      }
      conns.push(...batch);
    }
    await new Promise((r) => setTimeout(r, 2000)); // let the channels open and settle
    const after = (await ask(child, { type: 'rss' }, 'rss')).rss;
    const perConn = (after - before) / N;
    report({
      name: 'pool.memory_per_connection', value: Math.round(perConn), unit: 'bytes RSS per idle Noise connection with one channel', connections: N,
      rss_before: before, rss_after: after, node_flags: POOL_NODE_FLAGS.join(' '), target: '<= 16384',
    });

    const fan = await ask(child, { type: 'fanout' }, 'fanout');
    // The cost the fan-out is compared with: encrypting one SetNewPrevHash frame, times N.
    const init = new NoiseInitiator({ authorityKey: auth.publicKey });
    const { reply, session } = new NoiseResponder({ authoritySecret: auth.secretKey }).act2(init.act1());
    init.act2(reply);
    const frame = messageFrame(SetNewPrevHash, { channel_id: 1, job_id: 1, prev_hash: new Uint8Array(32), min_ntime: 1, nbits: 1 });
    const perFrameMs = 1000 / opsPerSecond(() => session.encode(frame));
    report({ name: 'pool.prevhash_fanout', value: +fan.ms.toFixed(1), unit: `ms to write a new job and SetNewPrevHash to ${fan.channels} channels`, baseline: +(perFrameMs * N).toFixed(1), baseline_name: `${N} × encrypting one SetNewPrevHash frame`, ratio: +(fan.ms / (perFrameMs * N)).toFixed(2) });
    for (const c of conns) c.close();
    child.kill();
  },
};

if (process.argv[2] === CHILD_FLAG) void poolScaleChild(process.argv[3]!);
