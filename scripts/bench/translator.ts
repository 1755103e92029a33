// translator.*: the SV1 → SV2 translator proxy on loopback.
//  translator.shares — SV1 shares per second through the translator into our SV2 pool (real TCP,
//    real Noise, every share rebuilt and hashed by the translator and by the pool), and the added
//    latency from an SV1 mining.submit write to the pool receiving its SubmitSharesExtended, next
//    to a bare loopback TCP line in the same run (the baseline).
//  translator.upstream_bytes — bytes between a farm of 100 SV1 miners and the pool over one
//    modelled hour, counted with the real encoders: SV2 through the translator (one Noise
//    connection, one aggregated channel) against the same miners speaking SV1 to a pool directly.
import net from 'node:net';
import { EmbeddedChain } from '../../agent/templates/embedded-chain.js';
import { Pool } from '../../agent/roles/pool/pool.js';
import { Translator } from '../../agent/roles/translator/translator.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { encodeMessage } from '../../agent/sv2/codec.js';
import { encryptedPayloadLength, ENCRYPTED_HEADER_SIZE } from '../../agent/sv2/encrypted-framing.js';
import { ACT1_SIZE, ACT2_SIZE } from '../../agent/sv2/noise/handshake.js';
import {
  NewExtendedMiningJob, OpenExtendedMiningChannel, OpenExtendedMiningChannelSuccess, SetNewPrevHash, SetTarget, SetupConnection, SetupConnectionSuccess, SubmitSharesExtended,
  SubmitSharesSuccess, UpdateChannel,
} from '../../agent/sv2/messages/index.js';
import { MAX_TARGET_LE } from '../../agent/bitcoin/index.js';
import { encodeLine, hex8, notifyParams } from '../../agent/sv1/index.js';
import type { Bench, Report } from './types.js';

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** A raw SV1 client: subscribes and authorizes, remembers the first job, sends submits. */
async function sv1Client(port: number, user: string) {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let buf = '';
  let job: { id: string; ntime: string } | null = null;
  let refused = 0;
  socket.on('data', (d) => {
    buf += d.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const m = JSON.parse(buf.slice(0, nl)) as { id?: number; method?: string; params?: string[]; result?: unknown };
      buf = buf.slice(nl + 1);
      if (m.method === 'mining.notify') job = { id: m.params![0]!, ntime: m.params![7]! };
      else if (!m.method && (m.id ?? 0) >= 10 && m.result !== true) refused++;
    }
  });
  socket.write(`{"id":1,"method":"mining.subscribe","params":["bench"]}\n{"id":2,"method":"mining.authorize","params":["${user}","x"]}\n`);
  while (!job) await new Promise((r) => setTimeout(r, 5));
  let nonce = 0;
  let id = 10;
  return {
    socket,
    /** Shares the translator refused (a hash just above its rounded target: about 1 in 10^5). */
    get refused() {
      return refused;
    },
    /** One mining.submit with a fresh nonce (every hash meets the benchmark's easiest target). */
    submit(en2: number) {
      socket.write(`{"id":${id++},"method":"mining.submit","params":["${user}","${job!.id}","${hex8(en2)}","${job!.ntime}","${hex8(nonce++)}"]}\n`);
    },
  };
}

/** Our pool and a translator in front of it where every hash is a valid share (targets of all ones). */
async function easyStack(templateIntervalMs: number, shareBatchSize: number) {
  const authority = generateAuthorityKeyPair();
  // The pool's channel target for a 1 H/s miner, no vardiff; nbits hard enough that no share is a block (no stale shares).
  const pool = new Pool({
    host: '127.0.0.1', port: 0, authoritySecret: authority.secretKey, certValiditySeconds: 3600, source: new EmbeddedChain({ nbits: 0x1d00ffff, templateIntervalMs }),
    payoutScript: Uint8Array.of(0x51), coinbaseTag: '/bench/', serverId: 1, sharesPerMinute: 6000, shareBatchSize,
    maxConnections: 1000, maxChannelsPerConnection: 10, maxFramesPerSecond: 10_000_000, vardiff: false,
  });
  const poolPort = await pool.start();
  const translator = new Translator({
    host: '127.0.0.1', port: 0, upstreams: [{ host: '127.0.0.1', port: poolPort, authorityKey: authority.publicKey }], userIdentity: 'bench',
    aggregate: true, extranonce2Size: 4, minMinerHashrate: 1, sharesPerMinute: 6000, vardiff: false, maxConnections: 1000, maxLineBytes: 16_384, maxWorkerLabels: 10,
  });
  const port = await translator.start();
  return { pool, translator, port };
}

