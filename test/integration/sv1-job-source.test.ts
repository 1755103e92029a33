// The built-in SV1 client (Sv1JobSource) against a scripted SV1 pool on real TCP: real
// historical mainnet jobs go in as mining.notify, and the headers built from the MiningJobs it
// emits must hash to the known results — so every byte order on the way (prevhash words,
// merkle branches, version/nbits/ntime) is checked against reality, not against ourselves.
import { afterEach, describe, expect, it } from 'vitest';
import { Sv1JobSource } from '../../agent/upstream/sv1-job-source.js';
import type { MiningJob } from '../../agent/channels/mining-job.js';
import { DIFF1, hashToHex, leToBigInt, sha256d } from '../../agent/bitcoin/index.js';
import { shareHeader } from '../../agent/roles/translator/sv1-share.js';
import { notifyParams, parseNotify } from '../../agent/sv1/index.js';
import { startRawSv1Pool } from '../support/raw-sv1-pool.js';
import { waitFor } from '../support/sv1-stack.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const rev = (h: string) => Buffer.from(h, 'hex').reverse().toString('hex');

/** A pool that sends `notify` after subscribe, and a started source on it with its first job. */
async function jobFrom(coinbase: string, split: { en1At: number; en1Len: number; en2Len: number }, notifyRest: (cb1: string, cb2: string) => unknown[]) {
  const cb1 = coinbase.slice(0, split.en1At * 2);
  const en1 = coinbase.slice(split.en1At * 2, (split.en1At + split.en1Len) * 2);
  const en2 = coinbase.slice((split.en1At + split.en1Len) * 2, (split.en1At + split.en1Len + split.en2Len) * 2);
  const cb2 = coinbase.slice((split.en1At + split.en1Len + split.en2Len) * 2);
  const pool = await startRawSv1Pool({
    extranonce1: en1, extranonce2Size: split.en2Len, mask: '1fffe000',
    onSubscribed: (send) => {
      send('{"id":null,"method":"mining.set_difficulty","params":[512]}');
      send(JSON.stringify({ id: null, method: 'mining.notify', params: notifyRest(cb1, cb2) }));
    },
  });
  cleanups.push(() => pool.stop());
  const source = new Sv1JobSource({ host: '127.0.0.1', port: pool.port, user: 'bc1qtest.esp' });
  cleanups.push(() => source.stop());
  const jobs: MiningJob[] = [];
  source.on('job', (j) => jobs.push(j));
  await source.start();
  await waitFor(() => jobs.length > 0, 5000, 'a job');
  return { pool, source, job: jobs[0]!, en2: bytes(en2) };
}

