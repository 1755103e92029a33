// An emulated bitcoind speaking Bitcoin Core's JSON-RPC over HTTP (Basic auth, getblocktemplate
// with segwit rules and long polling, submitblock with Core's rejection strings). Its mempool holds
// one real signed segwit transaction (BIP143's native P2WPKH example), so templates carry a witness
// commitment and submitted blocks are checked for it. Inputs are not checked against a UTXO set.
// Blocks are parsed and checked (proof of work, merkle root, witness commitment, BIP34 height) with
// bitcoinjs-lib, not with agent/bitcoin, which the pool builds its blocks with.
import http from 'node:http';
import { Block, Transaction, script } from 'bitcoinjs-lib';

export const SEGWIT_TX =
  '01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeeb635711000000';

/** Display order (reversed), as RPC shows hashes. */
const display = (b: Uint8Array) => Buffer.from(b).reverse().toString('hex');
const WITNESS_COMMITMENT_HEADER = [0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed];
/** The 256-bit target of a compact nbits, as 32 big-endian bytes (bitcoinjs-lib). */
const targetOf = (nbits: number) => Buffer.from(Block.calculateTarget(nbits)).toString('hex');

export class BitcoindEmulator {
  height = 100;
  tip: Uint8Array = new Uint8Array(32).fill(0x11);
  /** Compact network target (regtest's easiest by default; a pool that must never see a block candidate gets a hard one). */
  readonly nbits: number;
  mempool: Uint8Array[] = [Uint8Array.from(Buffer.from(SEGWIT_TX, 'hex'))];
  readonly rejections: string[] = [];
  private server: http.Server | null = null;
  private waiters: (() => void)[] = [];

  constructor(
    readonly user = 'rpcuser',
    readonly password = 'rpcpass',
    opts: { nbits?: number } = {},
  ) {
    this.nbits = opts.nbits ?? 0x207fffff;
  }

