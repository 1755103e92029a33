// The agent's SV2 upstream as a JobSource: one extended channel on an Sv2Upstream (ordered
// failover over stratum2+tcp endpoints), its jobs and shares in the internal job model.
import { EventEmitter } from 'node:events';
import type { JobSource, JobSourceEvents, MiningShare } from '../channels/mining-job.js';
import type { Endpoint } from '../net/failover.js';
import { Sv2Upstream, type Sv2Channel } from './sv2-upstream.js';

export interface Sv2JobSourceOptions {
  pools: Endpoint[];
  user: string;
  /** Declared to the pool so it can pick a target (H/s). */
  nominalHashrate: number;
  /** Rollable extranonce bytes wanted (default 8). */
  minExtranonceSize?: number;
  probeIntervalMs?: number;
  connectTimeoutMs?: number;
  /** Ask for version rolling (SetupConnection REQUIRES_VERSION_ROLLING; default true). */
  versionRolling?: boolean;
  /** extended (default) or standard: a header-only channel, asked for as such (REQUIRES_STANDARD_JOBS). */
  channel?: 'extended' | 'standard';
  /** Time the pool has for each set-up step (default 10 s); see Sv2UpstreamOptions. */
  stepDeadlineMs?: number;
  vendor?: string;
  hardwareVersion?: string;
  /** start() rejects when the first round fails (default true): what a fallback needs. */
  failFast?: boolean;
  log?: (line: string) => void;
}

export class Sv2JobSource extends EventEmitter<JobSourceEvents> implements JobSource {
  readonly upstream: Sv2Upstream;
  readonly channel: Sv2Channel;

  constructor(readonly opts: Sv2JobSourceOptions) {
    super();
    this.upstream = new Sv2Upstream({
      pools: opts.pools,
      soleChannel: true,
      standardJobs: opts.channel === 'standard',
      ...(opts.stepDeadlineMs !== undefined ? { stepDeadlineMs: opts.stepDeadlineMs } : {}),
      ...(opts.vendor !== undefined ? { vendor: opts.vendor } : {}),
      ...(opts.hardwareVersion !== undefined ? { hardwareVersion: opts.hardwareVersion } : {}),
      versionRolling: opts.versionRolling ?? true,
      ...(opts.probeIntervalMs !== undefined ? { probeIntervalMs: opts.probeIntervalMs } : {}),
      ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    });
    // A pool that refuses extended channels gets asked for a standard one (header-only mining).
    this.channel = this.upstream.channel({ user: opts.user, nominalHashrate: opts.nominalHashrate, minExtranonceSize: opts.minExtranonceSize ?? 8, standardFallback: true, standard: opts.channel === 'standard' });
    this.channel.on('job', (j) => this.emit('job', j));
    this.channel.on('target', (t) => this.emit('target', t));
    this.channel.on('result', (r) => this.emit('result', r));
    this.channel.on('state', (s, info) => this.emit('state', s, info));
  }

  /** Resolves once the channel has its first job; see Sv2Upstream.start. */
  async start(): Promise<void> {
    try {
      await this.upstream.start(this.opts.failFast ?? true);
    } catch (e) {
      if (this.opts.failFast ?? true) this.stop();
      throw e;
    }
  }

  submit(share: MiningShare): number | null {
    return this.channel.submit(share);
  }

  stop(): void {
    this.upstream.stop();
  }
}
