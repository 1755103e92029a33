// The agent's built-in SV1 translator: a Stratum V1 client whose jobs come out in the same
// MiningJob model an SV2 extended channel produces (coinbasePrefix = coinb1 ‖ extranonce1,
// extranonce2 rolled by the miner, prevhash in header byte order), and whose shares go out as
// mining.submit. It reconnects with backoff after losing a pool it had set up.
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import type { JobSource, JobSourceEvents, MiningJob, MiningShare } from '../channels/mining-job.js';
import { bigIntToLe, concat } from '../bitcoin/index.js';
import {
  LineDecoder, Sv1Error, difficultyShareTarget, encodeLine, parseConfigureResult, parseLine, parseNotify, parseReconnect, parseSetDifficulty, parseSetExtranonce, parseSubscribeResult,
  hex8, prevhashToHeaderBytes, u32Param, type Sv1Message,
} from '../sv1/index.js';
import { Backoff } from '../net/failover.js';
import { dial } from '../net/noise-socket.js';

export interface Sv1JobSourceOptions {
  host: string;
  port: number;
  user: string;
  password?: string;
  /** BIP310 version rolling to ask for (default 0x1fffe000; 0 = do not ask). */
  versionRollingMask?: number;
  /** mining.suggest_difficulty after authorize (pools may ignore it). */
  suggestDifficulty?: number;
  /** client.reconnect to another host is refused unless allowed (the request is untrusted). */
  allowReconnectToOtherHosts?: boolean;
  /** Longest accepted line, bytes (default 16 KiB). */
  maxLineBytes?: number;
  connectTimeoutMs?: number;
  /** start() fails if subscribe/authorize take longer (default 10 s). */
  setupTimeoutMs?: number;
  backoff?: Backoff;
  userAgent?: string;
  log?: (line: string) => void;
}

const REQ = { configure: 1, subscribe: 2, authorize: 3, extranonce: 4, suggest: 5 } as const;
const FIRST_SUBMIT_ID = 100;
/** SV1 job ids kept for submits (older ones are long stale at any pool). */
const MAX_JOBS = 64;

interface Session {
  socket: net.Socket;
  extranonce1: Uint8Array;
  extranonce2Size: number;
  subscribed: boolean;
  authorized: boolean;
  up: boolean;
  mask: number;
  lastNotify: MiningJob | null;
  /** Jobs emitted on this connection: a share for an earlier connection's job is not sent. */
  jobs: WeakSet<MiningJob>;
}

export class Sv1JobSource extends EventEmitter<JobSourceEvents> implements JobSource {
  private running = false;
  private session: Session | null = null;
  private target: Uint8Array = bigIntToLe(difficultyShareTarget(1));
  /** Numeric job id (what MiningJob carries) ↔ the pool's string id. */
  private readonly ids = new Map<number, string>();
  private nextJobId = 1;
  private nextSubmitId = FIRST_SUBMIT_ID;
  private readonly pending = new Map<number, true>();
  private address: { host: string; port: number };
  private readonly backoff: Backoff;

  constructor(readonly opts: Sv1JobSourceOptions) {
    super();
    this.address = { host: opts.host, port: opts.port };
    this.backoff = opts.backoff ?? new Backoff();
  }

  get url(): string {
    return `stratum+tcp://${this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host}:${this.address.port}`;
  }

  /** Resolves once subscribed and authorized; rejects if the first attempt fails. */
  async start(): Promise<void> {
    this.running = true;
    try {
      await this.connectOnce();
    } catch (e) {
      this.running = false;
      throw e;
    }
  }

  stop(): void {
    this.running = false;
    this.session?.socket.destroy();
  }