describe('mining.notify byte order against real mainnet jobs', () => {
  it('ESP-Miner "nonce diff checking 2" (slush, height 791,433): merkle root 5bdc…78eb and nonce 0x0a029ed1 at difficulty 683', async () => {
    // bitaxeorg/ESP-Miner components/stratum/test/test_mining.c, TEST_CASE("Test nonce diff checking 2")
    const coinbase =
      '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4b0389130cfabe6d6d5cbab26a2599e92916edec5657a94a0708ddb970f5c45b5d12905085617eff8e010000000000000031650707758de07b010000000000001cfd7038212f736c7573682f000000000379ad0c2a000000001976a9147c154ed1dc59609e3d26abb2df2ea3d587cd8c4188ac00000000000000002c6a4c2952534b424c4f434b3ae725d3994b811572c1f345deb98b56b465ef8e153ecbbd27fa37bf1b005161380000000000000000266a24aa21a9ed63b06a7946b190a3fda1d76165b25c9b883bcc6621b040773050ee2a1bb18f1800000000';
    const branches = [
      '2b77d9e413e8121cd7a17ff46029591051d0922bd90b2b2a38811af1cb57a2b2', '5c8874cef00f3a233939516950e160949ef327891c9090467cead995441d22c5',
      '2d91ff8e19ac5fa69a40081f26c5852d366d608b04d2efe0d5b65d111d0d8074', '0ae96f609ad2264112a0b2dfb65624bedbcea3b036a59c0173394bba3a74e887',
      'e62172e63973d69574a82828aeb5711fc5ff97946db10fc7ec32830b24df7bde', 'adb49456453aab49549a9eb46bb26787fb538e0a5f656992275194c04651ec97',
      'a7bc56d04d2672a8683892d6c8d376c73d250a4871fdf6f57019bcc737d6d2c2', 'd94eceb8182b4f418cd071e93ec2a8993a0898d4c93bc33d9302f60dbbd0ed10',
      '5ad7788b8c66f8f50d332b88a80077ce10e54281ca472b4ed9bbbbcb6cf99083', '9f9d784b33df1b3ed3edb4211afc0dc1909af9758c6f8267e469f5148ed04809',
      '48fd17affa76b23e6fb2257df30374da839d6cb264656a82e34b350722b05123', 'c4f5ab01913fc186d550c1a28f3f3e9ffaca2016b961a6a751f8cca0089df924',
      'cff737e1d00176dd6bbfa73071adbb370f227cfb5fba186562e4060fcec877e1',
    ];
    const prev = '0c859545a3498373a57452fac22eb7113df2a465000543520000000000000000';
    // Slush's scriptSig carries extranonce1 ‖ extranonce2 after its tag; the split point does not matter to the hash.
    const { job, en2, source, pool } = await jobFrom(coinbase, { en1At: 64, en1Len: 8, en2Len: 4 }, (cb1, cb2) => ['6bfc', prev, cb1, cb2, branches, '20000004', '1705ae3a', '647025b5', true]);
    expect(job).toMatchObject({ version: 0x20000004, nbits: 0x1705ae3a, ntime: 0x647025b5, extranonceSize: 4, clean: true, versionMask: 0x1fffe000 });
    expect(leToBigInt(job.target)).toBe(DIFF1 / 512n);
    const header = shareHeader(job, { extranonce: en2, ntime: job.ntime, nonce: 0x0a029ed1, version: job.version });
    expect(hex(header.subarray(36, 68))).toBe('5bdc1968499c3393873edf8e07a1c3a50a97fc3a9d1a376bbf77087dd63778eb');
    expect(Math.floor(Number(DIFF1) / Number(leToBigInt(sha256d(header))))).toBe(683);
    // The share goes back as the pool expects it: its job id, extranonce2, ntime and nonce as 8 hex digits, rolled bits.
    const results: unknown[] = [];
    source.on('result', (r) => results.push(r));
    source.submit({ job, extranonce: en2, ntime: job.ntime, nonce: 0x0a029ed1, version: job.version | 0x2000 });
    await waitFor(() => results.length > 0, 5000, 'the submit answer');
    expect(pool.received.find((m) => m.method === 'mining.submit')!.params).toEqual(['bc1qtest.esp', '6bfc', hex(en2), '647025b5', '0a029ed1', '00002000']);
    // ckpool's result:false + reject-reason shape.
    expect(results).toEqual([{ accepted: 0, rejected: 1, error: 'Stale', seq: 100 }]); // seq: the submit's request id
  });

  it('mainnet block 170 (the first bitcoin transfer): the header hashes to 00000000d1145790…a2ee', async () => {
    // Block 170: coinbase b1fea524…5082, one more tx f4184fc5…9e16, prev 000000002a22cfee…bd55, time 1231731025, nonce 1889418792.
    const coinbase =
      '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff0704ffff001d0102ffffffff0100f2052a01000000434104d46c4968bde02899d2aa0963367c7a6ce34eec332b32e42e5f3407e052d64ac625da6f0718e7b302140434bd725706957c092db53805b821a85b23a7ac61725bac00000000';
    const prevDisplay = '000000002a22cfee1f2c846adbd12b3e183d4f97683f85dad08a79780a84bd55';
    // SV1 sends the internal-order hash with every 4-byte word byte-reversed.
    const internal = rev(prevDisplay);
    const sv1Prev = internal.match(/.{8}/g)!.map((w) => rev(w)).join('');
    const branch = rev('f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16'); // branches are internal order
    // Any split of the coinbase into coinb1 ‖ extranonce1 ‖ extranonce2 ‖ coinb2 gives the same transaction.
    const { job, en2 } = await jobFrom(coinbase, { en1At: 46, en1Len: 2, en2Len: 4 }, (cb1, cb2) => ['170', sv1Prev, cb1, cb2, [branch], '00000001', '1d00ffff', hex8(1231731025), false]);
    expect(hex(job.prevHash)).toBe(internal);
    const header = shareHeader(job, { extranonce: en2, ntime: job.ntime, nonce: 1889418792, version: job.version });
    expect(hashToHex(sha256d(header))).toBe('00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee');
    // And the translator's direction: a notify built from the job parses back to the pool's own strings.
    const p = notifyParams('170', { ...job, coinbase1: job.coinbasePrefix, coinbase2: job.coinbaseSuffix }, false);
    expect(p[1]).toBe(sv1Prev);
    expect(p[4]).toEqual([branch]);
    expect(parseNotify(p).ntime).toBe(1231731025);
  });
});