async function sharesBench(report: Report): Promise<void> {
  const { pool, translator, port } = await easyStack(3_600_000, 100);
  let received = 0;
  let onShare: (() => void) | null = null;
  pool.on('share', (s) => {
    if (!s.ok) throw new Error(`bench share rejected by the pool: ${s.error}`);
    received++;
    onShare?.();
  });
  const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => sv1Client(port, `bench.m${i}`)));

  // Latency: one share at a time, SV1 write → the pool has the SubmitSharesExtended.
  const lat: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const c = clients[i % clients.length]!;
    const t0 = performance.now();
    const arrived = await new Promise<boolean>((r) => {
      const timer = setTimeout(() => r(false), 500);
      onShare = () => {
        clearTimeout(timer);
        r(true);
      };
      c.submit(i);
    });
    if (arrived) lat.push(performance.now() - t0);
  }
  onShare = null;
  lat.splice(0, 500); // warm-up
  lat.sort((a, b) => a - b);

  // Baseline: a bare line over loopback TCP, write → the other end has it.
  const echo = net.createServer((s) => s.on('data', () => s.write('\n')));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  const raw = net.connect({ host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port });
  raw.setNoDelay(true);
  await new Promise<void>((r) => raw.once('connect', () => r()));
  const base: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const t0 = performance.now();
    await new Promise<void>((r) => {
      raw.once('data', () => r());
      raw.write('{"id":1,"method":"mining.submit","params":["w","1","00000000","00000000","00000000"]}\n');
    });
    base.push((performance.now() - t0) / 2); // one way
  }
  base.splice(0, 500);
  base.sort((a, b) => a - b);
  raw.destroy();
  echo.close();

  // Throughput: 10 miners submitting as fast as the translator takes them.
  const total = 50_000;
  const start = received;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    clients[i % clients.length]!.submit(10_000 + i);
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r)); // let the proxy read
  }
  const refusedBefore = clients.reduce((n, c) => n + c.refused, 0);
  while (received - start + clients.reduce((n, c) => n + c.refused, 0) - refusedBefore < total) await new Promise((r) => setTimeout(r, 2));
  const seconds = (performance.now() - t0) / 1000;
  const rate = total / seconds;
  report({
    name: 'translator.shares', value: Math.round(rate), unit: 'shares/s',
    p50_ms: +quantile(lat, 0.5).toFixed(3), p99_ms: +quantile(lat, 0.99).toFixed(3),
    baseline: +quantile(base, 0.5).toFixed(3), baseline_name: 'one-way loopback TCP line p50 (ms)', baseline_p99_ms: +quantile(base, 0.99).toFixed(3),
    ratio: +(quantile(lat, 0.5) / quantile(base, 0.5)).toFixed(2), ratio_name: 'added latency p50 / loopback p50',
    note: 'SV1 submit → translator (parse, rebuild coinbase, merkle root, header hash, target) → Noise → pool (decrypt, validate); 10 SV1 miners, one aggregated channel',
  });
  for (const c of clients) c.socket.destroy();
  await translator.stop();
  await pool.stop();
}

/** Bytes of one encrypted SV2 frame carrying `payload` bytes. */
const sv2 = (payload: number) => ENCRYPTED_HEADER_SIZE + encryptedPayloadLength(payload);
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

