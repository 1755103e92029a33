// An SV2 mining client connection that carries extended channels: ordered failover (Failover),
// SetupConnection with version rolling, optional extension negotiation (0x0002), and any number
// of extended channels, each of which turns NewExtendedMiningJob/SetNewPrevHash/SetTarget into
// the agent's MiningJob model. The agent's SV2 JobSource is one upstream with one channel; the
// translator opens one aggregated channel or one channel per SV1 miner on the same connection.
import { EventEmitter } from 'node:events';
import { Failover, type Endpoint, type SessionEnd } from '../net/failover.js';
import { DEFAULT_STEP_DEADLINE_MS, MessageConnection, type SetupSuccess } from '../net/message-connection.js';
import type { FrameConnection } from '../net/frame-connection.js';
import { messageFrame, type Message } from '../sv2/codec.js';
import {
  CloseChannel, MiningFlags, MiningSuccessFlags, OpenExtendedMiningChannel, OpenStandardMiningChannel, Protocol, RequestExtensions, SubmitSharesExtended, SubmitSharesStandard, UpdateChannel,
  WORKER_HASHRATE_TRACKING, userIdentityTlv, type Tlv,
} from '../sv2/messages/index.js';
import { ClientChannel, type ActiveWork } from '../channels/client-channel.js';
import type { JobSourceEvents, MiningJob, MiningShare, ShareResult } from '../channels/mining-job.js';
import { concat, MAX_TARGET_LE, stripCoinbaseParts } from '../bitcoin/index.js';
import { VERSION_ROLLING_MASK } from '../channels/server-channel.js';

export interface Sv2UpstreamOptions {
  /** Ordered failover list: the first that answers is used; better ones are re-tried meanwhile. */
  pools: Endpoint[];
  probeIntervalMs?: number;
  connectTimeoutMs?: number;
  /** Extensions to request after SetupConnection (e.g. [0x0002]); used only if the pool grants them. */
  extensions?: number[];
  /** SetupConnection device strings. */
  vendor?: string;
  hardwareVersion?: string;
  /** SetupConnection REQUIRES_VERSION_ROLLING (default true). */
  versionRolling?: boolean;
  /** The connection exists for one channel (a JobSource): a refused or closed channel ends it. */
  soleChannel?: boolean;
  /** SetupConnection flag REQUIRES_STANDARD_JOBS (header-only devices: standard channels only). */
  standardJobs?: boolean;
  /** Time the pool has for each step: its SetupConnection answer, a channel's answer, the first
   * job on a new channel (default 10 s). A missed step fails that pool: the next one is tried. */
  stepDeadlineMs?: number;
  log?: (line: string) => void;
}

export interface ChannelRequest {
  user: string;
  /** Declared hashrate, H/s. */
  nominalHashrate: number;
  minExtranonceSize: number;
  /** Easiest share target accepted (32 bytes LE; default all 0xff). */
  maxTarget?: Uint8Array;
  /** When the pool refuses an extended channel, ask for a standard (header-only) one instead. */
  standardFallback?: boolean;
  /** Ask for a standard (header-only) channel from the start. */
  standard?: boolean;
}

export interface Sv2UpstreamEvents {
  /** A connection was set up (SetupConnection.Success) on pool `index`. */
  up: [index: number];
  /** The connection went away; channels are down until the next `up`. */
  down: [reason: Error | null];
  /** The pool granted these of the requested extensions. */
  extensions: [number[]];
}

/** One extended channel: its jobs as MiningJobs, shares as SubmitSharesExtended. */
export class Sv2Channel extends EventEmitter<JobSourceEvents> {
  /** Client-side channel state for the current connection (null while not open). */
  state: ClientChannel | null = null;
  /** Jobs emitted on the current connection: shares for older ones would name another job's id. */
  private emitted = new WeakSet<MiningJob>();
  private seq = 0;
  private target: Uint8Array = MAX_TARGET_LE;
  /** SV1 translators pass per-miner identities in TLV 0x0002 when the pool granted it. */
  userIdentityTlvs = false;

  constructor(
    private readonly upstream: Sv2Upstream,
    public request: ChannelRequest,
  ) {
    super();
  }

  get isOpen(): boolean {
    return this.state !== null;
  }

  /** The channel's extranonce_prefix (already part of every job's coinbasePrefix). */
  get extranoncePrefix(): Uint8Array {
    return this.state?.extranoncePrefix ?? new Uint8Array(0);
  }

  get extranonceSize(): number {
    return this.state?.extranonceSize ?? 0;
  }

  /** Clears the deadline for this channel's first job (set while one is owed). */
  firstJobDue: (() => void) | null = null;

