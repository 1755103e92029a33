// A template source on Bitcoin Core's JSON-RPC: getblocktemplate (segwit rules, long polling)
// for templates, submitblock for solutions. Blocks carry the node's transactions; the coinbase
// gets the witness commitment output and, when a commitment exists, its 32-byte reserved witness.
import { EventEmitter } from 'node:events';
import {
  bip34HeightPush, buildHeader, coinbaseForBlock, compactSize, concat, hashToHex, merklePathForFirst, merkleRootFromPath, sha256d, stripWitness,
} from '../bitcoin/index.js';
import type { Solution, SolutionResult, Template, TemplatePrevHash, TemplateSource, TemplateSourceEvents } from './source.js';

export interface BitcoindRpcOptions {
  /** http://host:port */
  url: string;
  user: string;
  password: string;
  /** Re-ask this often when long polling is unavailable or fails (ms). */
  pollIntervalMs?: number;
}

interface GbtTx {
  data: string;
  txid: string;
  hash: string;
}
interface Gbt {
  version: number;
  previousblockhash: string;
  transactions: GbtTx[];
  coinbasevalue: number;
  target: string;
  curtime: number;
  bits: string;
  height: number;
  longpollid?: string;
  default_witness_commitment?: string;
}

export class RpcError extends Error {
  override readonly name = 'RpcError';
}

const fromDisplayHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex').reverse());

export class BitcoindRpc extends EventEmitter<TemplateSourceEvents> implements TemplateSource {
  private best: { template: Template; prevhash: TemplatePrevHash } | null = null;
  private readonly gbts = new Map<bigint, Gbt>();
  private readonly paths = new Map<bigint, Uint8Array[]>();
  private nextId = 1n;
  private running = false;
  private lastPrev = '';
  private id = 0;

  constructor(private readonly opts: BitcoindRpcOptions) {
    super();
  }

  async call<T>(method: string, params: unknown[], signal?: AbortSignal): Promise<T> {
    const res = await fetch(this.opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${this.opts.user}:${this.opts.password}`).toString('base64') },
      body: JSON.stringify({ jsonrpc: '1.0', id: ++this.id, method, params }),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    if (res.status === 401) throw new RpcError(`${method}: bitcoind refused the RPC credentials (401)`);
    let body: { result: T; error: { code: number; message: string } | null };
    try {
      body = JSON.parse(text);
    } catch {
      throw new RpcError(`${method}: HTTP ${res.status}, not JSON-RPC: ${text.slice(0, 80)}`);
    }
    if (body.error) throw new RpcError(`${method}: ${body.error.message} (code ${body.error.code})`);
    return body.result;
  }

  current() {
    return this.best;
  }

  transactions(templateId: bigint): Uint8Array[] | null {
    // getblocktemplate's `data` is the transaction as the node serialises it, witness included.
    return this.gbts.get(templateId)?.transactions.map((t) => Uint8Array.from(Buffer.from(t.data, 'hex'))) ?? null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.accept(await this.call<Gbt>('getblocktemplate', [{ rules: ['segwit'] }]));
    void this.poll();
  }

  stop(): void {
    this.running = false;
  }

  private async poll(): Promise<void> {
    while (this.running) {
      try {
        const lp = this.gbtOfBest()?.longpollid;
        const gbt = await this.call<Gbt>('getblocktemplate', [{ rules: ['segwit'], ...(lp ? { longpollid: lp } : {}) }]);
        if (!this.running) return;
        this.accept(gbt);
        if (!lp) await new Promise((r) => setTimeout(r, this.opts.pollIntervalMs ?? 5000));
      } catch {
        await new Promise((r) => setTimeout(r, this.opts.pollIntervalMs ?? 5000));
      }
    }
  }

  private gbtOfBest(): Gbt | undefined {
    return this.best ? this.gbts.get(this.best.template.template_id) : undefined;
  }

  /** Turns a getblocktemplate result into a Template (future on a new tip) and, on a new tip, a prevhash. */
  private accept(g: Gbt): void {
    const newTip = g.previousblockhash !== this.lastPrev;
    const outputs = g.default_witness_commitment ? Buffer.from(g.default_witness_commitment, 'hex') : null;
    const template: Template = {
      template_id: this.nextId++,
      future_template: newTip,
      version: g.version,
      coinbase_tx_version: 2,
      coinbase_prefix: bip34HeightPush(g.height),
      coinbase_tx_input_sequence: 0xffffffff,
      coinbase_tx_value_remaining: BigInt(g.coinbasevalue),
      coinbase_tx_outputs_count: outputs ? 1 : 0,
      // The commitment output: value 0, then the script (NewTemplate outputs have no count prefix).
      coinbase_tx_outputs: outputs ? concat(new Uint8Array(8), compactSize(outputs.length), outputs) : new Uint8Array(0),
      coinbase_tx_locktime: 0,
      merkle_path: merklePathForFirst([new Uint8Array(32), ...g.transactions.map((t) => fromDisplayHex(t.txid))]),
    };
    this.gbts.set(template.template_id, g);
    this.paths.set(template.template_id, template.merkle_path);
    if (this.gbts.size > 64) {
      const oldest = this.gbts.keys().next().value!;
      this.gbts.delete(oldest);
      this.paths.delete(oldest);
    }
    this.emit('template', template);
    if (newTip) {
      this.lastPrev = g.previousblockhash;
      const prevhash: TemplatePrevHash = {
        template_id: template.template_id,
        prev_hash: fromDisplayHex(g.previousblockhash),
        header_timestamp: g.curtime,
        n_bits: parseInt(g.bits, 16),
        target: fromDisplayHex(g.target),
      };
      this.best = { template, prevhash };
      this.emit('prevhash', prevhash);
    } else if (this.best) {
      this.best = { template, prevhash: this.best.prevhash };
    }
  }

  async submitSolution(s: Solution): Promise<SolutionResult> {
    const g = this.gbts.get(s.template_id);
    if (!g) return { accepted: false, reason: 'template-id-not-found' };
    let coinbase: Uint8Array;
    try {
      coinbase = coinbaseForBlock(s.coinbase_tx);
    } catch (e) {
      return { accepted: false, reason: `bad-coinbase: ${e instanceof Error ? e.message : String(e)}` };
    }
    // The template carried this block's merkle path; the solution names that template.
    const root = merkleRootFromPath(sha256d(stripWitness(coinbase)), this.paths.get(s.template_id)!);
    const header = buildHeader({ version: s.version, prevHash: fromDisplayHex(g.previousblockhash), merkleRoot: root, ntime: s.header_timestamp, nbits: parseInt(g.bits, 16), nonce: s.header_nonce });
    const block = concat(header, compactSize(1 + g.transactions.length), coinbase, ...g.transactions.map((t) => Buffer.from(t.data, 'hex')));
    try {
      const r = await this.call<string | null>('submitblock', [Buffer.from(block).toString('hex')]);
      if (r !== null) return { accepted: false, reason: r };
      return { accepted: true, height: g.height, hash: hashToHex(sha256d(header)) };
    } catch (e) {
      return { accepted: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }
}
