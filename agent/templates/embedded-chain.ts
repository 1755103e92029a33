// The default template source: an in-process regtest-style chain, no bitcoind. Blocks are checked
// like a node would for what they contain (header hash ≤ target, prevhash = tip, merkle root,
// BIP34 height, coinbase value ≤ subsidy), and the tip advances when one is found. The network
// target is configurable so a CPU or emulated miner finds blocks at a watchable pace. A simulated
// mempool gains a segwit transaction on every template refresh, so blocks carry transactions and a
// witness commitment (inputs are not checked against a UTXO set: there is none).
import { EventEmitter } from 'node:events';
import {
  bigIntToLe, bip34HeightPush, buildHeader, compactSize, concat, hashToHex, headerHash, meetsTarget, merklePathForFirst, merkleRoot, merkleRootFromPath,
  nbitsToTarget, parseTx, serializeTx, sha256d, stripWitness, TxParseError, u32le,
} from '../bitcoin/index.js';
import type { Solution, SolutionResult, Template, TemplatePrevHash, TemplateSource, TemplateSourceEvents } from './source.js';

export interface EmbeddedChainOptions {
  /** Compact network target (default 0x1f00ffff: about 65,536 hashes per block). */
  nbits?: number;
  /** A fresh (non-future) template this often, as a node's mempool would change (default 30 s). */
  templateIntervalMs?: number;
  /** Regtest halving interval (150) and the 50 BTC starting subsidy. */
  halvingInterval?: number;
  /** Add a synthetic segwit transaction to the mempool on each template refresh (default true). */
  simulateMempool?: boolean;
  now?: () => number;
}

// Regtest genesis block hash (Bitcoin Core chainparams), internal byte order.
const REGTEST_GENESIS = Uint8Array.from(Buffer.from('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206', 'hex').reverse());

export interface ChainBlock {
  height: number;
  hash: string;
  header: Uint8Array;
  /** The coinbase as mined (with its witness when the block commits to witnesses). */
  coinbase: Uint8Array;
  /** The other transactions, serialised with their witnesses. */
  transactions: Uint8Array[];
}

/** Witness commitment output script: OP_RETURN 0x24 aa21a9ed ‖ SHA256d(witness root ‖ reserved). */
export function witnessCommitmentScript(txs: readonly Uint8Array[]): Uint8Array {
  const root = merkleRoot([new Uint8Array(32), ...txs.map((t) => sha256d(t))]);
  return concat(Uint8Array.from([0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed]), sha256d(concat(root, new Uint8Array(32))));
}

/** A structurally valid segwit transaction: one input with a 2-item witness, one OP_TRUE output. */
function syntheticTx(seed: number): Uint8Array {
  const prevout = sha256d(u32le(seed));
  const sig = sha256d(u32le(seed ^ 0x5a5a5a5a));
  return concat(
    u32le(2), Uint8Array.of(0, 1), Uint8Array.of(1), prevout, u32le(0), Uint8Array.of(0), u32le(0xfffffffd),
    Uint8Array.of(1), new Uint8Array([0xe8, 0x03, 0, 0, 0, 0, 0, 0]), Uint8Array.of(1, 0x51),
    Uint8Array.of(2), compactSize(sig.length), sig, compactSize(33), Uint8Array.of(0x02, ...sig.subarray(0, 32)), u32le(0),
  );
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
  /** Transactions waiting for the next block (with witnesses). */
  mempool: Uint8Array[] = [];
  private txSeed = 1;
  /** The transactions each template was built with, by template id. */
  private readonly templateTxs = new Map<bigint, Uint8Array[]>();

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
    const txs = [...this.mempool];
    const commitment = txs.length ? witnessCommitmentScript(txs) : null;
    const fees = BigInt(txs.length) * 1000n; // synthetic: 1,000 sat each
    const t: Template = {
      template_id: this.nextTemplateId++,
      future_template: future,
      version: 0x20000000,
      coinbase_tx_version: 2,
      coinbase_prefix: bip34HeightPush(height),
      coinbase_tx_input_sequence: 0xffffffff,
      coinbase_tx_value_remaining: this.subsidy(height) + fees,
      coinbase_tx_outputs_count: commitment ? 1 : 0,
      coinbase_tx_outputs: commitment ? concat(new Uint8Array(8), compactSize(commitment.length), commitment) : new Uint8Array(0),
      coinbase_tx_locktime: 0,
      merkle_path: merklePathForFirst([new Uint8Array(32), ...txs.map((x) => sha256d(stripWitness(x)))]),
    };
    this.templates.set(t.template_id, t);
    this.templateTxs.set(t.template_id, txs);
    if (this.templateTxs.size > 64) this.templateTxs.delete(this.templateTxs.keys().next().value!);
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

  transactions(templateId: bigint): Uint8Array[] | null {
    return this.templateTxs.get(templateId)?.map((t) => t.slice()) ?? null;
  }

  async start(): Promise<void> {
    if (this.best) return;
    this.announceTip();
    const every = this.opts.templateIntervalMs ?? 30_000;
    this.timer = setInterval(() => {
      if (!this.best) return;
      if (this.opts.simulateMempool ?? true) this.mempool.push(syntheticTx(this.txSeed++));
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
    const txs = this.templateTxs.get(s.template_id) ?? [];
    // A block that commits to witnesses needs the coinbase's 32-byte reserved value (BIP141).
    let coinbase = s.coinbase_tx;
    if (txs.length) {
      if (!tx.hasWitness) tx.inputs[0]!.witness = [new Uint8Array(32)];
      const w = tx.inputs[0]!.witness;
      if (w.length !== 1 || w[0]!.length !== 32 || w[0]!.some((b) => b !== 0)) return { accepted: false, reason: 'bad-witness-nonce-size' };
      const c = witnessCommitmentScript(txs);
      if (!tx.outputs.some((o) => o.script.length === c.length && o.script.every((b, i) => b === c[i]))) return { accepted: false, reason: 'bad-witness-merkle-match' };
      coinbase = serializeTx(tx, true);
    }
    const txid = sha256d(stripWitness(coinbase));
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
    const block: ChainBlock = { height: this.height, hash: hashToHex(hash), header, coinbase: coinbase.slice(), transactions: txs };
    const mined = new Set(txs);
    this.mempool = this.mempool.filter((t) => !mined.has(t));
    this.blocks.push(block);
    if (this.blocks.length > 1000) this.blocks.shift();
    this.templates.clear();
    this.templateTxs.clear();
    this.announceTip();
    return { accepted: true, height: block.height, hash: block.hash };
  }
}