function upstreamBytesBench(report: Report, measured: { sv1: number; sv2: number; seconds: number }): void {
  // The modelled hour: 100 miners at 6 shares/min each, a new job every 30 s, a block every
  // 10 min, mainnet-shaped jobs (a 64-byte coinb1 and a 178-byte coinb2 around 12 bytes of
  // extranonce, 13 merkle branches: the slush job of ESP-Miner's tests).
  const miners = 100;
  const sharesPerMinerHour = 6 * 60;
  const jobsPerHour = 120;
  const blocksPerHour = 6;
  const coinb1 = bytes(64, 1);
  const coinb2 = bytes(178, 2);
  const path = Array.from({ length: 13 }, (_, i) => bytes(32, i + 3));
  const prevHash = bytes(32, 99);

  // SV1 straight to a pool: every miner its own connection, every job and share on each.
  const l = (m: unknown) => Buffer.byteLength(encodeLine(m));
  const sv1Setup =
    l({ id: 1, method: 'mining.configure', params: [['version-rolling'], { 'version-rolling.mask': '1fffe000', 'version-rolling.min-bit-count': 2 }] }) +
    l({ id: 1, result: { 'version-rolling': true, 'version-rolling.mask': '1fffe000' }, error: null }) +
    l({ id: 2, method: 'mining.subscribe', params: ['cgminer/4.11.1'] }) +
    l({ id: 2, result: [[['mining.set_difficulty', '1'], ['mining.notify', '1']], '0800000a', 8], error: null }) +
    l({ id: 3, method: 'mining.authorize', params: ['bc1qfarmaccount.rig042', 'x'] }) +
    l({ id: 3, result: true, error: null }) +
    l({ id: null, method: 'mining.set_difficulty', params: [65536] });
  const notify = l({ id: null, method: 'mining.notify', params: notifyParams('6bfc1e2a', { prevHash, coinbase1: coinb1, coinbase2: coinb2, merklePath: path, version: 0x20000000, nbits: 0x17034219, ntime: 0x6650a1b2 }, false) });
  const submit =
    l({ id: 1234, method: 'mining.submit', params: ['bc1qfarmaccount.rig042', '6bfc1e2a', '0000a3f1', '6650a1b2', 'a81c33f0', '00002000'] }) + l({ id: 1234, result: true, error: null });
  const sv1PerMiner = sv1Setup + jobsPerHour * notify + sharesPerMinerHour * submit;
  const sv1Total = miners * sv1PerMiner;

  // SV2 through the translator: one Noise connection and one channel for the farm.
  const e = (def: Parameters<typeof encodeMessage>[0], f: Parameters<typeof encodeMessage>[1]) => sv2(encodeMessage(def, f as never).length - 6);
  const setup =
    ACT1_SIZE + ACT2_SIZE +
    e(SetupConnection, { protocol: 0, min_version: 2, max_version: 2, flags: 4, endpoint_host: 'pool.example.com', endpoint_port: 34254, vendor: 'hashagent', hardware_version: 'translator', firmware: '', device_id: '' }) +
    e(SetupConnectionSuccess, { used_version: 2, flags: 0 }) +
    e(OpenExtendedMiningChannel, { request_id: 1, user_identity: 'bc1qfarmaccount.translator', nominal_hash_rate: 1e15, max_target: MAX_TARGET_LE, min_extranonce_size: 6 }) +
    e(OpenExtendedMiningChannelSuccess, { request_id: 1, channel_id: 1, target: MAX_TARGET_LE, extranonce_size: 16, extranonce_prefix: bytes(4, 7), group_channel_id: 0 });
  const job = e(NewExtendedMiningJob, { channel_id: 1, job_id: 77, min_ntime: 0x6650a1b2, version: 0x20000000, version_rolling_allowed: true, merkle_path: path, coinbase_tx_prefix: coinb1, coinbase_tx_suffix: coinb2 });
  const prev = e(SetNewPrevHash, { channel_id: 1, job_id: 77, prev_hash: prevHash, min_ntime: 0x6650a1b2, nbits: 0x17034219 });
  const share = e(SubmitSharesExtended, { channel_id: 1, sequence_number: 1234, job_id: 77, nonce: 1, ntime: 0x6650a1b2, version: 0x20002000, extranonce: bytes(16, 5) });
  const success = e(SubmitSharesSuccess, { channel_id: 1, last_sequence_number: 1234, new_submits_accepted_count: 10, new_shares_sum: 655_360n });
  // The translator's vardiff follows the farm: a few UpdateChannel/SetTarget pairs an hour.
  const retarget = e(UpdateChannel, { channel_id: 1, nominal_hash_rate: 1e15, maximum_target: MAX_TARGET_LE }) + e(SetTarget, { channel_id: 1, maximum_target: MAX_TARGET_LE });
  const sv2Fixed = setup + jobsPerHour * job + blocksPerHour * prev + 12 * retarget;
  // Aggregated channel: the pool sets the channel's target for its own share rate (6/min),
  // so only shares meeting it go up; and, for comparison, every miner share forwarded.
  const sv2Aggregated = sv2Fixed + 6 * 60 * share + Math.ceil((6 * 60) / 10) * success;
  const sv2AllShares = sv2Fixed + miners * sharesPerMinerHour * share + Math.ceil((miners * sharesPerMinerHour) / 10) * success;
  report({
    name: 'translator.upstream_bytes', value: sv2Aggregated, unit: 'bytes/hour', baseline: sv1Total, baseline_name: '100 miners on SV1 to the pool directly',
    ratio: +(sv2Aggregated / sv1Total).toFixed(4), ratio_name: 'SV2 via translator / SV1 direct',
    sv2_all_shares_forwarded: sv2AllShares, ratio_all_shares_forwarded: +(sv2AllShares / sv1Total).toFixed(4),
    // Real sockets (100 miners, a job every 0.5 s, 5 shares/s each, all forwarded): checks the model's per-message sizes.
    measured_ratio_all_shares_forwarded: +(measured.sv2 / measured.sv1).toFixed(4), measured_sv1_bytes: measured.sv1, measured_sv2_bytes: measured.sv2, measured_seconds: +measured.seconds.toFixed(1),
    sv1_notify_bytes: notify, sv2_job_bytes: job, sv1_submit_roundtrip_bytes: submit, sv2_share_bytes: share,
    note: 'modelled hour: 100 miners × 6 shares/min, a job every 30 s, a block every 10 min, 13-branch mainnet-shaped jobs; sizes from the real encoders, SV2 with Noise framing',
  });
}