  /** @internal the pool opened it on this connection */
  opened(state: ClientChannel): void {
    this.state = state;
    this.emitted = new WeakSet();
    this.target = state.target;
    this.emit('state', 'up', this.upstream.describe());
  }

  /** @internal the connection ended or the pool closed the channel */
  closed(): void {
    this.firstJobDue?.();
    this.firstJobDue = null;
    if (!this.state) return;
    this.state = null;
    this.emit('state', 'down', this.upstream.describe());
  }

  /** @internal a message addressed to this channel (or its group) */
  handle(m: Message): void {
    const ch = this.state!;
    switch (m.key) {
      case 'NewMiningJob': {
        const f = m.fields;
        const work = ch.addJob({ jobId: f.job_id, version: f.version, merkleRoot: f.merkle_root, extended: null, minNtime: f.min_ntime });
        if (work) this.emitJob(work, false);
        return;
      }
      case 'NewExtendedMiningJob': {
        const f = m.fields;
        const work = ch.addJob({
          jobId: f.job_id, version: f.version, merkleRoot: null, minNtime: f.min_ntime,
          extended: { coinbasePrefix: f.coinbase_tx_prefix, coinbaseSuffix: f.coinbase_tx_suffix, merklePath: f.merkle_path, versionRollingAllowed: f.version_rolling_allowed },
        });
        if (work) this.emitJob(work, false);
        return;
      }
      case 'SetNewPrevHash': {
        const work = ch.setPrevHash({ jobId: m.fields.job_id, prevHash: m.fields.prev_hash, minNtime: m.fields.min_ntime, nbits: m.fields.nbits });
        if (work) this.emitJob(work, true);
        return;
      }
      case 'SetTarget':
        ch.target = this.target = m.fields.maximum_target.slice();
        this.emit('target', this.target);
        return;
      case 'SetExtranoncePrefix':
        // Applies to jobs that follow; the pool sends a fresh job after it.
        ch.extranoncePrefix = m.fields.extranonce_prefix.slice();
        return;
      default:
    }
  }

  private emitJob(work: ActiveWork, clean: boolean): void {
    this.firstJobDue?.();
    this.firstJobDue = null;
    this.upstream.working();
    const ext = work.job.extended;
    if (!ext) {
      // Standard channel: the pool made the coinbase and the merkle root; BIP320 bits may roll.
      const job: MiningJob = {
        jobId: work.job.jobId, version: work.job.version, versionMask: this.upstream.fixedVersion ? 0 : VERSION_ROLLING_MASK, prevHash: work.prev.prevHash, nbits: work.prev.nbits, ntime: work.ntime,
        coinbasePrefix: new Uint8Array(0), coinbaseSuffix: new Uint8Array(0), extranonceSize: 0, merklePath: [], target: this.target, clean, merkleRoot: work.job.merkleRoot!,
      };
      this.emitted.add(job);
      this.emit('job', job);
      return;
    }
    // Some pools send the coinbase with its BIP141 fields; the txid is of the stripped form.
    const { prefix, suffix } = stripCoinbaseParts(ext.coinbasePrefix, ext.coinbaseSuffix);
    const job: MiningJob = {
      jobId: work.job.jobId,
      version: work.job.version,
      versionMask: ext.versionRollingAllowed && !this.upstream.fixedVersion ? VERSION_ROLLING_MASK : 0,
      prevHash: work.prev.prevHash,
      nbits: work.prev.nbits,
      ntime: work.ntime,
      coinbasePrefix: concat(prefix, this.state!.extranoncePrefix),
      coinbaseSuffix: suffix,
      extranonceSize: this.state!.extranonceSize,
      merklePath: ext.merklePath,
      target: this.target,
      clean,
    };
    this.emitted.add(job);
    this.emit('job', job);
  }

  /** SubmitShares for a job this channel emitted: its sequence number, or null if it cannot be sent. */
  submit(share: MiningShare, userIdentity?: string): number | null {
    const ch = this.state;
    if (!ch || !this.emitted.has(share.job) || share.extranonce.length !== ch.extranonceSize) return null;
    const seq = this.seq++ >>> 0;
    const tlvs: Tlv[] = [];
    if (userIdentity && this.userIdentityTlvs) tlvs.push(userIdentityTlv(truncateUtf8(userIdentity, 32)));
    if (ch.kind === 'standard') {
      const f = { channel_id: ch.channelId, sequence_number: seq, job_id: share.job.jobId, nonce: share.nonce >>> 0, ntime: share.ntime >>> 0, version: share.version >>> 0 };
      return this.upstream.send(messageFrame(SubmitSharesStandard, f, tlvs.length ? tlvs : undefined)) ? seq : null;
    }
    const sent = this.upstream.send(
      messageFrame(
        SubmitSharesExtended,
        { channel_id: ch.channelId, sequence_number: seq, job_id: share.job.jobId, nonce: share.nonce >>> 0, ntime: share.ntime >>> 0, version: share.version >>> 0, extranonce: share.extranonce },
        tlvs.length ? tlvs : undefined,
      ),
    );
    return sent ? seq : null;
  }

