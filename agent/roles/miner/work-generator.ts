// Work generation for one job (the agent's side of an extended channel): no two items, and no two
// chains, ever search the same space. A header chip's item gets a fresh extranonce (its own merkle
// root; the chip rolls versions itself); a midstate chip's items share a root and take distinct
// slices of its version space, a fresh extranonce when that runs out. When the extranonce space
// runs out, ntime moves on by a second and the counter starts over.
import { SHA256_IV, bigIntToLe, compress, nbitsToTarget, merkleRootFromPath, sha256FromState } from '../../bitcoin/index.js';
import type { DispatchWork } from '../../../drivers/asic/chain.js';
import { bitPositions, depositBits as deposit, popcount } from '../../../drivers/asic/bits.js';
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

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * A work item that owns its buffers (merkle root, midstates, extranonce), so that the scheduler can
 * fill the same few items over and over: the new-block path allocates nothing (see
 * ChainDriver.retainedWork for how long the driver keeps one).
 */
export class WorkItem implements DispatchWork<WorkTag> {
  version = 0;
  versionMask = 0;
  prevHash: Uint8Array = EMPTY;
  readonly merkleRoot = new Uint8Array(32);
  ntime = 0;
  nbits = 0;
  midstates: { version: number; state: Uint32Array }[] | undefined = undefined;
  shareTarget: Uint8Array = EMPTY;
  networkTarget: Uint8Array = EMPTY;
  readonly tag: { job: MiningJob; extranonce: Uint8Array } = { job: null as unknown as MiningJob, extranonce: EMPTY };
  /** Up to four midstates in one buffer; `byCount[n]` lists the first n. */
  private readonly states = new Uint32Array(32);
  private readonly byCount: { version: number; state: Uint32Array }[][] = [];
  private extranonceStore = new Uint8Array(32);

  constructor() {
    const all = [0, 1, 2, 3].map((i) => ({ version: 0, state: this.states.subarray(8 * i, 8 * i + 8) }));
    for (let n = 0; n <= 4; n++) this.byCount.push(all.slice(0, n));
  }

  /** The first `count` midstate entries (count ≤ 4). */
  midstateList(count: number): { version: number; state: Uint32Array }[] {
    const list = this.byCount[count];
    if (!list) throw new RangeError(`at most 4 midstates (asked for ${count})`);
    return list;
  }

  /** Sets the extranonce bytes (a view kept while the length stays the same). */
  setExtranonce(bytes: Uint8Array): void {
    if (bytes.length > this.extranonceStore.length) this.extranonceStore = new Uint8Array(bytes.length);
    if (this.tag.extranonce.length !== bytes.length || this.tag.extranonce.buffer !== this.extranonceStore.buffer) this.tag.extranonce = this.extranonceStore.subarray(0, bytes.length);
    this.tag.extranonce.set(bytes);
  }
}

export class WorkGenerator {
  private coinbase = EMPTY;
  private coinbaseStore = EMPTY;
  private enOffset = 0;
  private networkTarget = EMPTY;
  private counter = 0;
  private ntime = 0;
  private readonly header = new Uint8Array(64);
  private capacity = 0;
  /** SHA-256 state after the coinbase's whole blocks before the extranonce: hashed once per job. */
  private readonly cbState = SHA256_IV.slice();
  private cbDone = 0;
  private cbRest = EMPTY;
  private extranonce = EMPTY;
  private readonly inner = new Uint8Array(32);
  private readonly txid = new Uint8Array(32);
  /** The current extranonce's merkle root, how many of its versions items took, and the next one. */
  private readonly root = new Uint8Array(32);
  private rootReady = false;
  private versionsUsed = 0;
  private rollVersion = 0;
  /** Distinct versions the job's mask allows. */
  private versionSpace = 1;
  private jobNow!: MiningJob;

  /** The share target for new items (SetTarget changes it without restarting the search). */
  target: Uint8Array = EMPTY;

  constructor(job: MiningJob) {
    this.load(job);
  }