/**
 * The model's cross-check on real sockets: 100 SV1 miners through the translator for a few
 * seconds, jobs and shares sped up, every share forwarded. The translator's SV1 side carries
 * exactly what these miners would exchange with an SV1 pool; its upstream is the SV2 side.
 */
async function measuredBytes(): Promise<{ sv1: number; sv2: number; seconds: number }> {
  const { pool, translator, port } = await easyStack(500, 10); // a new job every 0.5 s
  const clients = await Promise.all(Array.from({ length: 100 }, (_, i) => sv1Client(port, `bench.rig${i}`)));
  const bytes = () => clients.reduce((n, c) => n + c.socket.bytesRead + c.socket.bytesWritten, 0);
  const up = () => (translator.upstream.connection ? translator.upstream.connection.bytesIn + translator.upstream.connection.bytesOut : 0);
  const [sv1Start, sv2Start] = [bytes(), up()];
  const t0 = performance.now();
  let en2 = 0;
  // 5 shares per second per miner (6/min sped up 50×) for 4 s.
  const timer = setInterval(() => {
    for (const c of clients) c.submit(en2++);
  }, 200);
  await new Promise((r) => setTimeout(r, 4000));
  clearInterval(timer);
  await new Promise((r) => setTimeout(r, 300));
  const result = { sv1: bytes() - sv1Start, sv2: up() - sv2Start, seconds: (performance.now() - t0) / 1000 };
  for (const c of clients) c.socket.destroy();
  await translator.stop();
  await pool.stop();
  return result;
}

export const translatorBench: Bench = {
  name: 'translator',
  async run(report) {
    await sharesBench(report);
    upstreamBytesBench(report, await measuredBytes());
  },
};
