// The SV2 pool: Noise responder, SetupConnection rules, standard and extended channels, jobs from
// a template source, share validation and batched acknowledgements, block submission, limits.
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { acceptNoise } from '../../net/noise-socket.js';
import type { FrameConnection } from '../../net/frame-connection.js';
import { DEFAULT_STEP_DEADLINE_MS, DeadlineError, MessageConnection, type SetupDecision, type SetupRequest } from '../../net/message-connection.js';
import { FailureSummary, limitPerAddress } from '../../net/peer-limits.js';
import { messageFrame, type Message } from '../../sv2/codec.js';
import {
  MiningFlags, MiningSuccessFlags, NewExtendedMiningJob, NewMiningJob, OpenExtendedMiningChannelSuccess, OpenMiningChannelError,
  OpenStandardMiningChannelSuccess, SetNewPrevHash, SetTarget, UpdateChannelError, Reconnect, SubmitSharesError, SubmitSharesSuccess, Protocol, RequestExtensionsError,
} from '../../sv2/messages/index.js';
import { Sv2Error } from '../../sv2/errors.js';
import { ExtranonceAllocator, ExtranonceExhaustedError } from '../../channels/extranonce.js';
import { ServerChannel, VERSION_ROLLING_MASK, type PoolJob } from '../../channels/server-channel.js';
import { jobFromTemplate } from '../../channels/job-factory.js';
import { Vardiff } from '../../channels/vardiff.js';
import { ShareAccounting } from '../../channels/accounting.js';
import { hashrateToTarget, leToBigInt, concat, bigIntToLe } from '../../bitcoin/index.js';
import type { Template, TemplateSource, TemplatePrevHash } from '../../templates/source.js';
import { Metrics } from '../../api/metrics.js';

export interface PoolOptions {
  host: string;
  port: number;
  authoritySecret: Uint8Array;
  certValiditySeconds: number;
  source: TemplateSource;
  payoutScript: Uint8Array;
  coinbaseTag: string;
  serverId: number;
  sharesPerMinute: number;
  shareBatchSize: number;
  maxConnections: number;
  maxChannelsPerConnection: number;
  maxFramesPerSecond: number;
  /** Open connections from one address, handshake included (default 1024: a farm behind one NAT address). */
  maxConnectionsPerAddress?: number;
  /** Time a client has for the Noise handshake, then for SetupConnection (default 10 s each). */
  handshakeTimeoutMs?: number;
  /** Version bits shares may roll (default BIP323 0x1FFFFFE0). */
  versionRollingMask?: number;
  /** false: refuse extended channels (a pool for header-only devices); clients must open standard ones. */
  extendedChannels?: boolean;
  /** Per-channel vardiff (false to keep each channel's opening target). */
  vardiff?: false | { minHashrate?: number; minIntervalMs?: number; tickMs?: number };
  log?: (line: string) => void;
}

export interface PoolEvents {
  share: [{ user: string; channelId: number; ok: boolean; error?: string; difficulty?: number }];
  block: [{ height: number; hash: string; user: string }];
}

const ROLLABLE = 16; // SRI CLIENT_SEARCH_SPACE_BYTES
const FULL_EXTRANONCE = 1 + 3 + ROLLABLE;

export class Pool extends EventEmitter<PoolEvents> {
  readonly metrics = new Metrics();
  private server: net.Server | null = null;
  private vardiffTimer: NodeJS.Timeout | null = null;
  private readonly conns = new Set<PoolConnection>();
  private readonly allocator: ExtranonceAllocator;
  /** Jobs made from the latest templates, keyed by template id. */
  readonly jobs = new Map<bigint, PoolJob>();
  prevhash: TemplatePrevHash | null = null;
  readonly shares = {
    accepted: this.metrics.counter('hashagent_pool_shares_total', 'Shares received, by result', { result: 'accepted' }),
    rejected: this.metrics.counter('hashagent_pool_shares_total', 'Shares received, by result', { result: 'rejected' }),
    // Work on a superseded prevhash or job: the unavoidable race with a new block, counted apart.
    stale: this.metrics.counter('hashagent_pool_shares_total', 'Shares received, by result', { result: 'stale' }),
  };
  /** Per user identity; never a metrics label (unbounded). */
  readonly accounting = new ShareAccounting();
  readonly blocksFound = this.metrics.counter('hashagent_pool_blocks_found_total', 'Blocks found and accepted by the template source');
  channelCount = 0;

