// Work generation for one job (the agent's side of an extended channel): every call yields a
// work item with a fresh extranonce, hence its own merkle root and its own search space, so no
// two chains (and, with the chips' nonce split, no two chips) ever search the same space. When
// the extranonce space runs out, ntime moves on by a second and the counter starts over.
import { SHA256_IV, bigIntToLe, compress, nbitsToTarget, merkleRootFromPath, sha256FromState } from '../../bitcoin/index.js';
import type { DispatchWork } from '../../../drivers/asic/chain.js';
import { bitPositions, depositBits as deposit } from '../../../drivers/asic/bits.js';
import { putLe32 } from '../../bitcoin/bytes.js';
import type { MiningJob } from '../../channels/mining-job.js';

export interface WorkTag {
  job: MiningJob;
  extranonce: Uint8Array;
}

/** The next version above `v` within `mask` (ESP-Miner's increment_bitmask, in one step). */
export function nextRolledVersion(v: number, mask: number): number {
  if (mask === 0) return v >>> 0;
  const m = mask >>> 0;
  // Adding ~mask's bits makes the carry skip every bit outside the mask.
  const rolled = (((v | ~m) >>> 0) + 1) & m;
  return ((v & ~m) | rolled) >>> 0;
}

/** nbits → 32-byte LE target; the last one is kept (it changes every 2016 blocks, the new-block
 * path should not redo bigint arithmetic each time). */
let lastTarget: { nbits: number; target: Uint8Array } | null = null;
function networkTargetOf(nbits: number): Uint8Array {
  if (lastTarget?.nbits !== nbits) {
    const t = nbitsToTarget(nbits);
    lastTarget = { nbits, target: t === null ? new Uint8Array(32) : bigIntToLe(t < 1n << 256n ? t : (1n << 256n) - 1n) };
  }
  return lastTarget.target;
}

export class WorkGenerator {
  private readonly coinbase: Uint8Array;
  private readonly enOffset: number;
  private readonly networkTarget: Uint8Array;
  private counter = 0;
  private ntime: number;
  private readonly header = new Uint8Array(64);
  private readonly capacity: number;
  /** SHA-256 state after the coinbase's whole blocks before the extranonce: hashed once per job. */
  private readonly cbState = SHA256_IV.slice();
  private readonly cbDone: number;

  /** The share target for new items (SetTarget changes it without restarting the search). */
  target: Uint8Array;

  constructor(readonly job: MiningJob) {
    this.target = job.target;
    this.coinbase = new Uint8Array(job.coinbasePrefix.length + job.extranonceSize + job.coinbaseSuffix.length);
    this.coinbase.set(job.coinbasePrefix);
    this.enOffset = job.coinbasePrefix.length;
    this.coinbase.set(job.coinbaseSuffix, this.enOffset + job.extranonceSize);
    this.networkTarget = networkTargetOf(job.nbits);
    this.ntime = job.ntime;
    this.capacity = 2 ** Math.min(48, 8 * job.extranonceSize);
    this.cbDone = this.enOffset & ~63;
    for (let o = 0; o < this.cbDone; o += 64) compress(this.cbState, this.coinbase, o);
  }

  /** Standard channels: per lane (chain), the next version index and the ntime it is on. */
  private readonly lanes = new Map<number, { counter: number; ntime: number }>();

  /**
   * The next unique work item, with `midstates` rolled versions for midstate chips (0: header
   * chips). `lane`/`lanes` (the chain and how many there are) only matter on standard channels.
   */
  next(midstates = 0, lane = 0, lanes = 1): DispatchWork<WorkTag> {
    const job = this.job;
    if (job.merkleRoot) return this.nextHeaderOnly(midstates, lane, lanes);
    if (this.counter >= this.capacity) {
      this.counter = 0;
      this.ntime++;
    }
    const extranonce = this.coinbase.subarray(this.enOffset, this.enOffset + job.extranonceSize);
    // The counter goes in big-endian at the end of the extranonce; at most 6 bytes are used.
    let c = this.counter++;
    for (let i = extranonce.length - 1; i >= 0; i--) {
      extranonce[i] = c % 256;
      c = Math.floor(c / 256);
    }
    const txid = sha256FromState(SHA256_IV, 0, sha256FromState(this.cbState, this.cbDone, this.coinbase.subarray(this.cbDone)));
    const merkleRoot = merkleRootFromPath(txid, job.merklePath);
    const work: DispatchWork<WorkTag> = {
      version: job.version,
      versionMask: job.versionMask,
      prevHash: job.prevHash,
      merkleRoot,
      ntime: this.ntime,
      nbits: job.nbits,
      shareTarget: this.target,
      networkTarget: this.networkTarget,
      tag: { job, extranonce: extranonce.slice() },
    };
    // Without version rolling a midstate chip gets the one version there is.
    const count = job.versionMask === 0 ? Math.min(1, midstates) : midstates;
    if (count > 0) work.midstates = this.midstates(merkleRoot, job.version >>> 0, count, (v) => nextRolledVersion(v, job.versionMask));
    return work;
  }

