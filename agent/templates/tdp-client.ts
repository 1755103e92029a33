// A TemplateSource fed by a Template Provider over SV2 (sv2-tp, or our TdpServer).
import { EventEmitter } from 'node:events';
import { connectNoise } from '../net/noise-socket.js';
import { Backoff } from '../net/failover.js';
import { DEFAULT_STEP_DEADLINE_MS, MessageConnection, type SetupSuccess } from '../net/message-connection.js';
import { CoinbaseOutputConstraints, Protocol, RequestTransactionData, SubmitSolution } from '../sv2/messages/index.js';
import { coinbaseForBlock } from '../bitcoin/index.js';
import type { Solution, SolutionResult, Template, TemplatePrevHash, TemplateSource, TemplateSourceEvents } from './source.js';

export interface TdpClientOptions {
  host: string;
  port: number;
  /** The Template Provider's authority key (null only with insecure). */
  authorityKey: Uint8Array | null;
  insecure?: boolean;
  /** Bytes the pool adds to the coinbase outputs, reserved by the TP (CoinbaseOutputConstraints). */
  coinbaseOutputMaxAdditionalSize?: number;
  coinbaseOutputMaxAdditionalSigops?: number;
  /** Time the TP has to answer SetupConnection and to send its first template and tip (default 10 s). */
  stepDeadlineMs?: number;
  /** Waits between reconnects after the TP is lost (default 0.5 s doubling to 30 s, jittered). */
  backoff?: Backoff;
  log?: (line: string) => void;
}

export class TdpClient extends EventEmitter<TemplateSourceEvents> implements TemplateSource {
  private conn: MessageConnection<SetupSuccess> | null = null;
  private readonly templates = new Map<bigint, Template>();
  private best: { template: Template; prevhash: TemplatePrevHash } | null = null;
  private running = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;
  /** RequestTransactionData asked and not yet answered, by template id. */
  private readonly asked = new Map<bigint, { resolve: (txs: Uint8Array[]) => void; reject: (e: Error) => void }>();

  constructor(private readonly opts: TdpClientOptions) {
    super();
    this.backoff = opts.backoff ?? new Backoff(500, 30_000);
  }

  current() {
    return this.best;
  }

  /**
   * Connects and resolves with the first template and tip. After that a lost Template Provider is
   * reconnected with backoff; meanwhile the last template stays current (the pool mines on).
   */
  async start(): Promise<void> {
    this.running = true;
    await this.connect();
  }

