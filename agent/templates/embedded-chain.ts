// The default template source: an in-process regtest-style chain, no bitcoind. Blocks are checked
// like a node would for what they contain (header hash ≤ target, prevhash = tip, merkle root,
// BIP34 height, coinbase value ≤ subsidy), and the tip advances when one is found. The network
// target is configurable so a CPU or emulated miner finds blocks at a watchable pace. Blocks carry
// no other transactions (no mempool), so no witness commitment is needed.
import { EventEmitter } from 'node:events';
import {
  bigIntToLe, bip34HeightPush, buildHeader, hashToHex, headerHash, meetsTarget, merkleRootFromPath, nbitsToTarget, parseTx, sha256d, TxParseError,
} from '../bitcoin/index.js';
import type { Solution, SolutionResult, Template, TemplatePrevHash, TemplateSource, TemplateSourceEvents } from './source.js';

export interface EmbeddedChainOptions {
  /** Compact network target (default 0x1f00ffff: about 65,536 hashes per block). */
  nbits?: number;
  /** A fresh (non-future) template this often, as a node's mempool would change (default 30 s). */
  templateIntervalMs?: number;
  /** Regtest halving interval (150) and the 50 BTC starting subsidy. */
  halvingInterval?: number;
  now?: () => number;
}

// Regtest genesis block hash (Bitcoin Core chainparams), internal byte order.
const REGTEST_GENESIS = Uint8Array.from(Buffer.from('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206', 'hex').reverse());

export interface ChainBlock {
  height: number;
  hash: string;
  header: Uint8Array;
  coinbase: Uint8Array;
}

export class EmbeddedChain extends EventEmitter<TemplateSourceEvents> implements TemplateSource {
  readonly nbits: number;
  readonly target: bigint;
  private tipHash: Uint8Array = REGTEST_GENESIS;
  private tipTime = 1296688602; // regtest genesis time
  height = 0;
  readonly blocks: ChainBlock[] = [];
  private nextTemplateId = 1n;
  private templates = new Map<bigint, Template>();
  private best: { template: Template; prevhash: TemplatePrevHash } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: EmbeddedChainOptions = {}) {
    super();
    this.nbits = opts.nbits ?? 0x1f00ffff;
    const t = nbitsToTarget(this.nbits);
    if (t === null || t === 0n) throw new RangeError(`nbits 0x${this.nbits.toString(16)} is not a valid target`);
    this.target = t;
  }

  private now(): number {
    return Math.floor((this.opts.now ?? Date.now)() / 1000);
  }

  subsidy(height: number): bigint {
    const halvings = Math.floor(height / (this.opts.halvingInterval ?? 150));
    return halvings >= 64 ? 0n : 5_000_000_000n >> BigInt(halvings);
  }

  private makeTemplate(future: boolean): Template {
    const height = this.height + 1;
    const t: Template = {
      template_id: this.nextTemplateId++,
      future_template: future,
      version: 0x20000000,
      coinbase_tx_version: 2,
      coinbase_prefix: bip34HeightPush(height),
      coinbase_tx_input_sequence: 0xffffffff,
      coinbase_tx_value_remaining: this.subsidy(height),
      coinbase_tx_outputs_count: 0,
      coinbase_tx_outputs: new Uint8Array(0),
      coinbase_tx_locktime: 0,
      merkle_path: [],
    };
    this.templates.set(t.template_id, t);
    // Keep a bounded history: solutions for recent templates of this tip only.
    if (this.templates.size > 64) this.templates.delete(this.templates.keys().next().value!);
    return t;
  }

  private announceTip(): void {
    const template = this.makeTemplate(true);
    this.emit('template', template);
    const prevhash: TemplatePrevHash = {
      template_id: template.template_id,
      prev_hash: this.tipHash,
      header_timestamp: Math.max(this.now(), this.tipTime + 1),
      n_bits: this.nbits,
      target: bigIntToLe(this.target),
    };
    this.best = { template, prevhash };
    this.emit('prevhash', prevhash);
  }

  current() {
    return this.best;
  }

  async start(): Promise<void> {
    if (this.best) return;
    this.announceTip();
    const every = this.opts.templateIntervalMs ?? 30_000;
    this.timer = setInterval(() => {
      if (!this.best) return;
      const template = this.makeTemplate(false);
      this.best = { template, prevhash: this.best.prevhash };
      this.emit('template', template);
    }, every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async submitSolution(s: Solution): Promise<SolutionResult> {
    const template = this.templates.get(s.template_id);
    if (!template || !this.best) return { accepted: false, reason: 'template-id-not-found' };
    let tx;
    try {
      tx = parseTx(s.coinbase_tx);
    } catch (e) {
      return { accepted: false, reason: e instanceof TxParseError ? `bad-coinbase: ${e.message}` : 'bad-coinbase' };
    }
    const input = tx.inputs[0];
    if (tx.inputs.length !== 1 || !input || input.index !== 0xffffffff || input.prevout.some((b) => b !== 0)) {
      return { accepted: false, reason: 'bad-coinbase: not a coinbase input' };
    }
    const prefix = template.coinbase_prefix;
    if (input.scriptSig.length < prefix.length || prefix.some((b, i) => input.scriptSig[i] !== b)) {
      return { accepted: false, reason: 'bad-cb-height (BIP34)' };
    }
    const value = tx.outputs.reduce((n, o) => n + o.value, 0n);
    if (value > template.coinbase_tx_value_remaining) return { accepted: false, reason: 'bad-cb-amount' };
    // No witness data exists in these blocks, so the txid is the hash of what was sent.
    const txid = sha256d(s.coinbase_tx);
    const header = buildHeader({
      version: s.version,
      prevHash: this.best.prevhash.prev_hash,
      merkleRoot: merkleRootFromPath(txid, template.merkle_path),
      ntime: s.header_timestamp,
      nbits: this.nbits,
      nonce: s.header_nonce,
    });
    const hash = headerHash(header);
    if (!meetsTarget(hash, bigIntToLe(this.target))) return { accepted: false, reason: 'high-hash' };
    if (s.header_timestamp <= this.tipTime - 3600) return { accepted: false, reason: 'time-too-old' };
    this.height++;
    this.tipHash = hash;
    this.tipTime = Math.max(s.header_timestamp, this.tipTime);
    const block: ChainBlock = { height: this.height, hash: hashToHex(hash), header, coinbase: s.coinbase_tx.slice() };
    this.blocks.push(block);
    if (this.blocks.length > 1000) this.blocks.shift();
    this.templates.clear();
    this.announceTip();
    return { accepted: true, height: block.height, hash: block.hash };
  }
}