  /** @internal a share result from the pool */
  result(r: ShareResult): void {
    this.emit('result', r);
  }

  /** UpdateChannel with a new nominal hashrate (and the same max target). */
  updateHashrate(hashrate: number): void {
    this.request = { ...this.request, nominalHashrate: hashrate };
    const ch = this.state;
    if (ch) this.upstream.send(messageFrame(UpdateChannel, { channel_id: ch.channelId, nominal_hash_rate: hashrate, maximum_target: this.request.maxTarget ?? MAX_TARGET_LE }));
  }

  /** CloseChannel and forget it (it is not reopened on reconnect). */
  close(): void {
    const ch = this.state;
    if (ch) this.upstream.send(messageFrame(CloseChannel, { channel_id: ch.channelId, reason_code: 'miner-disconnected' }));
    this.upstream.forget(this);
    this.closed();
  }
}

/** The longest prefix of `s` that is at most `max` bytes of UTF-8 (never splits a character). */
export function truncateUtf8(s: string, max: number): string {
  const enc = new TextEncoder();
  if (enc.encode(s).length <= max) return s;
  let out = '';
  for (const ch of s) {
    if (enc.encode(out + ch).length > max) break;
    out += ch;
  }
  return out;
}

export class Sv2Upstream extends EventEmitter<Sv2UpstreamEvents> {
  private failover: Failover | null = null;
  private conn: MessageConnection<SetupSuccess> | null = null;
  /** The session got to work: set up, and (sole channel) its channel has a job. */
  private isWorking = false;
  private onWorking: (() => void) | null = null;
  /** request_id → the deadline for the pool's answer to that channel request. */
  private answerDue = new Map<number, () => void>();
  private poolIndex = -1;
  private readonly channels = new Set<Sv2Channel>();
  /** request_id → channel waiting for OpenExtendedMiningChannel.Success on this connection. */
  private pending = new Map<number, Sv2Channel>();
  private open = new Map<number, Sv2Channel>();
  /** Channels for which a standard channel was asked after an extended one was refused (this connection). */
  private standardAsked = new Set<Sv2Channel>();
  private nextRequest = 1;
  private setUp = false;
  /** RequestExtensions sent on this connection and not answered yet. */
  private extensionsPending = false;
  /** Pools (by index) that dropped the connection on RequestExtensions: not asked again. */
  private readonly noExtensions = new Set<number>();
  /** Extensions the current pool granted. */
  granted: number[] = [];
  /** The pool answered SetupConnection with REQUIRES_FIXED_VERSION: no version bit may roll. */
  fixedVersion = false;

  constructor(readonly opts: Sv2UpstreamOptions) {
    super();
  }

  /** Registers a channel; it is opened now if connected, and again after every reconnect. */
  channel(request: ChannelRequest): Sv2Channel {
    const c = new Sv2Channel(this, request);
    this.channels.add(c);
    if (this.setUp) this.openChannel(c);
    return c;
  }

  /** @internal */
  forget(c: Sv2Channel): void {
    this.channels.delete(c);
    for (const [id, ch] of this.pending) if (ch === c) this.pending.delete(id);
    for (const [id, ch] of this.open) if (ch === c) this.open.delete(id);
  }

  describe(): { url: string; protocol: 'sv2' } {
    const e = this.opts.pools[Math.max(0, this.poolIndex)]!;
    return { url: `stratum2+tcp://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`, protocol: 'sv2' };
  }

  get activePool(): number {
    return this.conn && !this.conn.isClosed ? this.poolIndex : -1;
  }

  /** Bytes on the wire of the current connection (benchmarks, metrics). */
  get connection(): MessageConnection<SetupSuccess> | null {
    return this.conn;
  }

  private get stepMs(): number {
    return this.opts.stepDeadlineMs ?? DEFAULT_STEP_DEADLINE_MS;
  }