  private reconnectLater(): void {
    if (!this.running || this.retry) return;
    const wait = this.backoff.next();
    this.opts.log?.(`template provider ${this.opts.host}:${this.opts.port} lost; reconnecting in ${wait} ms`);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().then(
        () => {
          this.backoff.reset();
          this.opts.log?.(`template provider ${this.opts.host}:${this.opts.port} back`);
        },
        () => this.reconnectLater(),
      );
    }, wait);
    this.retry.unref();
  }

  private async connect(): Promise<void> {
    const frames = await connectNoise({ host: this.opts.host, port: this.opts.port, authorityKey: this.opts.authorityKey, insecure: this.opts.insecure ?? false });
    const step = this.opts.stepDeadlineMs ?? DEFAULT_STEP_DEADLINE_MS;
    const conn = MessageConnection.client(
      frames,
      {
        protocol: Protocol.TemplateDistribution, min_version: 2, max_version: 2, flags: 0,
        endpoint_host: this.opts.host, endpoint_port: this.opts.port, vendor: 'hashagent', hardware_version: '', firmware: '', device_id: '',
      },
      step,
      'template provider',
    );
    this.conn = conn;
    let tipDue: (() => void) | null = null;
    conn.on('close', () => {
      if (this.conn === conn && this.best) this.reconnectLater();
    });
    const ready = new Promise<void>((resolve, reject) => {
      conn.on('close', (r) => reject(r ?? new Error('template provider closed the connection')));
      conn.on('ready', () => {
        conn.send(CoinbaseOutputConstraints, {
          coinbase_output_max_additional_size: this.opts.coinbaseOutputMaxAdditionalSize ?? 100,
          coinbase_output_max_additional_sigops: this.opts.coinbaseOutputMaxAdditionalSigops ?? 4,
        });
        tipDue = conn.deadline(step, 'template and tip after CoinbaseOutputConstraints');
      });
      conn.on('message', (m) => {
        switch (m.key) {
          case 'NewTemplate': {
            // Keep our own copy: decoded byte fields are views into the frame.
            const t: Template = { ...m.fields, coinbase_prefix: m.fields.coinbase_prefix.slice(), coinbase_tx_outputs: m.fields.coinbase_tx_outputs.slice(), merkle_path: m.fields.merkle_path.map((p) => p.slice()) };
            this.templates.set(t.template_id, t);
            if (this.templates.size > 64) this.templates.delete(this.templates.keys().next().value!);
            if (!t.future_template && this.best) this.best = { template: t, prevhash: this.best.prevhash };
            this.emit('template', t);
            return;
          }
          case 'SetNewPrevHash.TemplateDistribution': {
            const p: TemplatePrevHash = { ...m.fields, prev_hash: m.fields.prev_hash.slice(), target: m.fields.target.slice() };
            const t = this.templates.get(p.template_id);
            if (t) this.best = { template: t, prevhash: p };
            this.emit('prevhash', p);
            tipDue?.();
            resolve();
            return;
          }
          case 'RequestTransactionData.Success':
            return this.answered(m.fields.template_id, null, m.fields.transaction_list.map((t) => t.slice()));
          case 'RequestTransactionData.Error':
            return this.answered(m.fields.template_id, new Error(`template provider: ${m.fields.error_code}`), null);
          default:
            return;
        }
      });
    });
    conn.on('close', (r) => {
      for (const id of [...this.asked.keys()]) this.answered(id, r ?? new Error('template provider closed the connection'), null);
    });
    await ready;
  }

  private answered(id: bigint, error: Error | null, txs: Uint8Array[] | null): void {
    const waiting = this.asked.get(id);
    if (!waiting) return;
    this.asked.delete(id);
    if (error) waiting.reject(error);
    else waiting.resolve(txs!);
  }

  /** A chain of Template Providers is not served: the transactions stay with the one we ask. */
  transactions(): Uint8Array[] | null {
    return null;
  }

  /** Asks the Template Provider for a template's transactions (RequestTransactionData). */
  requestTransactionData(templateId: bigint, timeoutMs = DEFAULT_STEP_DEADLINE_MS): Promise<Uint8Array[]> {
    const conn = this.conn;
    if (!conn || conn.isClosed) return Promise.reject(new Error('not connected to the template provider'));
    if (this.asked.has(templateId)) return Promise.reject(new Error(`transactions of template ${templateId} already asked for`));
    return new Promise<Uint8Array[]>((resolve, reject) => {
      const timer = setTimeout(() => this.answered(templateId, new Error(`template provider: no answer to RequestTransactionData in ${timeoutMs} ms`), null), timeoutMs);
      const done = () => clearTimeout(timer);
      this.asked.set(templateId, { resolve: (t) => (done(), resolve(t)), reject: (e) => (done(), reject(e)) });
      conn.send(RequestTransactionData, { template_id: templateId });
    });
  }

  stop(): void {
    this.running = false;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.conn?.close();
  }

  async submitSolution(s: Solution): Promise<SolutionResult> {
    if (!this.conn || this.conn.isClosed) return { accepted: false, reason: 'not connected to the template provider' };
    let coinbase: Uint8Array;
    try {
      coinbase = coinbaseForBlock(s.coinbase_tx);
    } catch (e) {
      return { accepted: false, reason: `bad-coinbase: ${e instanceof Error ? e.message : String(e)}` };
    }
    // The TP passes the coinbase to the node as it is: it must carry its BIP141 witness.
    this.conn.send(SubmitSolution, { ...s, coinbase_tx: coinbase });
    // The protocol has no answer to SubmitSolution: the next SetNewPrevHash tells.
    return { accepted: 'submitted' };
  }
}