  private midstates(merkleRoot: Uint8Array, first: number, count: number, step: (v: number) => number): { version: number; state: Uint32Array }[] {
    const h = this.header;
    h.set(this.job.prevHash, 4);
    h.set(merkleRoot.subarray(0, 28), 36);
    const list: { version: number; state: Uint32Array }[] = [];
    // One buffer for all of an item's states: items live in the chains' rings for a second or
    // so, long enough to reach V8's old generation, where every extra ArrayBuffer stays until a
    // full collection.
    const states = new Uint32Array(8 * count);
    let v = first;
    for (let i = 0; i < count; i++) {
      putLe32(h, 0, v);
      const state = states.subarray(8 * i, 8 * i + 8);
      state.set(SHA256_IV);
      compress(state, h, 0);
      list.push({ version: v, state });
      v = step(v);
    }
    return list;
  }

  /**
   * Standard (header-only) channels: no extranonce. Chains are kept apart by a lane value in the
   * version bits, items by a counter in them; the bits a header chip rolls itself (13–28) are left
   * to it. BIP323 pools allow bits 5–12 too: lane and counter go there, so ntime moves on only
   * after 2^counter items. Without them (BIP320) a header chip's every item takes a new ntime.
   */
  private nextHeaderOnly(midstates: number, lane: number, lanes: number): DispatchWork<WorkTag> {
    const job = this.job;
    if (job.versionMask === 0) return this.nextFixedVersion(midstates, lane, lanes);
    const positions = bitPositions(job.versionMask);
    const chipRolled = midstates === 0 ? positions.filter((p) => p >= 13 && p <= 28) : [];
    // Lane bits from the top of what the host assigns (or of the chip's bits if nothing else).
    const hostBits = positions.filter((p) => !chipRolled.includes(p));
    const laneBits = Math.ceil(Math.log2(Math.max(1, lanes)));
    const laneFrom = hostBits.length >= laneBits ? hostBits : positions;
    const lanePositions = laneFrom.slice(laneFrom.length - laneBits);
    const counterPositions = hostBits.filter((p) => !lanePositions.includes(p));
    const chipPositions = chipRolled.filter((p) => !lanePositions.includes(p));
    const base = ((job.version & ~job.versionMask) | deposit(lane, lanePositions)) >>> 0;
    let s = this.lanes.get(lane);
    if (!s) this.lanes.set(lane, (s = { counter: 0, ntime: job.ntime }));
    const per = midstates > 0 && counterPositions.length ? midstates : 1;
    if (s.counter + per > 2 ** counterPositions.length) {
      s.counter = 0;
      s.ntime++;
    }
    const work: DispatchWork<WorkTag> = {
      version: (base | deposit(s.counter, counterPositions)) >>> 0,
      versionMask: chipPositions.reduce((m, p) => (m | (1 << p)) >>> 0, 0),
      prevHash: job.prevHash, merkleRoot: job.merkleRoot!, ntime: s.ntime, nbits: job.nbits,
      shareTarget: this.target, networkTarget: this.networkTarget, tag: { job, extranonce: new Uint8Array(0) },
    };
    if (midstates > 0) {
      let i = s.counter;
      work.midstates = this.midstates(job.merkleRoot!, work.version, per, () => (base | deposit(++i, counterPositions)) >>> 0);
    }
    s.counter += per;
    return work;
  }

  /**
   * A pool that requires a fixed version (REQUIRES_FIXED_VERSION) leaves only ntime: lane k takes
   * the seconds k, k + lanes, k + 2·lanes, … after the job's, so no two items share a header.
   */
  private nextFixedVersion(midstates: number, lane: number, lanes: number): DispatchWork<WorkTag> {
    const job = this.job;
    let s = this.lanes.get(lane);
    if (!s) this.lanes.set(lane, (s = { counter: 0, ntime: job.ntime }));
    const work: DispatchWork<WorkTag> = {
      version: job.version >>> 0, versionMask: 0, prevHash: job.prevHash, merkleRoot: job.merkleRoot!, ntime: job.ntime + lane + lanes * s.counter++, nbits: job.nbits,
      shareTarget: this.target, networkTarget: this.networkTarget, tag: { job, extranonce: new Uint8Array(0) },
    };
    if (midstates > 0) work.midstates = this.midstates(job.merkleRoot!, work.version, 1, (v) => v);
    return work;
  }
}
