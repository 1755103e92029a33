// The SV1 path against an SV1 pool we did not write: stratum-pool-sha256 2.1.3 (npm; NOMP's stratum
// core for SHA-256 coins), in its own process, fed by the emulated bitcoind (which answers the
// start-up RPCs such pools ask: validateaddress, getdifficulty, getmininginfo, getblockchaininfo,
// getnetworkinfo, a batch, submitblock's usage error). It rebuilds every share (coinbase from its
// own coinb1/coinb2, merkle branch, header, sha256d) and judges it against the difficulty it set.
// Its network target is kept hard (compact 0x1d00ffff): version 2.1.3 throws on a block candidate.
//
// `hashagent cpu-miner --pool stratum+tcp://…` and the firmware agent's fallback_sv1 entry on an
// emulated S9 both get shares the third-party pool counts as valid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLI } from '../support/cli.js';
import { BitcoindEmulator } from '../support/bitcoind-emulator.js';
import { freePort, waitFor } from '../support/sv1-stack.js';
import { stopChild } from '../support/processes.js';
import { startTestAgent } from '../support/agent-rig.js';
import { encodeAuthorityPublicKey, generateAuthorityKeyPair } from '../../agent/sv2/keys.js';
import type { MinerAgent } from '../../agent/roles/miner/agent.js';

const POOL_SCRIPT = fileURLToPath(new URL('../support/third-party-sv1-pool.mjs', import.meta.url));
// Share difficulty 2^-12: about a million hashes a share, seconds for one CPU core or the emulator.
const DIFF = 1 / 4096;

interface PoolEvent {
  event: 'started' | 'share' | 'error';
  valid?: boolean;
  block?: boolean;
  worker?: string;
  error?: string | null;
  text?: string;
}

let node: BitcoindEmulator;
let pool: ChildProcess;
let port: number;
const events: PoolEvent[] = [];
let poolErr = '';
const children: ChildProcess[] = [];

beforeAll(async () => {
  node = new BitcoindEmulator('rpcuser', 'rpcpass', { nbits: 0x1d00ffff });
  const rpc = new URL(await node.start());
  port = await freePort();
  pool = spawn(process.execPath, [POOL_SCRIPT, JSON.stringify({ port, diff: DIFF, rpcPort: Number(rpc.port), user: 'rpcuser', password: 'rpcpass' })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  pool.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      events.push(JSON.parse(buf.slice(0, nl)) as PoolEvent);
      buf = buf.slice(nl + 1);
    }
  });
  pool.stderr!.on('data', (d: Buffer) => (poolErr = (poolErr + d.toString()).slice(-4000)));
  await waitFor(() => events.some((e) => e.event === 'started') || pool.exitCode !== null, 30_000, `stratum-pool-sha256 to start: ${JSON.stringify(events)}`);
  // It logs "No rewardRecipients have been setup…" as an error; anything else is a failed start.
  expect(events.filter((e) => e.event === 'error' && !/rewardRecipients/.test(e.text ?? '')), poolErr).toEqual([]);
  expect(events.some((e) => e.event === 'started'), poolErr).toBe(true);
}, 60_000);

afterAll(async () => {
  for (const c of children) await stopChild(c);
  if (pool) await stopChild(pool);
  node?.stop();
});

const sharesOf = (worker: string) => events.filter((e) => e.event === 'share' && e.worker === worker);

describe('a third-party SV1 pool (stratum-pool-sha256)', () => {
  it('hashagent cpu-miner --pool stratum+tcp://…: its shares are valid for the third-party pool', async () => {
    const miner = spawn(process.execPath, [CLI, 'cpu-miner', '--pool', `stratum+tcp://127.0.0.1:${port}`, '--user', 'acct.cpu', '--password', 'x', '--seconds', '120'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(miner);
    let out = '';
    miner.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    miner.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => sharesOf('acct.cpu').filter((s) => s.valid).length >= 3 || miner.exitCode !== null, 100_000, 'three valid shares from the CPU miner');
    const shares = sharesOf('acct.cpu');
    expect(shares.filter((s) => s.valid).length, `${out.slice(-2000)}\n${poolErr}`).toBeGreaterThanOrEqual(3);
    // Every share it judged is valid (no low-difficulty, malformed or duplicate ones) and none is a block.
    expect(shares.filter((s) => !s.valid).map((s) => s.error), out.slice(-2000)).toEqual([]);
    expect(shares.some((s) => s.block)).toBe(false);
    await stopChild(miner);
  }, 120_000);

  it("the agent's fallback_sv1 (SV2 pool unreachable) mines on it from an emulated S9: valid shares", async () => {
    const dead = await freePort(); // nothing listens there: the SV2 entry fails, its fallback_sv1 is used
    const key = encodeAuthorityPublicKey(generateAuthorityKeyPair().publicKey);
    let agent: MinerAgent | null = null;
    const lines: string[] = [];
    try {
      agent = await startTestAgent('emulated-antminer-s9', [{ url: `stratum2+tcp://127.0.0.1:${dead}/${key}`, fallbackSv1: `stratum+tcp://127.0.0.1:${port}` }], { hashrateScale: 0.3, lines });
      const worker = 'test.emulated-antminer-s9';
      // One valid share is the proof (the pool judged it with its own code); under load (two CPU
      // hogs beside the suite) three did not always come within the deadline.
      await waitFor(() => sharesOf(worker).filter((s) => s.valid).length >= 1 && agent!.shares.accepted >= 1, 140_000, 'a valid share from the agent');
      expect(sharesOf(worker).filter((s) => !s.valid).map((s) => s.error)).toEqual([]);
      expect(agent.shares.accepted, `${JSON.stringify(agent.shares)}\n${lines.slice(-30).join('\n')}`).toBeGreaterThanOrEqual(1);
      expect(agent.shares.rejected).toBe(0);
    } finally {
      await agent?.stop();
    }
  }, 180_000);
});