  /** One connection: resolves when set up, rejects when it fails or ends before. */
  private async connectOnce(): Promise<void> {
    const socket = await dial(this.address.host, this.address.port, this.opts.connectTimeoutMs ?? 5000);
    const s: Session = { socket, extranonce1: new Uint8Array(0), extranonce2Size: 0, subscribed: false, authorized: false, up: false, mask: 0, lastNotify: null, jobs: new WeakSet() };
    this.session = s;
    const decoder = new LineDecoder(this.opts.maxLineBytes ?? 16 * 1024);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => fail(new Error(`${this.url}: no subscribe/authorize answer within ${this.opts.setupTimeoutMs ?? 10_000} ms`)), this.opts.setupTimeoutMs ?? 10_000);
      const fail = (e: Error) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(e);
        }
        socket.destroy(e);
      };
      const ready = () => {
        if (settled || !s.subscribed || !s.authorized) return;
        settled = true;
        clearTimeout(timer);
        s.up = true;
        this.backoff.reset();
        this.emit('state', 'up', { url: this.url, protocol: 'sv1' });
        if (s.lastNotify) this.emitJob(s, { ...s.lastNotify, clean: true }); // work that arrived before authorize
        resolve();
      };
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => {
        let lines: string[];
        try {
          lines = decoder.push(chunk);
        } catch (e) {
          return fail(e as Error);
        }
        for (const line of lines) {
          if (socket.destroyed) return;
          let m: Sv1Message;
          try {
            m = parseLine(line);
            this.handle(s, m, ready, fail);
          } catch (e) {
            // Malformed JSON is a broken connection; a bad parameter of one message is logged;
            // anything else is a bug of ours, and ends this connection rather than the process.
            if (!(e instanceof Sv1Error) || e.code === 'invalid-json' || e.code === 'not-a-message') return fail(e instanceof Error ? e : new Error(String(e)));
            this.opts.log?.(`${this.url}: ${e.message}`);
          }
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        if (!settled) fail(new Error(`${this.url}: the pool closed the connection during set-up`));
        this.pending.clear();
        if (this.session === s) this.session = null;
        if (s.up) {
          this.emit('state', 'down', { url: this.url, protocol: 'sv1' });
          if (this.running) void this.reconnectLoop();
        }
      });
      const send = (id: number, method: string, params: unknown[]) => socket.write(encodeLine({ id, method, params }));
      const mask = this.opts.versionRollingMask ?? 0x1fffe000;
      if (mask) send(REQ.configure, 'mining.configure', [['version-rolling'], { 'version-rolling.mask': hex8(mask), 'version-rolling.min-bit-count': 2 }]);
      send(REQ.subscribe, 'mining.subscribe', [this.opts.userAgent ?? 'hashagent']);
      send(REQ.authorize, 'mining.authorize', [this.opts.user, this.opts.password ?? 'x']);
      send(REQ.extranonce, 'mining.extranonce.subscribe', []);
      if (this.opts.suggestDifficulty) send(REQ.suggest, 'mining.suggest_difficulty', [this.opts.suggestDifficulty]);
    });
  }

  /** After losing a set-up pool: retry with backoff until it answers again or stop(). */
  private async reconnectLoop(): Promise<void> {
    while (this.running && !this.session) {
      await new Promise((r) => setTimeout(r, this.backoff.next()).unref());
      if (!this.running) return;
      try {
        await this.connectOnce();
        return;
      } catch (e) {
        this.opts.log?.(`${this.url} unavailable: ${(e as Error).message}`);
        this.session = null;
      }
    }
  }

  private handle(s: Session, m: Sv1Message, ready: () => void, fail: (e: Error) => void): void {
    if (m.kind === 'response') {
      const id = typeof m.id === 'string' ? Number(m.id) : m.id;
      if (id === REQ.subscribe) {
        if (m.error) return fail(new Error(`${this.url}: mining.subscribe refused: ${m.error.message}`));
        const r = parseSubscribeResult(m.result);
        s.extranonce1 = r.extranonce1;
        s.extranonce2Size = r.extranonce2Size;
        s.subscribed = true;
        return ready();
      }
      if (id === REQ.authorize) {
        if (m.error || m.result !== true) return fail(new Error(`${this.url}: mining.authorize refused for '${this.opts.user}'${m.error ? `: ${m.error.message}` : ''}`));
        s.authorized = true;
        return ready();
      }
      if (id === REQ.configure) {
        s.mask = m.error ? 0 : parseConfigureResult(m.result).versionRollingMask ?? 0;
        return;
      }
      if (typeof id === 'number' && this.pending.delete(id)) {
        const ok = m.result === true && !m.error;
        this.emit('result', ok ? { accepted: 1, rejected: 0, seq: id } : { accepted: 0, rejected: 1, error: m.error?.message ?? 'rejected', seq: id });
        if (!ok) this.opts.log?.(`${this.url}: share rejected: ${m.error?.message ?? 'rejected'}`);
      }
      return; // answers to extranonce.subscribe / suggest_difficulty need nothing
    }
    switch (m.method) {
      case 'mining.notify': {
        const n = parseNotify(m.params);
        const jobId = this.nextJobId;
        this.nextJobId = (this.nextJobId % 0xffffffff) + 1;
        this.ids.set(jobId, n.jobId);
        if (this.ids.size > MAX_JOBS) this.ids.delete(this.ids.keys().next().value!);
        const job: MiningJob = {
          jobId, version: n.version, versionMask: s.mask, prevHash: prevhashToHeaderBytes(n.prevhash), nbits: n.nbits, ntime: n.ntime,
          coinbasePrefix: concat(n.coinbase1, s.extranonce1), coinbaseSuffix: n.coinbase2, extranonceSize: s.extranonce2Size,
          merklePath: n.merkleBranches, target: this.target, clean: n.cleanJobs,
        };
        if (!s.up) {
          s.lastNotify = job;
          return;
        }
        return this.emitJob(s, job);
      }
      case 'mining.set_difficulty':
        this.target = bigIntToLe(difficultyShareTarget(parseSetDifficulty(m.params)));
        this.emit('target', this.target);
        return;
      case 'mining.set_version_mask':
      case 'mining.set_version': // the SRI sv1 crate's name for it
        s.mask = u32Param(m.params[0], `${m.method} mask`);
        return;
      case 'mining.set_extranonce': {
        const e = parseSetExtranonce(m.params);
        s.extranonce1 = e.extranonce1;
        s.extranonce2Size = e.extranonce2Size;
        return; // applies to the jobs that follow
      }
      case 'client.reconnect':
        return this.reconnectTo(s, parseReconnect(m.params));
      case 'client.get_version':
        if (m.kind === 'request') s.socket.write(encodeLine({ id: m.id, result: this.opts.userAgent ?? 'hashagent', error: null }));
        return;
      case 'mining.ping':
        if (m.kind === 'request') s.socket.write(encodeLine({ id: m.id, result: 'pong', error: null }));
        return;
      case 'client.show_message':
        this.opts.log?.(`${this.url} says: ${String(m.params[0]).slice(0, 200)}`);
        return;
      default:
        this.opts.log?.(`${this.url}: ignoring unknown method ${m.method.slice(0, 60)}`);
    }
  }

  /** client.reconnect: the same host (another port) unless configured otherwise. */
  private reconnectTo(s: Session, r: { host: string | null; port: number | null; waitSeconds: number }): void {
    const host = r.host ?? this.address.host;
    if (host !== this.address.host && !this.opts.allowReconnectToOtherHosts) {
      this.opts.log?.(`${this.url}: refusing client.reconnect to another host (${host})`);
      return;
    }
    this.address = { host, port: r.port ?? this.address.port };
    this.opts.log?.(`reconnecting to ${this.url} in ${r.waitSeconds} s as the pool asks`);
    this.backoff.reset();
    setTimeout(() => s.socket.destroy(), r.waitSeconds * 1000).unref();
  }

  private emitJob(s: Session, job: MiningJob): void {
    s.jobs.add(job);
    this.emit('job', job);
  }

  /** mining.submit for a job this source emitted on the current connection. */
  submit(share: MiningShare): number | null {
    const s = this.session;
    const id = this.ids.get(share.job.jobId);
    if (!s?.up || id === undefined || !s.jobs.has(share.job)) return null;
    // A job keeps the extranonce2 size and version mask it came with (set_extranonce and
    // set_version_mask apply to the jobs that follow).
    const { extranonceSize, versionMask: mask } = share.job;
    if (share.extranonce.length !== extranonceSize) {
      this.opts.log?.(`${this.url}: share with ${share.extranonce.length}-byte extranonce2 not sent (the job wants ${extranonceSize})`);
      return null;
    }
    const params: unknown[] = [this.opts.user, id, Buffer.from(share.extranonce).toString('hex'), hex8(share.ntime), hex8(share.nonce)];
    const rolled = (share.version ^ share.job.version) >>> 0;
    if (rolled & ~mask) {
      this.opts.log?.(`${this.url}: share rolls version bits outside the mask ${hex8(mask)}; not sent`);
      return null;
    }
    // BIP310: the pool rebuilds (job_version & ~mask) | (version_bits & mask).
    if (mask) params.push(hex8(share.version & mask));
    const submitId = this.nextSubmitId++;
    this.pending.set(submitId, true);
    if (this.pending.size > 10_000) this.pending.delete(this.pending.keys().next().value!);
    s.socket.write(encodeLine({ id: submitId, method: 'mining.submit', params }));
    return submitId;
  }
}