  get job(): MiningJob {
    return this.jobNow;
  }

  /** Starts over on `job`, reusing this generator's buffers (a new block allocates nothing new
   * unless the coinbase outgrows them). */
  load(job: MiningJob): void {
    this.jobNow = job;
    this.target = job.target;
    const len = job.coinbasePrefix.length + job.extranonceSize + job.coinbaseSuffix.length;
    if (this.coinbaseStore.length < len) this.coinbaseStore = new Uint8Array(Math.max(len, 2 * this.coinbaseStore.length));
    if (this.coinbase.length !== len || this.coinbase.buffer !== this.coinbaseStore.buffer) this.coinbase = this.coinbaseStore.subarray(0, len);
    this.coinbase.set(job.coinbasePrefix);
    this.enOffset = job.coinbasePrefix.length;
    this.coinbase.set(job.coinbaseSuffix, this.enOffset + job.extranonceSize);
    this.networkTarget = networkTargetOf(job.nbits);
    this.counter = 0;
    this.rootReady = false;
    this.versionSpace = 2 ** popcount(job.versionMask >>> 0);
    this.ntime = job.ntime;
    this.capacity = 2 ** Math.min(48, 8 * job.extranonceSize);
    this.cbDone = this.enOffset & ~63;
    this.cbState.set(SHA256_IV);
    for (let o = 0; o < this.cbDone; o += 64) compress(this.cbState, this.coinbase, o);
    // Views made again only when the coinbase's layout changed (it rarely does from job to job).
    if (this.cbRest.buffer !== this.coinbase.buffer || this.cbRest.byteOffset !== this.cbDone || this.cbRest.length !== len - this.cbDone) this.cbRest = this.coinbase.subarray(this.cbDone);
    if (this.extranonce.buffer !== this.coinbase.buffer || this.extranonce.byteOffset !== this.enOffset || this.extranonce.length !== job.extranonceSize)
      this.extranonce = this.coinbase.subarray(this.enOffset, this.enOffset + job.extranonceSize);
    if (this.lanes.size) this.lanes.clear();
  }

  /** Standard channels: per lane (chain), the next version index and the ntime it is on. */
  private readonly lanes = new Map<number, { counter: number; ntime: number }>();

  /**
   * The next unique work item, with `midstates` rolled versions for midstate chips (0: header
   * chips). `lane`/`lanes` (the chain and how many there are) only matter on standard channels.
   */
  next(midstates = 0, lane = 0, lanes = 1, into: WorkItem = new WorkItem()): WorkItem {
    const job = this.jobNow;
    if (job.merkleRoot) return this.nextHeaderOnly(midstates, lane, lanes, into);
    // Without version rolling a midstate chip gets the one version there is.
    const count = job.versionMask === 0 ? Math.min(1, midstates) : midstates;
    // Midstate chips with version rolling take their items from one merkle root's version space,
    // `count` versions at a time (ESP-Miner/cgminer roll BM1397 midstates the same way): an item
    // then costs its midstates, not a coinbase hash and a merkle path. Header chips roll the
    // versions themselves, so each of their items needs a root of its own.
    const sliced = count > 0 && job.versionMask !== 0;
    if (!sliced || !this.rootReady || this.versionsUsed + count > this.versionSpace) this.nextRoot();
    into.merkleRoot.set(this.root);
    this.fillCommon(into, job.version, job.versionMask, this.ntime);
    into.setExtranonce(this.extranonce);
    into.midstates = undefined;
    if (count > 0) {
      const list = into.midstateList(count);
      let v = sliced ? this.rollVersion : job.version >>> 0;
      for (let i = 0; i < count; i++, v = nextRolledVersion(v, job.versionMask)) this.midstateInto(list[i]!, v, this.root);
      this.rollVersion = v;
      this.versionsUsed += count;
      into.midstates = list;
    }
    return into;
  }

