// Version rolling only as the pool allows it. sv2-spec 03 (SetupConnection.Success flags, Mining):
// bit 0 REQUIRES_FIXED_VERSION — the client must not roll any version bit; the server must not
// set it when the client sent REQUIRES_VERSION_ROLLING. NewExtendedMiningJob.version_rolling_allowed
// says the same per job. BIP310 for the SV1 side: the granted mask is what both sides allow.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { connectNoise } from '../../agent/net/noise-socket.js';
import { Sv2JobSource } from '../../agent/upstream/sv2-job-source.js';
import { CpuMiner } from '../../agent/roles/cpu-miner/miner.js';
import { decodeFrame, messageFrame, type Message } from '../../agent/sv2/codec.js';
import { MiningFlags, OpenExtendedMiningChannel, SetupConnection } from '../../agent/sv2/messages/index.js';
import { MAX_TARGET_LE } from '../../agent/bitcoin/index.js';
import type { MiningJob } from '../../agent/channels/mining-job.js';
import { startPool, startSv1Stack, waitFor } from '../support/sv1-stack.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function pool(o: Parameters<typeof startPool>[0]) {
  const p = await startPool(o);
  cleanups.push(() => p.pool.stop());
  return p;
}

async function raw(p: Awaited<ReturnType<typeof startPool>>, flags: number) {
  const c = await connectNoise({ host: '127.0.0.1', port: p.poolPort, authorityKey: p.authority.publicKey });
  cleanups.push(() => c.close());
  const got: Message[] = [];
  c.on('frame', (f) => {
    const m = decodeFrame(f);
    if (m.key !== null) got.push(m);
  });
  c.send(messageFrame(SetupConnection, { protocol: 0, min_version: 2, max_version: 2, flags, endpoint_host: '', endpoint_port: 0, vendor: 'v', hardware_version: '', firmware: '', device_id: '' }));
  return { c, got };
}

describe('a pool configured without version rolling (mask 0)', () => {
  it('answers REQUIRES_FIXED_VERSION, refuses a client that requires rolling, and sends jobs with version_rolling_allowed = false', async () => {
    const p = await pool({ versionRollingMask: 0 });
    const strict = await raw(p, MiningFlags.RequiresVersionRolling);
    await waitFor(() => strict.got.length > 0, 10_000, 'an answer');
    expect(strict.got[0]!.key).toBe('SetupConnection.Error');
    expect(strict.got[0]!.key === 'SetupConnection.Error' && strict.got[0]!.fields.error_code).toBe('unsupported-feature-flags');

    const ok = await raw(p, 0);
    ok.c.send(messageFrame(OpenExtendedMiningChannel, { request_id: 1, user_identity: 'u', nominal_hash_rate: 1e6, max_target: MAX_TARGET_LE, min_extranonce_size: 8 }));
    await waitFor(() => ok.got.some((m) => m.key === 'NewExtendedMiningJob'), 10_000, 'a job');
    expect(ok.got[0]!.key === 'SetupConnection.Success' && ok.got[0]!.fields.flags).toBe(1);
    const job = ok.got.find((m) => m.key === 'NewExtendedMiningJob')!;
    expect(job.key === 'NewExtendedMiningJob' && job.fields.version_rolling_allowed).toBe(false);
  });

  it('the CPU miner on a standard channel rolls no version bit: every share accepted', async () => {
    const p = await pool({ versionRollingMask: 0, nbits: 0x1f00ffff });
    const errors: string[] = [];
    p.pool.on('share', (s) => s.ok || errors.push(s.error!));
    const miner = new CpuMiner({ pools: [{ host: '127.0.0.1', port: p.poolPort, authorityKey: p.authority.publicKey }], user: 'cpu', channel: 'standard', nominalHashrate: 2e5, threads: 2 });
    cleanups.push(() => miner.stop());
    await miner.start();
    await waitFor(() => p.pool.shares.accepted.get() >= 4, 40_000, 'accepted shares');
    expect(errors.filter((e) => e !== 'stale-share')).toEqual([]);
  });

  it('an SV2 job source on a standard channel emits jobs with no rollable bits', async () => {
    const p = await pool({ versionRollingMask: 0, extendedChannels: false });
    const src = new Sv2JobSource({ pools: [{ host: '127.0.0.1', port: p.poolPort, authorityKey: p.authority.publicKey }], user: 'u', nominalHashrate: 1e6, versionRolling: false });
    cleanups.push(() => src.stop());
    const jobs: MiningJob[] = [];
    src.on('job', (j) => jobs.push(j));
    await src.start();
    await waitFor(() => jobs.length > 0, 10_000, 'a job');
    expect(jobs.every((j) => j.versionMask === 0)).toBe(true);
  });
});

describe('the translator grants what the upstream allows (BIP310 mining.configure)', () => {
  async function configure(port: number, mask: string): Promise<Record<string, unknown>> {
    const s = net.connect(port, '127.0.0.1');
    cleanups.push(() => s.destroy());
    s.write(JSON.stringify({ id: 1, method: 'mining.configure', params: [['version-rolling'], { 'version-rolling.mask': mask, 'version-rolling.min-bit-count': 2 }] }) + '\n');
    const line = await new Promise<string>((resolve) => {
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
      });
    });
    return (JSON.parse(line) as { result: Record<string, unknown> }).result;
  }

  it('nothing when the pool requires a fixed version', async () => {
    const s = await startSv1Stack({ poolVersionMask: 0 });
    cleanups.push(() => s.stop());
    await waitFor(() => s.translator.upstream.activePool >= 0, 10_000, 'upstream');
    expect(await configure(s.sv1Port, 'ffffffff')).toMatchObject({ 'version-rolling': false, 'version-rolling.mask': '00000000' });
  });

  it('the intersection of the miner\'s mask and the configured upstream mask (BIP320 pool)', async () => {
    const s = await startSv1Stack({ poolVersionMask: 0x1fffe000, versionRollingMask: 0x1fffe000 });
    cleanups.push(() => s.stop());
    await waitFor(() => s.translator.upstream.activePool >= 0, 10_000, 'upstream');
    expect(await configure(s.sv1Port, '1fffffe0')).toMatchObject({ 'version-rolling': true, 'version-rolling.mask': '1fffe000' });
  });
});