  /**
   * Resolves once a session works (set up; with a sole channel, its first job in). With
   * `failFast`, rejects when every pool of the list failed in the first round (unreachable,
   * handshake, or a step missed: SetupConnection answer, channel, first job).
   */
  start(failFast = true): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => {
      this.onWorking = resolve;
      this.failover = new Failover({
        endpoints: this.opts.pools,
        probeIntervalMs: this.opts.probeIntervalMs ?? 30_000,
        ...(this.opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: this.opts.connectTimeoutMs } : {}),
        failFast,
        ...(this.opts.log ? { log: this.opts.log } : {}),
        session: (conn, index) => this.session(conn, index),
      });
      this.failover.run().catch((e: unknown) => {
        this.onWorking = null;
        reject(e);
      });
    });
    return ready;
  }

  /** @internal a channel got its first job: the session works. */
  working(): void {
    if (this.isWorking) return;
    this.isWorking = true;
    this.onWorking?.();
    this.onWorking = null;
  }

  stop(): void {
    this.failover?.stop();
    this.conn?.close();
  }

  /** A new pool list (configuration reload): kept on the pool in use when it heads the new list. */
  setPools(pools: Endpoint[]): void {
    if (pools.length === 0) throw new RangeError('at least one pool is needed');
    this.opts.pools = pools;
    this.failover?.setEndpoints(pools);
  }

  /** @internal */
  send(frame: Parameters<FrameConnection['send']>[0]): boolean {
    return this.conn !== null && this.setUp && this.conn.frames.send(frame);
  }

  private session(frames: FrameConnection, index: number): Promise<SessionEnd> {
    this.poolIndex = index;
    this.setUp = false;
    this.isWorking = false;
    this.granted = [];
    this.fixedVersion = false;
    this.pending = new Map();
    this.answerDue = new Map();
    this.standardAsked = new Set();
    this.open = new Map();
    const ep = this.opts.pools[index]!;
    let flags = (this.opts.versionRolling ?? true) ? MiningFlags.RequiresVersionRolling : 0;
    if (this.opts.standardJobs) flags |= MiningFlags.RequiresStandardJobs;
    const conn = MessageConnection.client(
      frames,
      {
        protocol: Protocol.Mining, min_version: 2, max_version: 2, flags,
        endpoint_host: ep.host, endpoint_port: ep.port, vendor: this.opts.vendor ?? 'hashagent', hardware_version: this.opts.hardwareVersion ?? '', firmware: '', device_id: '',
      },
      this.stepMs,
      'pool',
    );
    this.conn = conn;
    conn.on('ready', (f) => this.onSetUp(conn, f.flags));
    conn.on('message', (m) => this.handle(conn, m));
    return new Promise<SessionEnd>((resolve) =>
      conn.on('close', (reason) => {
        const wasUp = this.setUp;
        this.setUp = false;
        if (this.extensionsPending) {
          this.extensionsPending = false;
          this.noExtensions.add(index);
          this.opts.log?.(`pool ${index + 1} closed the connection after RequestExtensions; not requesting extensions from it again`);
        }
        for (const c of this.channels) c.closed();
        if (wasUp) this.emit('down', reason);
        resolve({ up: this.isWorking, reason });
      }),
    );
  }

  private onSetUp(conn: MessageConnection<SetupSuccess>, flags: number): void {
    this.setUp = true;
    this.fixedVersion = (flags & MiningSuccessFlags.RequiresFixedVersion) !== 0;
    if (this.fixedVersion) this.opts.log?.(`pool ${this.poolIndex + 1} requires a fixed version: no version rolling`);
    // Not waited for: a pool that ignores extension negotiation simply never grants any.
    if (this.opts.extensions?.length && !this.noExtensions.has(this.poolIndex)) {
      this.extensionsPending = true;
      conn.send(RequestExtensions, { request_id: 0, requested_extensions: this.opts.extensions });
    }
    for (const c of this.channels) this.openChannel(c);
    // A connection for many channels (the translator) works once set up; one for a single
    // channel works once that channel has a job.
    if (!this.opts.soleChannel) this.working();
    this.emit('up', this.poolIndex);
  }

  private openChannel(c: Sv2Channel, standard = c.request.standard ?? false): void {
    const conn = this.conn!;
    const id = this.nextRequest++ & 0xffffffff;
    this.pending.set(id, c);
    const r = c.request;
    const kind = standard ? 'OpenStandardMiningChannel' : 'OpenExtendedMiningChannel';
    this.answerDue.set(id, conn.deadline(this.stepMs, `answer to ${kind} for '${r.user}'`));
    if (standard) conn.send(OpenStandardMiningChannel, { request_id: id, user_identity: r.user, nominal_hash_rate: r.nominalHashrate, max_target: r.maxTarget ?? MAX_TARGET_LE });
    else conn.send(OpenExtendedMiningChannel, { request_id: id, user_identity: r.user, nominal_hash_rate: r.nominalHashrate, max_target: r.maxTarget ?? MAX_TARGET_LE, min_extranonce_size: r.minExtranonceSize });
  }

  /** The pool answered channel request `id`: its deadline is off. */
  private answered(id: number): Sv2Channel | undefined {
    this.answerDue.get(id)?.();
    this.answerDue.delete(id);
    const c = this.pending.get(id);
    this.pending.delete(id);
    return c;
  }

  /** The channel a result is for (by its own id, else the first of the addressed group). */
  private addressed(channelId: number): Sv2Channel | undefined {
    const own = this.open.get(channelId);
    if (own) return own;
    for (const c of this.open.values()) if (c.state?.addressedBy(channelId)) return c;
    return undefined;
  }

  private handle(conn: MessageConnection<SetupSuccess>, m: Message): void {
    switch (m.key) {
      case 'RequestExtensions.Error':
        this.extensionsPending = false;
        return;
      case 'RequestExtensions.Success':
        this.extensionsPending = false;
        this.granted = m.fields.supported_extensions.filter((e) => this.opts.extensions?.includes(e));
        for (const c of this.channels) c.userIdentityTlvs = this.granted.includes(WORKER_HASHRATE_TRACKING);
        this.emit('extensions', this.granted);
        return;
      case 'OpenExtendedMiningChannel.Success':
      case 'OpenStandardMiningChannel.Success': {
        const f = m.fields;
        const c = this.answered(f.request_id);
        if (!c) return;
        this.open.set(f.channel_id, c);
        c.userIdentityTlvs = this.granted.includes(WORKER_HASHRATE_TRACKING);
        this.extensionsPending = false; // a pool that opens channels has not choked on the request
        const extended = 'extranonce_size' in f;
        if (!extended && !c.request.standard) this.opts.log?.(`standard (header-only) channel ${f.channel_id} for '${c.request.user}': the pool refused an extended one`);
        c.firstJobDue = conn.deadline(this.stepMs, `job on channel ${f.channel_id}`);
        c.opened(new ClientChannel(f.channel_id, extended ? 'extended' : 'standard', f.group_channel_id, f.target.slice(), f.extranonce_prefix.slice(), extended ? f.extranonce_size : 0));
        return;
      }
      case 'OpenMiningChannel.Error': {
        const c = this.answered(m.fields.request_id);
        if (c && c.request.standardFallback && !c.request.standard && !this.standardAsked.has(c)) {
          // The pool demands standard channels: ask again for one (once per connection).
          this.standardAsked.add(c);
          this.opts.log?.(`pool refused an extended channel (${m.fields.error_code}); asking for a standard one`);
          this.openChannel(c, true);
          return;
        }
        this.opts.log?.(`pool refused a channel for '${c?.request.user ?? '?'}': ${m.fields.error_code}`);
        // The only channel of a JobSource: nothing to mine here, so the session is over.
        if (c && this.opts.soleChannel) conn.close(new Error(`pool refused the channel: ${m.fields.error_code}`));
        return;
      }
      case 'NewMiningJob':
      case 'NewExtendedMiningJob':
      case 'SetNewPrevHash':
      case 'SetTarget':
      case 'SetExtranoncePrefix':
        for (const c of this.open.values()) if (c.state?.addressedBy(m.fields.channel_id)) c.handle(m);
        return;
      case 'SubmitShares.Success':
        this.addressed(m.fields.channel_id)?.result({ accepted: m.fields.new_submits_accepted_count, rejected: 0, upTo: m.fields.last_sequence_number });
        return;
      case 'SubmitShares.Error':
        this.opts.log?.(`share ${m.fields.sequence_number} rejected: ${m.fields.error_code}`);
        this.addressed(m.fields.channel_id)?.result({ accepted: 0, rejected: 1, error: m.fields.error_code, seq: m.fields.sequence_number });
        return;
      case 'CloseChannel': {
        const c = this.open.get(m.fields.channel_id);
        this.open.delete(m.fields.channel_id);
        c?.closed();
        if (c && this.opts.soleChannel) conn.close(new Error(`pool closed the channel: ${m.fields.reason_code}`));
        return;
      }
      case 'Reconnect':
        this.opts.log?.(`pool asks to reconnect to ${m.fields.new_host || '(same host)'}:${m.fields.new_port || '(same port)'}`);
        return this.failover?.redirect(m.fields.new_host, m.fields.new_port);
      default:
    }
  }
}