  /** Network difficulty as Core reports it (difficulty 1 = compact 0x1d00ffff). */
  get difficulty(): number {
    const target = (n: number) => BigInt(n & 0xffffff) << BigInt(8 * ((n >>> 24) - 3));
    return Number((target(0x1d00ffff) * 1_000_000n) / target(this.nbits)) / 1_000_000;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  stop(): void {
    this.waiters.splice(0).forEach((w) => w());
    this.server?.closeAllConnections();
    this.server?.close();
  }

  private commitmentScript(): Uint8Array | null {
    if (this.mempool.length === 0) return null;
    // BIP141: the coinbase counts as a zero wtxid; a coinbase with the all-zero reserved value stands in.
    const coinbase = new Transaction();
    coinbase.addInput(new Uint8Array(32), 0xffffffff);
    coinbase.ins[0]!.witness = [new Uint8Array(32)];
    const commitment = Block.calculateMerkleRoot([coinbase, ...this.mempool.map((t) => Transaction.fromBuffer(t))], true);
    return Uint8Array.from([...WITNESS_COMMITMENT_HEADER, ...commitment]);
  }

  private template() {
    const c = this.commitmentScript();
    return {
      version: 0x20000000,
      rules: ['csv', '!segwit', 'taproot'],
      previousblockhash: display(this.tip),
      transactions: this.mempool.map((t) => {
        const tx = Transaction.fromBuffer(t);
        return { data: Buffer.from(t).toString('hex'), txid: tx.getId(), hash: display(tx.getHash(true)), fee: 0, weight: tx.weight() };
      }),
      coinbasevalue: 5_000_000_000,
      longpollid: display(this.tip) + String(this.height),
      target: targetOf(this.nbits),
      curtime: Math.floor(Date.now() / 1000),
      bits: this.nbits.toString(16),
      height: this.height + 1,
      ...(c ? { default_witness_commitment: Buffer.from(c).toString('hex') } : {}),
    };
  }

  private submit(hex: string): string | null {
    let block: Block;
    try {
      block = Block.fromHex(hex);
    } catch {
      return 'bad-blk-length';
    }
    if (Buffer.compare(block.prevHash!, this.tip) !== 0) return 'inconclusive-not-best-prevblk';
    if (block.bits !== this.nbits || !block.checkProofOfWork()) return 'high-hash';
    const txs = block.transactions ?? [];
    const cb = txs[0];
    if (!cb || !cb.isCoinbase()) return 'bad-cb-missing';
    const expected = this.mempool.map((t) => Transaction.fromBuffer(t).getId());
    if (txs.length !== expected.length + 1 || txs.slice(1).some((t, i) => t.getId() !== expected[i])) return 'bad-txns-inputs-missingorspent';
    if (Buffer.compare(Block.calculateMerkleRoot(txs), block.merkleRoot!) !== 0) return 'bad-txnmrklroot';
    // BIP34: the coinbase's script starts with the height as a minimal push.
    const height = script.number.encode(this.height + 1);
    if (Buffer.compare(cb.ins[0]!.script.subarray(0, height.length + 1), Uint8Array.from([height.length, ...height])) !== 0) return 'bad-cb-height';
    if (this.mempool.length > 0) {
      const w = cb.ins[0]!.witness;
      if (w.length !== 1 || w[0]!.length !== 32) return 'bad-witness-nonce-size';
      if (!block.hasWitnessCommit() || !block.checkTxRoots()) return 'bad-witness-merkle-match';
      // The commitment is the template's (default_witness_commitment), as Core's would be.
      if (!cb.outs.some((o) => Buffer.compare(o.script, this.commitmentScript()!) === 0)) return 'bad-witness-merkle-match';
    }
    if (cb.outs.reduce((n, o) => n + BigInt(o.value), 0n) > 5_000_000_000n) return 'bad-cb-amount';
    this.tip = block.getHash();
    this.height++;
    this.mempool = [];
    this.waiters.splice(0).forEach((w) => w());
    return null;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const auth = 'Basic ' + Buffer.from(`${this.user}:${this.password}`).toString('base64');
    if (req.headers.authorization !== auth) {
      res.writeHead(401).end();
      return;
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    const request = JSON.parse(body) as Call | Call[];
    // A JSON-RPC batch (an array) gets an array of answers, as Core's HTTP server gives.
    const answers = Array.isArray(request) ? await Promise.all(request.map((c) => this.call(c))) : await this.call(request);
    const failed = !Array.isArray(answers) && answers.error !== null;
    res.writeHead(failed ? 500 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(answers));
  }

  private async call({ id, method, params = [] }: Call): Promise<{ result: unknown; error: { code: number; message: string } | null; id: unknown }> {
    const reply = (result: unknown, error: { code: number; message: string } | null = null) => ({ result, error, id });
    if (method === 'getblocktemplate') {
      const p = (params[0] ?? {}) as { rules?: string[]; longpollid?: string };
      if (!p.rules?.includes('segwit')) return reply(null, { code: -8, message: 'getblocktemplate must be called with the segwit rule set (call with {"rules": ["segwit"]})' });
      if (p.longpollid && p.longpollid === this.template().longpollid) {
        // Long poll: answer when the tip changes (or after a while with the same template).
        await new Promise<void>((r) => {
          this.waiters.push(r);
          setTimeout(r, 2000).unref();
        });
      }
      return reply(this.template());
    }
    if (method === 'submitblock') {
      // Core answers a call without the block with its usage text and code -1 (RPC_MISC_ERROR).
      if (params.length === 0) return reply(null, { code: -1, message: 'submitblock "hexdata" ( "dummy" )' });
      const r = this.submit(String(params[0]));
      if (r) this.rejections.push(r);
      return reply(r);
    }
    // What pool software asks at start-up (NOMP-style pools: address check, chain, difficulty), in
    // the shapes Bitcoin Core's RPC documents for them.
    if (method === 'validateaddress') return reply({ isvalid: true, address: String(params[0]), scriptPubKey: '51', isscript: false, iswitness: false });
    if (method === 'getdifficulty') return reply(this.difficulty);
    if (method === 'getblockchaininfo') return reply({ chain: 'regtest', blocks: this.height, headers: this.height, bestblockhash: display(this.tip), difficulty: this.difficulty, initialblockdownload: false });
    if (method === 'getnetworkinfo') return reply({ version: 270000, subversion: '/Satoshi:27.0.0/', protocolversion: 70016, connections: 0 });
    if (method === 'getmininginfo') return reply({ blocks: this.height, difficulty: this.difficulty, networkhashps: 0, chain: 'regtest' });
    if (method === 'getpeerinfo') return reply([]);
    return reply(null, { code: -32601, message: 'Method not found' });
  }
}

interface Call {
  id: unknown;
  method: string;
  params?: unknown[];
}