  /** The merkle root for the next extranonce (ntime moves on when they run out). */
  private nextRoot(): void {
    const job = this.jobNow;
    if (this.counter >= this.capacity) {
      this.counter = 0;
      this.ntime++;
    }
    const extranonce = this.extranonce;
    // The counter goes in big-endian at the end of the extranonce; at most 6 bytes are used.
    let c = this.counter++;
    for (let i = extranonce.length - 1; i >= 0; i--) {
      extranonce[i] = c % 256;
      c = Math.floor(c / 256);
    }
    sha256FromState(SHA256_IV, 0, sha256FromState(this.cbState, this.cbDone, this.cbRest, this.inner), this.txid);
    merkleRootFromPath(this.txid, job.merklePath, this.root);
    this.rootReady = true;
    this.versionsUsed = 0;
    this.rollVersion = job.version >>> 0;
  }

  private fillCommon(into: WorkItem, version: number, versionMask: number, ntime: number): void {
    const job = this.jobNow;
    into.version = version >>> 0;
    into.versionMask = versionMask;
    into.prevHash = job.prevHash;
    into.ntime = ntime;
    into.nbits = job.nbits;
    into.shareTarget = this.target;
    into.networkTarget = this.networkTarget;
    into.tag.job = job;
  }

  /** The SHA-256 state after the header's first 64 bytes at `version`, into `m`. */
  private midstateInto(m: { version: number; state: Uint32Array }, version: number, merkleRoot: Uint8Array): void {
    const h = this.header;
    h.set(this.jobNow.prevHash, 4);
    for (let i = 0; i < 28; i++) h[36 + i] = merkleRoot[i]!;
    putLe32(h, 0, version);
    m.version = version;
    m.state.set(SHA256_IV);
    compress(m.state, h, 0);
  }

  /**
   * Standard (header-only) channels: no extranonce. Chains are kept apart by a lane value in the
   * version bits, items by a counter in them; the bits a header chip rolls itself (13–28) are left
   * to it. BIP323 pools allow bits 5–12 too: lane and counter go there, so ntime moves on only
   * after 2^counter items. Without them (BIP320) a header chip's every item takes a new ntime.
   */
  private nextHeaderOnly(midstates: number, lane: number, lanes: number, into: WorkItem): WorkItem {
    const job = this.jobNow;
    if (job.versionMask === 0) return this.nextFixedVersion(midstates, lane, lanes, into);
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
    this.fillHeaderOnly(into, (base | deposit(s.counter, counterPositions)) >>> 0, chipPositions.reduce((m, p) => (m | (1 << p)) >>> 0, 0), s.ntime);
    if (midstates > 0) {
      const list = into.midstateList(per);
      for (let i = 0; i < per; i++) this.midstateInto(list[i]!, (base | deposit(s.counter + i, counterPositions)) >>> 0, into.merkleRoot);
      into.midstates = list;
    }
    s.counter += per;
    return into;
  }

  private fillHeaderOnly(into: WorkItem, version: number, versionMask: number, ntime: number): void {
    into.merkleRoot.set(this.jobNow.merkleRoot!);
    this.fillCommon(into, version, versionMask, ntime);
    into.setExtranonce(EMPTY);
    into.midstates = undefined;
  }

  /**
   * A pool that requires a fixed version (REQUIRES_FIXED_VERSION) leaves only ntime: lane k takes
   * the seconds k, k + lanes, k + 2·lanes, … after the job's, so no two items share a header.
   */
  private nextFixedVersion(midstates: number, lane: number, lanes: number, into: WorkItem): WorkItem {
    const job = this.jobNow;
    let s = this.lanes.get(lane);
    if (!s) this.lanes.set(lane, (s = { counter: 0, ntime: job.ntime }));
    this.fillHeaderOnly(into, job.version, 0, job.ntime + lane + lanes * s.counter++);
    if (midstates > 0) {
      const list = into.midstateList(1);
      this.midstateInto(list[0]!, into.version, into.merkleRoot);
      into.midstates = list;
    }
    return into;
  }
}