const hex8 = (v: number) => v.toString(16).padStart(8, '0');

describe('Sv1JobSource under pool quirks', () => {
  it('refuses client.reconnect to another host, follows one to another port of the same host', async () => {
    const a = await startRawSv1Pool({ extranonce1: '01020304', extranonce2Size: 4 });
    const b = await startRawSv1Pool({ extranonce1: '05060708', extranonce2Size: 8 });
    cleanups.push(() => a.stop(), () => b.stop());
    const logs: string[] = [];
    const source = new Sv1JobSource({ host: '127.0.0.1', port: a.port, user: 'u', log: (l) => logs.push(l) });
    cleanups.push(() => source.stop());
    const states: string[] = [];
    source.on('state', (s) => states.push(s));
    const jobs: MiningJob[] = [];
    source.on('job', (j) => jobs.push(j));
    await source.start();
    a.broadcast(JSON.stringify({ id: null, method: 'mining.notify', params: ['j1', '00'.repeat(32), 'aa', 'bb', [], '20000000', '1d00ffff', '65000000', true] }));
    await waitFor(() => jobs.length === 1, 5000, 'a job on the first pool');
    a.broadcast(JSON.stringify({ id: null, method: 'client.reconnect', params: ['evil.example.com', b.port, 0] }));
    await waitFor(() => logs.some((l) => /refusing client.reconnect/.test(l)), 5000, 'the refusal');
    expect(b.connections).toBe(0);
    a.broadcast(JSON.stringify({ id: null, method: 'client.reconnect', params: ['', String(b.port), 0] }));
    await waitFor(() => b.connections === 1 && states.join() === 'up,down,up', 10_000, 'the reconnect');
    expect(source.url).toBe(`stratum+tcp://127.0.0.1:${b.port}`);
    // A share for the first connection's job is not sent to the second pool.
    source.submit({ job: jobs[0]!, extranonce: new Uint8Array(4), ntime: 0x65000000, nonce: 1, version: 0x20000000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(b.received.some((m) => m.method === 'mining.submit')).toBe(false);
  });

  it('an invalid line from the pool drops the connection (then reconnects); unknown methods and bad params are only logged', async () => {
    const pool = await startRawSv1Pool({ extranonce1: '01020304', extranonce2Size: 4 });
    cleanups.push(() => pool.stop());
    const logs: string[] = [];
    const source = new Sv1JobSource({ host: '127.0.0.1', port: pool.port, user: 'u', log: (l) => logs.push(l) });
    cleanups.push(() => source.stop());
    const states: string[] = [];
    source.on('state', (s) => states.push(s));
    await source.start();
    pool.broadcast('{"id":null,"method":"mining.frobnicate","params":[]}');
    pool.broadcast('{"id":null,"method":"mining.notify","params":["1","zz"]}');
    pool.broadcast('{"id":null,"method":"mining.set_difficulty","params":[-1]}');
    await waitFor(() => logs.length >= 3, 5000, 'three log lines');
    expect(states).toEqual(['up']);
    pool.broadcast('this is not json');
    await waitFor(() => states.join() === 'up,down,up', 10_000, 'drop and reconnect');
    expect(pool.connections).toBe(2);
  });
});

describe('Sv1JobSource against oversized lines (maxLineBytes, 16 KiB by default)', () => {
  it('a line just under the limit is read; a longer one, or an unterminated 17 KiB, drops the connection and the client reconnects', async () => {
    const pool = await startRawSv1Pool({ extranonce1: '01020304', extranonce2Size: 4 });
    cleanups.push(() => pool.stop());
    const logs: string[] = [];
    const source = new Sv1JobSource({ host: '127.0.0.1', port: pool.port, user: 'u', log: (l) => logs.push(l) });
    cleanups.push(() => source.stop());
    const states: string[] = [];
    source.on('state', (s) => states.push(s));
    await source.start();
    // 15 KiB of valid JSON with a bad parameter: read whole, only logged.
    pool.broadcast(`{"id":null,"method":"mining.notify","params":["1","${'z'.repeat(15 * 1024)}"]}`);
    await waitFor(() => logs.some((l) => /mining\.notify/.test(l)), 5000, 'the 15 KiB line logged');
    expect(states).toEqual(['up']);
    // 20 KiB, terminated.
    pool.broadcast(`{"id":null,"method":"mining.notify","params":["1","${'a'.repeat(20 * 1024)}"]}`);
    await waitFor(() => states.join() === 'up,down,up', 10_000, 'drop and reconnect after a 20 KiB line');
    expect(pool.connections).toBe(2);
    // 17 KiB with no newline, then more of the same: the client stops buffering and hangs up.
    pool.broadcastRaw(`{"id":null,"method":"mining.notify","params":["${'b'.repeat(17 * 1024)}`);
    await waitFor(() => states.join() === 'up,down,up,down,up', 10_000, 'drop and reconnect after an unterminated 17 KiB');
    expect(pool.connections).toBe(3);
  });
});

describe('Sv1JobSource: version mask and extranonce changes apply to the jobs that follow', () => {
  it('set_version_mask, SRI\'s set_version and set_extranonce', async () => {
    const pool = await startRawSv1Pool({ extranonce1: '0a0b', extranonce2Size: 4, mask: '1fffe000' });
    cleanups.push(() => pool.stop());
    const source = new Sv1JobSource({ host: '127.0.0.1', port: pool.port, user: 'u' });
    cleanups.push(() => source.stop());
    const jobs: MiningJob[] = [];
    source.on('job', (j) => jobs.push(j));
    await source.start();
    const notify = (id: string) => JSON.stringify({ id: null, method: 'mining.notify', params: [id, '00'.repeat(32), 'c0ffee', 'beef', [], '20000000', '1d00ffff', '65000000', false] });
    pool.broadcast(notify('a'));
    pool.broadcast('{"id":null,"method":"mining.set_version_mask","params":["00ffe000"]}');
    pool.broadcast(notify('b'));
    pool.broadcast('{"id":null,"method":"mining.set_version","params":["0000e000"]}');
    pool.broadcast('{"id":null,"method":"mining.set_extranonce","params":["abcdef01",8]}');
    pool.broadcast(notify('c'));
    await waitFor(() => jobs.length === 3, 5000, 'three jobs');
    expect(jobs.map((j) => j.versionMask)).toEqual([0x1fffe000, 0x00ffe000, 0x0000e000]);
    expect(hex(jobs[0]!.coinbasePrefix)).toBe('c0ffee0a0b');
    expect(hex(jobs[2]!.coinbasePrefix)).toBe('c0ffeeabcdef01');
    expect(jobs.map((j) => j.extranonceSize)).toEqual([4, 4, 8]);
    // Distinct numeric ids for the pool's string ids; a share names the pool's id again.
    expect(new Set(jobs.map((j) => j.jobId)).size).toBe(3);
    // Each share is checked against its own job: 4 bytes and mask 00ffe000 for b, 8 bytes for c.
    source.submit({ job: jobs[1]!, extranonce: new Uint8Array(8), ntime: 0x65000001, nonce: 7, version: 0x20002000 }); // wrong size: not sent
    source.submit({ job: jobs[2]!, extranonce: new Uint8Array(8), ntime: 0x65000001, nonce: 8, version: 0x20010000 }); // outside c's mask: not sent
    source.submit({ job: jobs[1]!, extranonce: new Uint8Array(4), ntime: 0x65000001, nonce: 9, version: 0x20012000 });
    await waitFor(() => pool.received.some((m) => m.method === 'mining.submit'), 5000, 'the submit');
    await new Promise((r) => setTimeout(r, 100));
    expect(pool.received.filter((m) => m.method === 'mining.submit').map((m) => m.params)).toEqual([['u', 'b', '00000000', '65000001', '00000009', '00012000']]);
  });
});
