// One SV1 miner connected to the translator: the JSON-RPC session (configure, subscribe,
// authorize, extranonce.subscribe, suggest_difficulty, submit), answered the way cgminer,
// bmminer, ESP-Miner and cpuminer expect. A line that is too long or not JSON closes this
// connection only; a bad or unknown call gets an error answer. The translator decides
// extranonce, jobs and share validity through the DownstreamHost it passes in.
import type net from 'node:net';
import {
  LineDecoder, Sv1Error, encodeLine, hex8, parseConfigureRequest, parseLine, parseSubmit, parseSuggestDifficulty, type Submit, type Sv1Id, type Sv1Message,
} from '../../sv1/index.js';

/** Conventional SV1 error codes (ecosystem digest §3.4). */
export const Sv1Code = { Other: 20, JobNotFound: 21, Duplicate: 22, LowDifficulty: 23, Unauthorized: 24, NotSubscribed: 25 } as const;

export interface ShareVerdict {
  ok: boolean;
  code?: number;
  message?: string;
}

export interface DownstreamHost {
  /** Extranonce1 and extranonce2 size for a new subscription (may wait for the upstream). */
  subscribe(d: Sv1Downstream): Promise<{ extranonce1: Uint8Array; extranonce2Size: number }>;
  /** Called once subscribed and authorized: send the difficulty and current job. */
  ready(d: Sv1Downstream): void;
  submit(d: Sv1Downstream, s: Submit): ShareVerdict;
  /** The miner's suggested difficulty (the host may clamp it). */
  suggestDifficulty(d: Sv1Downstream, difficulty: number): void;
  closed(d: Sv1Downstream, reason: string): void;
  /** Version bits the translator lets miners roll. */
  readonly versionMask: number;
  log(line: string): void;
}

