// Extension 0x0002 through the translator, against an SV2 pool that grants it: a scripted
// responder on real TCP and real Noise answers RequestExtensions.Success, and every share the
// translator forwards carries the SV1 worker's name as the user_identity TLV (≤ 32 bytes).
// Our own pool does not negotiate extensions: there the shares go without TLVs (translator.test).
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { acceptNoise } from '../../agent/net/noise-socket.js';
import type { FrameConnection } from '../../agent/net/frame-connection.js';
import { decodeFrame, messageFrame } from '../../agent/sv2/codec.js';
import {
  NewExtendedMiningJob, OpenExtendedMiningChannelSuccess, RequestExtensionsSuccess, SetExtranoncePrefix, SetNewPrevHash, SetupConnectionSuccess, findUserIdentity, WORKER_HASHRATE_TRACKING,
} from '../../agent/sv2/messages/index.js';
import { generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import { MAX_TARGET_LE } from '../../agent/bitcoin/index.js';
import { Translator } from '../../agent/roles/translator/translator.js';
import { waitFor } from '../support/sv1-stack.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A scripted SV2 pool (real TCP, real Noise) that grants 0x0002, and a translator in front of it. */
async function scriptedPool() {
  const authority = generateAuthorityKeyPair();
  const seen: { key: string; identity: string | null; extranonce?: number }[] = [];
  const requested: number[][] = [];
  const conns: FrameConnection[] = [];
  const server = net.createServer(async (socket) => {
    const conn: FrameConnection = await acceptNoise(socket, { authoritySecret: authority.secretKey });
    conns.push(conn);
    conn.on('frame', (f) => {
      const m = decodeFrame(f);
      if (m.key === null) return;
      if (m.key === 'SetupConnection') conn.send(messageFrame(SetupConnectionSuccess, { used_version: 2, flags: 0 }));
      else if (m.key === 'RequestExtensions') {
        requested.push(m.fields.requested_extensions);
        conn.send(messageFrame(RequestExtensionsSuccess, { request_id: m.fields.request_id, supported_extensions: [WORKER_HASHRATE_TRACKING] }));
      } else if (m.key === 'OpenExtendedMiningChannel') {
        conn.send(messageFrame(OpenExtendedMiningChannelSuccess, { request_id: m.fields.request_id, channel_id: 7, target: MAX_TARGET_LE, extranonce_size: 8, extranonce_prefix: Uint8Array.of(1, 2, 3, 4), group_channel_id: 0 }));
        const path = [new Uint8Array(32).fill(9)];
        conn.send(messageFrame(NewExtendedMiningJob, { channel_id: 7, job_id: 1, min_ntime: null, version: 0x20000000, version_rolling_allowed: true, merkle_path: path, coinbase_tx_prefix: Uint8Array.of(1, 0, 0, 0, 1), coinbase_tx_suffix: Uint8Array.of(0, 0, 0, 0) }));
        conn.send(messageFrame(SetNewPrevHash, { channel_id: 7, job_id: 1, prev_hash: new Uint8Array(32).fill(3), min_ntime: 1_700_000_000, nbits: 0x1d00ffff }));
      } else if (m.key === 'SubmitSharesExtended') {
        seen.push({ key: m.key, identity: findUserIdentity(m.tlvs ?? []), extranonce: m.fields.extranonce.length });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const translator = new Translator({
    host: '127.0.0.1', port: 0, upstreams: [{ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, authorityKey: authority.publicKey }],
    userIdentity: 'farm', aggregate: true, extranonce2Size: 4, minMinerHashrate: 1, sharesPerMinute: 6, vardiff: false, maxConnections: 10, maxLineBytes: 4096, maxWorkerLabels: 10,
  });
  const port = await translator.start();
  cleanups.push(() => translator.stop());
  return { port, seen, requested, conns, translator };
}

describe('translator with a pool that grants extension 0x0002', () => {
  it('requests it, then tags each forwarded share with the SV1 worker name', async () => {
    const { port, seen, requested } = await scriptedPool();
    const { sock, lines } = sv1Miner(port);
    const worker = 'a-very-long-worker-name-of-more-than-32-bytes';
    sock.write(`{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.authorize","params":["acct.${worker}","x"]}\n`);
    await waitFor(() => lines.some((l) => l.method === 'mining.notify'), 10_000, 'a job');
    const notify = lines.find((l) => l.method === 'mining.notify')!.params as string[];
    // extranonce1 = upstream prefix ‖ 2 bytes of padding ‖ 2-byte index: 8 = 2 + 2 + 4 rollable.
    expect((lines.find((l) => l.id === 1)!.result as unknown[])[1]).toMatch(/^01020304[0-9a-f]{8}$/);
    for (let n = 0; n < 3; n++) sock.write(`{"id":${10 + n},"method":"mining.submit","params":["acct.${worker}","${notify[0]}","0000000${n}","${notify[7]}","00000000"]}\n`);
    await waitFor(() => seen.length === 3, 10_000, 'three forwarded shares');
    expect(requested).toEqual([[WORKER_HASHRATE_TRACKING]]);
    expect(seen.every((s) => s.identity === worker.slice(0, 32) && s.extranonce === 8)).toBe(true);
    expect(lines.filter((l) => typeof l.id === 'number' && l.id >= 10).map((l) => l.result)).toEqual([true, true, true]);
  });
});

/** A raw SV1 miner: its lines as parsed objects. */
function sv1Miner(port: number) {
  const sock = net.connect({ host: '127.0.0.1', port });
  cleanups.push(() => sock.destroy());
  const lines: Record<string, unknown>[] = [];
  let closed = false;
  let buf = '';
  sock.on('close', () => (closed = true));
  sock.on('data', (d) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  });
  return { sock, lines, get closed() { return closed; } };
}

describe('translator after SetExtranoncePrefix', () => {
  it('sends mining.set_extranonce to miners that subscribed to it and reconnects the others', async () => {
    const { port, conns } = await scriptedPool();
    const a = sv1Miner(port);
    const b = sv1Miner(port);
    a.sock.write('{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.extranonce.subscribe","params":[]}\n{"id":3,"method":"mining.authorize","params":["acct.a","x"]}\n');
    b.sock.write('{"id":1,"method":"mining.subscribe","params":[]}\n{"id":3,"method":"mining.authorize","params":["acct.b","x"]}\n');
    await waitFor(() => [a, b].every((m) => m.lines.some((l) => l.method === 'mining.notify')), 10_000, 'jobs');
    const en1 = (a.lines.find((l) => l.id === 1)!.result as string[])[1]!;
    conns[0]!.send(messageFrame(SetExtranoncePrefix, { channel_id: 7, extranonce_prefix: Uint8Array.of(9, 9, 9, 9) }));
    conns[0]!.send(messageFrame(NewExtendedMiningJob, { channel_id: 7, job_id: 2, min_ntime: 1_700_000_000, version: 0x20000000, version_rolling_allowed: true, merkle_path: [], coinbase_tx_prefix: Uint8Array.of(1, 0, 0, 0, 1), coinbase_tx_suffix: Uint8Array.of(0, 0, 0, 0) }));
    await waitFor(() => a.lines.some((l) => l.method === 'mining.set_extranonce') && b.closed, 10_000, 'set_extranonce and a reconnect');
    const set = a.lines.find((l) => l.method === 'mining.set_extranonce')!.params as [string, number];
    expect(set).toEqual(['09090909' + en1.slice(8), 4]);
    // The job after it is built on the new prefix: coinb1 stops before it.
    const notifies = a.lines.filter((l) => l.method === 'mining.notify').map((l) => l.params as string[]);
    const last = notifies.at(-1)!;
    // A new upstream job: an SV1 id this miner has not seen (translator ids are its own, not SV2's).
    expect(notifies.slice(0, -1).map((n) => n[0])).not.toContain(last[0]);
    expect(last[2]).toBe('0100000001');
  });
});
