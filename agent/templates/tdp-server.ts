// A Template Distribution Protocol server (what sv2-tp is to Bitcoin Core) in front of any
// TemplateSource, over Noise: SetupConnection (protocol 2) → CoinbaseOutputConstraints → the
// current template and prevhash, then every new one; SubmitSolution goes to the source.
import net from 'node:net';
import { acceptNoise } from '../net/noise-socket.js';
import type { FrameConnection } from '../net/frame-connection.js';
import { DEFAULT_STEP_DEADLINE_MS, MessageConnection, type SetupRequest } from '../net/message-connection.js';
import { FailureSummary, limitPerAddress } from '../net/peer-limits.js';
import { messageFrame } from '../sv2/codec.js';
import { NewTemplate, Protocol, RequestTransactionDataError, RequestTransactionDataSuccess, SetNewPrevHashTemplate } from '../sv2/messages/index.js';
import { Sv2Error } from '../sv2/errors.js';
import type { Template, TemplatePrevHash, TemplateSource } from './source.js';

export interface TdpServerOptions {
  host: string;
  port: number;
  authoritySecret: Uint8Array;
  /** Lifetime of each connection certificate (default 3600 s; valid_from is backdated by the responder). */
  certValiditySeconds?: number;
  source: TemplateSource;
  /** Time a client has for the Noise handshake, then for SetupConnection (default 10 s each). */
  handshakeTimeoutMs?: number;
  /**
   * The most coinbase output bytes and sigops a client may ask the templates to leave room for
   * (CoinbaseOutputConstraints); a client asking for more is refused (defaults 100,000 and 400:
   * a pool's payout outputs, far below a block's 4 MWU).
   */
  maxCoinbaseOutputSize?: number;
  maxCoinbaseOutputSigops?: number;
  /** Open connections from one address (default 16). */
  maxConnectionsPerAddress?: number;
  log?: (l: string) => void;
}

export class TdpServer {
  private server: net.Server | null = null;
  private readonly clients = new Set<FrameConnection>();
  private readonly known = new Set<bigint>();

  constructor(private readonly opts: TdpServerOptions) {
    opts.source.on('template', (t) => this.broadcast(t, null));
    opts.source.on('prevhash', (p) => this.broadcast(null, p));
  }

  async start(): Promise<number> {
    await this.opts.source.start();
    this.server = net.createServer((s) => void this.accept(s));
    const cap = this.opts.maxConnectionsPerAddress ?? 16;
    limitPerAddress(this.server, cap, (a) => this.failures.note(`${a}: more than ${cap} connections from one address`));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, this.opts.host, () => resolve());
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.close();
    this.failures.stop();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private send(c: FrameConnection, t: Template | null, p: TemplatePrevHash | null): void {
    if (t) {
      this.known.add(t.template_id);
      if (this.known.size > 1024) this.known.delete(this.known.values().next().value!);
      c.send(messageFrame(NewTemplate, t));
    }
    if (p) c.send(messageFrame(SetNewPrevHashTemplate, p));
  }

  private broadcast(t: Template | null, p: TemplatePrevHash | null): void {
    for (const c of this.clients) this.send(c, t, p);
  }

  private readonly failures = new FailureSummary('template clients refused', (l) => this.opts.log?.(l));

  private async accept(socket: net.Socket): Promise<void> {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const deadline = this.opts.handshakeTimeoutMs ?? DEFAULT_STEP_DEADLINE_MS;
    let conn: FrameConnection;
    try {
      conn = await acceptNoise(socket, { authoritySecret: this.opts.authoritySecret, ...(this.opts.certValiditySeconds !== undefined ? { certValiditySeconds: this.opts.certValiditySeconds } : {}), maxPayload: 1 << 16, timeoutMs: deadline });
    } catch (e) {
      this.failures.note(`${remote}: handshake failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const mc = MessageConnection.server(conn, (f: SetupRequest) => {
      if (f.protocol !== Protocol.TemplateDistribution) return { error: 'unsupported-protocol' };
      if (f.min_version > 2 || f.max_version < 2) return { error: 'protocol-version-mismatch' };
      return { flags: 0 };
    }, deadline);
    // The client owes CoinbaseOutputConstraints right after the set-up (sv2-spec 07).
    let constraintsDue: (() => void) | null = null;
    mc.on('ready', () => (constraintsDue = mc.deadline(deadline, 'CoinbaseOutputConstraints')));
    mc.on('close', (why) => {
      this.clients.delete(conn);
      if (why) this.failures.note(`${remote}: ${why.message}`);
    });
    mc.on('message', (m) => {
      switch (m.key) {
        case 'CoinbaseOutputConstraints': {
          constraintsDue?.();
          const size = m.fields.coinbase_output_max_additional_size;
          const sigops = m.fields.coinbase_output_max_additional_sigops;
          const maxSize = this.opts.maxCoinbaseOutputSize ?? 100_000;
          const maxSigops = this.opts.maxCoinbaseOutputSigops ?? 400;
          if (size > maxSize || sigops > maxSigops) {
            // The spec has no error message for it: the templates could not leave that much room.
            throw new Sv2Error('handshake', `CoinbaseOutputConstraints ${size} bytes / ${sigops} sigops above this provider's ${maxSize} / ${maxSigops}`);
          }
          this.clients.add(conn);
          const cur = this.opts.source.current();
          // The newest template as future, and the tip naming it: after a refresh the tip was
          // announced with an older template this client never got (sv2-spec 07).
          if (cur) this.send(conn, { ...cur.template, future_template: true }, { ...cur.prevhash, template_id: cur.template.template_id });
          return;
        }
        case 'RequestTransactionData': {
          // Answered from the source's own transactions (with witnesses, as the node holds them);
          // a template we sent whose tip has passed is stale, one we never sent is unknown.
          const id = m.fields.template_id;
          if (!this.known.has(id)) return void mc.send(RequestTransactionDataError, { template_id: id, error_code: 'template-id-not-found' });
          const txs = this.opts.source.transactions(id);
          if (!txs) return void mc.send(RequestTransactionDataError, { template_id: id, error_code: 'stale-template-id' });
          return void mc.send(RequestTransactionDataSuccess, { template_id: id, excess_data: new Uint8Array(0), transaction_list: txs });
        }
        case 'SubmitSolution':
          this.opts.source.submitSolution(m.fields).then(
            (r) => this.opts.log?.(r.accepted === true ? `solution accepted: block ${r.height} ${r.hash}` : `solution: ${r.accepted === false ? r.reason : 'forwarded'}`),
            (e: unknown) => this.opts.log?.(`solution failed: ${e instanceof Error ? e.message : String(e)}`),
          );
          return;
        default:
          throw new Sv2Error('handshake', `unexpected ${m.def.name} from a template client`);
      }
    });
  }
}