export class Sv1Downstream {
  private readonly decoder: LineDecoder;
  private closedReason: string | null = null;
  subscribed = false;
  authorized = false;
  /** As authorized ("account.worker"). */
  user: string | null = null;
  userAgent: string | null = null;
  extranonceSubscribed = false;
  /** mining.suggest_difficulty, kept for a host that applies it at subscribe. */
  suggestedDifficulty: number | null = null;
  /** Negotiated BIP310 mask (0: no version rolling). */
  versionMask = 0;
  extranonce1: Uint8Array = new Uint8Array(0);
  extranonce2Size = 0;
  /** Host-owned state (channel, vardiff, jobs). */
  data: unknown = null;
  linesIn = 0;
  private windowStart = Date.now();
  private setupTimer: NodeJS.Timeout | null = null;
  private linesInWindow = 0;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    private readonly host: DownstreamHost,
    maxLineBytes: number,
    /** Close a miner that sends more lines than this per second (each submit costs hashing). */
    private readonly maxLinesPerSecond = Infinity,
    /** Close when this many bytes wait unsent (a miner that stopped reading). */
    private readonly maxWriteBuffer = 1 << 20,
    /** A miner must be subscribed and authorized within this (a quiet socket is not held). */
    setupTimeoutMs = 10_000,
  ) {
    this.decoder = new LineDecoder(maxLineBytes);
    this.setupTimer = setTimeout(() => this.close('setup timeout'), setupTimeoutMs);
    this.setupTimer.unref();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close('socket error'));
    socket.on('close', () => this.close('disconnected'));
  }

  get isClosed(): boolean {
    return this.closedReason !== null;
  }

  /** The worker name: the text after the first '.' of the user, else the whole user. */
  get worker(): string {
    const u = this.user ?? '';
    const dot = u.indexOf('.');
    return dot >= 0 && dot < u.length - 1 ? u.slice(dot + 1) : u;
  }

  send(message: unknown): void {
    if (this.isClosed) return;
    this.socket.write(encodeLine(message));
    if (this.socket.writableLength > this.maxWriteBuffer) this.close('not reading');
  }

  notify(method: string, params: unknown[]): void {
    this.send({ id: null, method, params });
  }

  close(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.setUpDone();
    this.socket.destroy();
    this.host.closed(this, reason);
  }

  private onData(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.decoder.push(chunk);
    } catch (e) {
      return this.close(e instanceof Sv1Error ? e.code : 'bad input');
    }
    for (const line of lines) {
      if (this.isClosed) return;
      this.linesIn++;
      if (++this.linesInWindow > this.maxLinesPerSecond) {
        const now = Date.now();
        if (now - this.windowStart < 1000) return this.close('flooding');
        this.windowStart = now;
        this.linesInWindow = 1;
      }
      let m: Sv1Message;
      try {
        m = parseLine(line);
      } catch (e) {
        // A call with bad parameters is answered; it is still SV1.
        if (e instanceof Sv1Error && e.requestId !== null) {
          this.reply(e.requestId, null, [Sv1Code.Other, e.message, null]);
          continue;
        }
        // Not JSON, or JSON that is no JSON-RPC message: this peer does not speak SV1.
        return this.close(e instanceof Sv1Error ? e.code : 'bad input');
      }
      if (m.kind !== 'request') continue; // notifications and stray responses need no answer
      try {
        this.handle(m.id, m.method, m.params);
      } catch (e) {
        if (e instanceof Sv1Error) this.reply(m.id, null, [Sv1Code.Other, e.message, null]);
        else {
          // A bug of ours must not take the whole proxy down: this connection alone ends.
          this.host.log(`miner ${this.id}: internal error on ${m.method.slice(0, 60)}: ${e instanceof Error ? e.message : String(e)}`);
          return this.close('internal error');
        }
      }
    }
  }

  /** Subscribed and authorized (or closed): the set-up deadline is off. */
  private setUpDone(): void {
    if (this.setupTimer) clearTimeout(this.setupTimer);
    this.setupTimer = null;
  }

  private reply(id: Sv1Id, result: unknown, error: unknown = null): void {
    this.send({ id, result, error });
  }

  private handle(id: Sv1Id, method: string, params: unknown[]): void {
    switch (method) {
      case 'mining.configure': {
        const c = parseConfigureRequest(params);
        const result: Record<string, unknown> = {};
        for (const ext of c.extensions) if (ext !== 'version-rolling') result[ext] = false;
        if (c.versionRolling) {
          this.versionMask = (c.versionRolling.mask & this.host.versionMask) >>> 0;
          result['version-rolling'] = this.versionMask !== 0;
          result['version-rolling.mask'] = hex8(this.versionMask);
          if (c.versionRolling.minBitCount !== null) result['version-rolling.min-bit-count'] = hex8(c.versionRolling.minBitCount);
        }
        return this.reply(id, result);
      }
      case 'mining.subscribe': {
        if (this.subscribed) return this.reply(id, null, [Sv1Code.Other, 'already subscribed', null]);
        this.userAgent = typeof params[0] === 'string' ? params[0].slice(0, 64) : null;
        this.host.subscribe(this).then(
          ({ extranonce1, extranonce2Size }) => {
            if (this.isClosed) return;
            this.extranonce1 = extranonce1;
            this.extranonce2Size = extranonce2Size;
            this.subscribed = true;
            const sub = this.id.toString(16).padStart(8, '0');
            this.reply(id, [[['mining.set_difficulty', sub], ['mining.notify', sub]], Buffer.from(extranonce1).toString('hex'), extranonce2Size]);
            if (this.authorized) {
              this.setUpDone();
              this.host.ready(this);
            }
          },
          (e: unknown) => {
            this.reply(id, null, [Sv1Code.Other, e instanceof Error ? e.message : String(e), null]);
            this.close('no upstream');
          },
        );
        return;
      }
      case 'mining.authorize': {
        const user = params[0];
        if (typeof user !== 'string' || user.length === 0 || user.length > 256) return this.reply(id, false, [Sv1Code.Unauthorized, 'user must be a non-empty string', null]);
        const first = !this.authorized;
        this.user = user;
        this.authorized = true;
        this.reply(id, true);
        if (first && this.subscribed) {
          this.setUpDone();
          this.host.ready(this);
        }
        return;
      }
      case 'mining.extranonce.subscribe':
        this.extranonceSubscribed = true;
        return this.reply(id, true);
      case 'mining.submit': {
        if (!this.subscribed) return this.reply(id, null, [Sv1Code.NotSubscribed, 'not subscribed', null]);
        if (!this.authorized) return this.reply(id, null, [Sv1Code.Unauthorized, 'unauthorized worker', null]);
        const v = this.host.submit(this, parseSubmit(params));
        return v.ok ? this.reply(id, true) : this.reply(id, false, [v.code ?? Sv1Code.Other, v.message ?? 'rejected', null]);
      }
      case 'mining.ping':
        return this.reply(id, 'pong');
      case 'client.get_version':
        return this.reply(id, 'hashagent-translator');
      default: {
        if (method.startsWith('mining.suggest_difficulty')) {
          const d = parseSuggestDifficulty(method, params);
          if (d !== null) {
            this.suggestedDifficulty = d;
            this.host.suggestDifficulty(this, d);
          }
          return this.reply(id, d !== null);
        }
        this.host.log(`miner ${this.id}: unknown method ${method.slice(0, 60)}`);
        return this.reply(id, null, [Sv1Code.Other, `unknown method ${method.slice(0, 60)}`, null]);
      }
    }
  }
}