  get connectionCount(): number {
    return this.conns.size;
  }

  constructor(readonly opts: PoolOptions) {
    super();
    this.allocator = new ExtranonceAllocator(Uint8Array.of(opts.serverId & 0xff), 3, FULL_EXTRANONCE);
    this.metrics.gauge('hashagent_pool_connections', 'Open SV2 connections', () => this.conns.size);
    this.metrics.gauge('hashagent_pool_channels', 'Open mining channels', () => this.channelCount);
    opts.source.on('template', (t) => {
      const job = this.makeJob(t);
      this.jobs.set(t.template_id, job);
      if (this.jobs.size > 32) this.jobs.delete(this.jobs.keys().next().value!);
      for (const c of this.conns) c.onJob(job);
    });
    opts.source.on('prevhash', (p) => {
      this.prevhash = p;
      for (const c of this.conns) c.onPrevHash(p);
    });
  }

  /** A template as this pool's job: its payout, its tag, room for the full extranonce. */
  private makeJob(t: Template): PoolJob {
    return jobFromTemplate(t, { payoutScript: this.opts.payoutScript, tag: this.opts.coinbaseTag, extranonceSize: FULL_EXTRANONCE });
  }

  log(line: string): void {
    this.opts.log?.(line);
  }

  /** Version bits shares may roll (0: none, and the pool says REQUIRES_FIXED_VERSION). */
  get versionMask(): number {
    return this.opts.versionRollingMask ?? VERSION_ROLLING_MASK;
  }

  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<number> {
    await this.opts.source.start();
    const cur = this.opts.source.current();
    if (cur) {
      this.jobs.set(cur.template.template_id, this.makeJob(cur.template));
      this.prevhash = cur.prevhash;
    }
    if (this.opts.vardiff !== false) {
      this.vardiffTimer = setInterval(() => {
        for (const c of this.conns) c.retarget(Date.now());
      }, this.opts.vardiff?.tickMs ?? 5000);
      this.vardiffTimer.unref();
    }
    this.server = net.createServer((s) => void this.accept(s));
    this.server.maxConnections = this.opts.maxConnections;
    limitPerAddress(this.server, this.opts.maxConnectionsPerAddress ?? 1024, (a) => this.refused.note(`${a}: more than ${this.opts.maxConnectionsPerAddress ?? 1024} connections from one address`));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, this.opts.host, () => resolve());
    });
    return this.port;
  }

  /** Asks every client to reconnect elsewhere (maintenance, load shedding); same authority key. */
  reconnectAll(host: string, port: number): void {
    for (const c of this.conns) c.conn.send(messageFrame(Reconnect, { new_host: host, new_port: port }));
  }

  async stop(): Promise<void> {
    if (this.vardiffTimer) clearInterval(this.vardiffTimer);
    for (const c of this.conns) c.conn.close();
    this.handshakeFailures.stop();
    this.refused.stop();
    this.opts.source.stop();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Failed handshakes and refused connections: a summary a minute, not a line each. */
  private readonly handshakeFailures = new FailureSummary('failed handshakes', (l) => this.log(l));
  private readonly refused = new FailureSummary('refused connections', (l) => this.log(l));

  private async accept(socket: net.Socket): Promise<void> {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const deadline = this.opts.handshakeTimeoutMs ?? DEFAULT_STEP_DEADLINE_MS;
    let conn: FrameConnection;
    try {
      conn = await acceptNoise(socket, { authoritySecret: this.opts.authoritySecret, certValiditySeconds: this.opts.certValiditySeconds, maxPayload: 1 << 16, maxWriteBuffer: 4 << 20, timeoutMs: deadline });
    } catch (e) {
      this.handshakeFailures.note(`${remote}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    let pc: PoolConnection | null = null;
    const mc = MessageConnection.server(conn, (f) => pc!.setup(f), deadline);
    pc = new PoolConnection(this, mc);
    this.conns.add(pc);
    mc.on('close', (reason) => {
      this.conns.delete(pc);
      pc.closeAll();
      // A peer that went quiet before SetupConnection is a probe like a failed handshake:
      // summarised, not a line each. Other reasons (a protocol violation) get their own line.
      if (reason instanceof DeadlineError && !pc.setUp) this.handshakeFailures.note(`${conn.remote}: ${reason.message}`);
      else if (reason) this.log(`${conn.remote}: closed: ${reason.message}`);
    });
  }

  allocate() {
    return this.allocator.allocate();
  }
  release(index: number) {
    this.allocator.release(index);
  }

  async solution(ch: ServerChannel, job: PoolJob, coinbase: Uint8Array, header: Uint8Array): Promise<void> {
    const dv = new DataView(header.buffer, header.byteOffset, 80);
    const r = await this.opts.source.submitSolution({
      template_id: job.templateId,
      version: dv.getUint32(0, true),
      header_timestamp: dv.getUint32(68, true),
      header_nonce: dv.getUint32(76, true),
      coinbase_tx: coinbase,
    });
    if (r.accepted === 'submitted') {
      this.log(`block candidate from ${ch.userIdentity} submitted to the template provider`);
    } else if (r.accepted) {
      this.blocksFound.inc();
      this.log(`block ${r.height} found by ${ch.userIdentity}: ${r.hash}`);
      this.emit('block', { height: r.height, hash: r.hash, user: ch.userIdentity });
    } else this.log(`block candidate from ${ch.userIdentity} rejected by the template source: ${r.reason}`);
  }
}

interface ChannelState {
  ch: ServerChannel;
  vardiff: Vardiff | null;
  /** The easiest target the client accepts (its max_target). */
  maxTarget: bigint;
  allocIndex: number;
  acceptedInBatch: number;
  sumInBatch: number;
  lastSeq: number;
  /** Flushes a batch that has not filled up: a miner learns of an accepted share within a
   * second or two even at a share a minute (a batch of 10 would take it 10 minutes). */
  batchTimer: NodeJS.Timeout | null;
}

/** The longest an accepted share waits for its batch's SubmitShares.Success, ms. */
const BATCH_FLUSH_MS = 1000;

class PoolConnection {
  private isSetUp = false;
  get setUp(): boolean {
    return this.isSetUp;
  }
  private standardOnly = false;
  private readonly channels = new Map<number, ChannelState>();
  /** The connection's group channel: every extended channel on it is a member. Ids share one namespace. */
  private readonly groupId = 1;
  private nextChannelId = 2;
  private nextGroupJobId = 1;
  private frameWindowStart = Date.now();
  private framesInWindow = 0;

  readonly conn: FrameConnection;

  constructor(
    private readonly pool: Pool,
    mc: MessageConnection<SetupRequest>,
  ) {
    this.conn = mc.frames;
    mc.frames.on('frame', () => {
      if (++this.framesInWindow > pool.opts.maxFramesPerSecond) {
        const now = Date.now();
        if (now - this.frameWindowStart < 1000) return mc.close(new Error(`more than ${pool.opts.maxFramesPerSecond} frames per second`));
        this.frameWindowStart = now;
        this.framesInWindow = 1;
      }
    });
    mc.on('message', (m) => this.handle(m));
  }

  private send<D extends Parameters<typeof messageFrame>[0]>(def: D, fields: Parameters<typeof messageFrame<D>>[1]): void {
    this.conn.send(messageFrame(def, fields));
  }

  /** SetupConnection: the mining protocol, version 2, no work selection; flags as configured. */
  setup(f: SetupRequest): SetupDecision {
    if (f.protocol !== Protocol.Mining) return { error: 'unsupported-protocol' };
    if (f.min_version > 2 || f.max_version < 2) return { error: 'protocol-version-mismatch' };
    if (f.flags & MiningFlags.RequiresWorkSelection) return { error: 'unsupported-feature-flags', flags: MiningFlags.RequiresWorkSelection };
    // A pool configured without version rolling says so (REQUIRES_FIXED_VERSION), and cannot
    // serve a client that requires rolling (sv2-spec 03: the flag must not be set then).
    const fixed = this.pool.versionMask === 0;
    if (fixed && f.flags & MiningFlags.RequiresVersionRolling) return { error: 'unsupported-feature-flags', flags: MiningFlags.RequiresVersionRolling };
    this.standardOnly = (f.flags & MiningFlags.RequiresStandardJobs) !== 0;
    this.isSetUp = true;
    return { flags: fixed ? MiningSuccessFlags.RequiresFixedVersion : 0 };
  }

  private handle(m: Message): void {
    switch (m.key) {
      case 'OpenStandardMiningChannel':
      case 'OpenExtendedMiningChannel':
        return this.open(m);
      case 'SubmitSharesStandard':
      case 'SubmitSharesExtended':
        return this.share(m);
      case 'UpdateChannel':
        return this.update(m.fields);
      case 'CloseChannel': {
        const st = this.channels.get(m.fields.channel_id);
        if (st) this.closeChannel(m.fields.channel_id, st);
        return;
      }
      case 'RequestExtensions':
        // Extensions negotiation (0x0001): this pool speaks none of the optional extensions and
        // requires none; it says so and the client carries on without them.
        return this.send(RequestExtensionsError, { request_id: m.fields.request_id, unsupported_extensions: m.fields.requested_extensions, required_extensions: [] });
      default:
        throw new Sv2Error('handshake', `unexpected ${m.def.name} from a mining client`);
    }
  }

  private open(m: Extract<Message, { key: 'OpenStandardMiningChannel' | 'OpenExtendedMiningChannel' }>): void {
    const f = m.fields;
    const extended = m.key === 'OpenExtendedMiningChannel';
    if (extended && this.standardOnly) {
      return this.send(OpenMiningChannelError, { request_id: f.request_id, error_code: 'extended-channels-not-supported-for-standard-jobs' });
    }
    if (extended && this.pool.opts.extendedChannels === false) {
      return this.send(OpenMiningChannelError, { request_id: f.request_id, error_code: 'unsupported-extended-channels' });
    }
    if (this.channels.size >= this.pool.opts.maxChannelsPerConnection) {
      return this.send(OpenMiningChannelError, { request_id: f.request_id, error_code: 'too-many-channels' });
    }
    if (!(f.nominal_hash_rate >= 0) || !Number.isFinite(f.nominal_hash_rate)) {
      return this.send(OpenMiningChannelError, { request_id: f.request_id, error_code: 'invalid-nominal-hashrate' });
    }
    if (extended && (m.fields as { min_extranonce_size: number }).min_extranonce_size > ROLLABLE) {
      return this.send(OpenMiningChannelError, { request_id: f.request_id, error_code: 'min-extranonce-size-too-large' });
    }
    // Initial target from the declared hashrate, never easier than the client accepts.
    const max = leToBigInt(f.max_target);
    const target = this.bound(hashrateToTarget(Math.max(1, f.nominal_hash_rate), this.pool.opts.sharesPerMinute), max);
    let alloc;
    try {
      alloc = this.pool.allocate();
    } catch (e) {
      if (!(e instanceof ExtranonceExhaustedError)) throw e;
      return this.send(OpenMiningChannelError, { request_id: f.request_id, error_code: 'extranonce-space-exhausted' });
    }
    const channelId = this.nextChannelId++;
    const prefix = extended ? alloc.prefix : concat(alloc.prefix, new Uint8Array(alloc.rollableSize));
    const ch = new ServerChannel(channelId, extended ? 'extended' : 'standard', prefix, extended ? alloc.rollableSize : 0, target, f.user_identity, this.pool.versionMask);
    const vd = this.pool.opts.vardiff;
    const vardiff =
      vd === false
        ? null
        : new Vardiff(
            { sharesPerMinute: this.pool.opts.sharesPerMinute, ...(vd?.minHashrate !== undefined ? { minHashrate: vd.minHashrate } : {}), ...(vd?.minIntervalMs !== undefined ? { minIntervalMs: vd.minIntervalMs } : {}) },
            f.nominal_hash_rate,
            Date.now(),
          );
    this.channels.set(channelId, { ch, vardiff, maxTarget: max, allocIndex: alloc.index, acceptedInBatch: 0, sumInBatch: 0, lastSeq: 0, batchTimer: null });
    this.pool.channelCount++;
    if (extended) {
      this.send(OpenExtendedMiningChannelSuccess, { request_id: f.request_id, channel_id: channelId, target: bigIntToLe(target), extranonce_size: alloc.rollableSize, extranonce_prefix: prefix, group_channel_id: this.groupId });
    } else {
      this.send(OpenStandardMiningChannelSuccess, { request_id: f.request_id, channel_id: channelId, target: bigIntToLe(target), extranonce_prefix: prefix, group_channel_id: 0 });
    }
    this.pool.log(`${this.conn.remote}: opened ${extended ? 'extended' : 'standard'} channel ${channelId} for '${f.user_identity}' at difficulty ${ch.difficulty.toPrecision(4)}`);
    // First a future job, then the prevhash that activates it (spec §5.4; SRI does the same).
    const p = this.pool.prevhash;
    const job = p ? this.pool.jobs.get(p.template_id) : undefined;
    if (p && job) {
      this.sendJob(channelId, ch, { ...job, future: true });
      this.sendPrevHash(channelId, ch, p);
    }
  }

  private sendJob(channelId: number, ch: ServerChannel, job: PoolJob): void {
    const { jobId, merkleRoot } = ch.addJob(job, ch.kind === 'extended' ? this.nextGroupJobId++ : undefined);
    const minNtime = job.future ? null : (this.pool.prevhash?.header_timestamp ?? null);
    if (ch.kind === 'standard') {
      this.send(NewMiningJob, { channel_id: channelId, job_id: jobId, min_ntime: minNtime, version: job.version, merkle_root: merkleRoot! });
    } else {
      this.sendExtendedJob(channelId, jobId, minNtime, job);
    }
  }

  private sendExtendedJob(channelId: number, jobId: number, minNtime: number | null, job: PoolJob): void {
    this.send(NewExtendedMiningJob, {
      channel_id: channelId, job_id: jobId, min_ntime: minNtime, version: job.version, version_rolling_allowed: this.pool.versionMask !== 0,
      merkle_path: job.merklePath, coinbase_tx_prefix: job.coinbasePrefix, coinbase_tx_suffix: job.coinbaseSuffix,
    });
  }

  private sendPrevHash(channelId: number, ch: ServerChannel, p: TemplatePrevHash): void {
    const jobId = ch.setPrevHash(p.template_id, this.prevOf(p));
    if (jobId !== null) this.send(SetNewPrevHash, { channel_id: channelId, job_id: jobId, prev_hash: p.prev_hash, min_ntime: p.header_timestamp, nbits: p.n_bits });
  }

  private prevOf(p: TemplatePrevHash) {
    return { prevHash: p.prev_hash, minNtime: p.header_timestamp, nbits: p.n_bits, networkTarget: p.target, receivedAt: Date.now() / 1000 };
  }

  private extendedMembers(): [number, ChannelState][] {
    return [...this.channels].filter(([, st]) => st.ch.kind === 'extended');
  }

  /**
   * A new job: standard channels each get their own NewMiningJob; the extended channels of this
   * connection are one group, so they share one NewExtendedMiningJob sent on the group id.
   */
  onJob(job: PoolJob): void {
    if (!this.isSetUp) return;
    for (const [id, st] of this.channels) if (st.ch.kind === 'standard') this.sendJob(id, st.ch, job);
    const members = this.extendedMembers();
    if (members.length === 0) return;
    const jobId = this.nextGroupJobId++;
    for (const [, st] of members) st.ch.addJob(job, jobId);
    const minNtime = job.future ? null : (this.pool.prevhash?.header_timestamp ?? null);
    this.sendExtendedJob(members.length === 1 ? members[0]![0] : this.groupId, jobId, minNtime, job);
  }

  onPrevHash(p: TemplatePrevHash): void {
    for (const [id, st] of this.channels) if (st.ch.kind === 'standard') this.sendPrevHash(id, st.ch, p);
    const members = this.extendedMembers();
    const ids = members.map(([, st]) => st.ch.setPrevHash(p.template_id, this.prevOf(p)));
    // One message on the group id when every member knows the job under the same id.
    if (members.length > 1 && ids.every((j) => j !== null && j === ids[0])) {
      this.send(SetNewPrevHash, { channel_id: this.groupId, job_id: ids[0]!, prev_hash: p.prev_hash, min_ntime: p.header_timestamp, nbits: p.n_bits });
      return;
    }
    members.forEach(([id], i) => {
      const jobId = ids[i];
      if (jobId !== null && jobId !== undefined) this.send(SetNewPrevHash, { channel_id: id, job_id: jobId, prev_hash: p.prev_hash, min_ntime: p.header_timestamp, nbits: p.n_bits });
    });
  }

  private share(m: Extract<Message, { key: 'SubmitSharesStandard' | 'SubmitSharesExtended' }>): void {
    const f = m.fields;
    const st = this.channels.get(f.channel_id);
    if (!st) return this.send(SubmitSharesError, { channel_id: f.channel_id, sequence_number: f.sequence_number, error_code: 'invalid-channel-id' });
    if ((m.key === 'SubmitSharesExtended') !== (st.ch.kind === 'extended')) {
      return this.send(SubmitSharesError, { channel_id: f.channel_id, sequence_number: f.sequence_number, error_code: 'invalid-share' });
    }
    const r = st.ch.validate(
      { jobId: f.job_id, nonce: f.nonce, ntime: f.ntime, version: f.version, ...(m.key === 'SubmitSharesExtended' ? { extranonce: m.fields.extranonce } : {}) },
      Date.now() / 1000,
    );
    if (!r.ok) {
      (r.error === 'stale-share' ? this.pool.shares.stale : this.pool.shares.rejected).inc();
      this.pool.accounting.rejected(st.ch.userIdentity, r.error === 'stale-share');
      this.pool.emit('share', { user: st.ch.userIdentity, channelId: f.channel_id, ok: false, error: r.error });
      return this.send(SubmitSharesError, { channel_id: f.channel_id, sequence_number: f.sequence_number, error_code: r.error });
    }
    this.pool.shares.accepted.inc();
    this.pool.accounting.accepted(st.ch.userIdentity, r.difficulty, r.block);
    st.vardiff?.onShare();
    this.pool.emit('share', { user: st.ch.userIdentity, channelId: f.channel_id, ok: true, difficulty: r.difficulty });
    st.acceptedInBatch++;
    st.sumInBatch += r.difficulty;
    st.lastSeq = f.sequence_number;
    if (r.block) {
      this.pool.solution(st.ch, r.job, r.coinbase(), r.header).catch((e: unknown) => this.pool.log(`block submission failed: ${e instanceof Error ? e.message : String(e)}`));
    }
    // Successes are batched; a block is acknowledged at once.
    if (st.acceptedInBatch >= this.pool.opts.shareBatchSize || r.block) this.flushBatch(f.channel_id, st);
    else st.batchTimer ??= setTimeout(() => this.flushBatch(f.channel_id, st), BATCH_FLUSH_MS);
  }

  private flushBatch(channelId: number, st: ChannelState): void {
    if (st.batchTimer) clearTimeout(st.batchTimer);
    st.batchTimer = null;
    if (st.acceptedInBatch === 0 || !this.channels.has(channelId)) return;
    this.send(SubmitSharesSuccess, { channel_id: channelId, last_sequence_number: st.lastSeq, new_submits_accepted_count: st.acceptedInBatch, new_shares_sum: BigInt(Math.floor(st.sumInBatch)) });
    st.acceptedInBatch = 0;
    st.sumInBatch = 0;
  }

  /** UpdateChannel: a new declared hashrate and maximum target; a smaller maximum obliges a SetTarget. */
  private update(f: Extract<Message, { key: 'UpdateChannel' }>['fields']): void {
    const st = this.channels.get(f.channel_id);
    if (!st) return this.send(UpdateChannelError, { channel_id: f.channel_id, error_code: 'invalid-channel-id' });
    if (!(f.nominal_hash_rate >= 0) || !Number.isFinite(f.nominal_hash_rate)) {
      return this.send(UpdateChannelError, { channel_id: f.channel_id, error_code: 'invalid-nominal-hashrate' });
    }
    st.maxTarget = leToBigInt(f.maximum_target);
    st.vardiff?.reset(f.nominal_hash_rate, Date.now());
    const t = this.bound(hashrateToTarget(Math.max(1, f.nominal_hash_rate), this.pool.opts.sharesPerMinute), st.maxTarget);
    if (t !== leToBigInt(st.ch.target)) {
      st.ch.setTarget(t);
      this.send(SetTarget, { channel_id: f.channel_id, maximum_target: bigIntToLe(t) });
    }
  }

  /** Vardiff tick: a SetTarget for each channel whose share rate strayed from the goal. */
  retarget(nowMs: number): void {
    for (const [id, st] of this.channels) {
      if (!st.vardiff) continue;
      const next = st.vardiff.update(leToBigInt(st.ch.target), nowMs);
      if (next === null) continue;
      const t = this.bound(next, st.maxTarget);
      if (t === leToBigInt(st.ch.target)) continue;
      st.ch.setTarget(t);
      this.send(SetTarget, { channel_id: id, maximum_target: bigIntToLe(t) });
      this.pool.log(`channel ${id} ('${st.ch.userIdentity}'): difficulty ${st.ch.difficulty.toPrecision(4)} for ~${(st.vardiff.hashrate / 1e3).toFixed(1)} kH/s`);
    }
  }

  /**
   * A share target within its bounds: never harder than the network's (a share that would be a
   * block must not wait for a harder one: regtest, testnet), never easier than the client's max.
   */
  private bound(target: bigint, max: bigint): bigint {
    const p = this.pool.prevhash;
    let t = target;
    if (p) {
      const network = leToBigInt(p.target);
      if (t < network) t = network;
    }
    return t > max ? max : t;
  }

  private closeChannel(id: number, st: ChannelState): void {
    if (st.batchTimer) clearTimeout(st.batchTimer);
    this.channels.delete(id);
    this.pool.release(st.allocIndex);
    this.pool.channelCount--;
  }

  closeAll(): void {
    for (const [id, st] of this.channels) this.closeChannel(id, st);
  }
}

