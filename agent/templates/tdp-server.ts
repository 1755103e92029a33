// A Template Distribution Protocol server (what sv2-tp is to Bitcoin Core) in front of any
// TemplateSource, over Noise: SetupConnection (protocol 2) → CoinbaseOutputConstraints → the
// current template and prevhash, then every new one; SubmitSolution goes to the source.
import net from 'node:net';
import { acceptNoise } from '../net/noise-socket.js';
import type { FrameConnection } from '../net/frame-connection.js';
import { decodeFrame, messageFrame } from '../sv2/codec.js';
import {
  NewTemplate, Protocol, RequestTransactionDataError, RequestTransactionDataSuccess, SetNewPrevHashTemplate, SetupConnectionError, SetupConnectionSuccess,
} from '../sv2/messages/index.js';
import { Sv2Error } from '../sv2/errors.js';
import type { Template, TemplatePrevHash, TemplateSource } from './source.js';

export interface TdpServerOptions {
  host: string;
  port: number;
  authoritySecret: Uint8Array;
  source: TemplateSource;
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
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, this.opts.host, () => resolve());
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.close();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private send(c: FrameConnection, t: Template | null, p: TemplatePrevHash | null): void {
    if (t) {
      this.known.add(t.template_id);
      c.send(messageFrame(NewTemplate, t));
    }
    if (p) c.send(messageFrame(SetNewPrevHashTemplate, p));
  }

  private broadcast(t: Template | null, p: TemplatePrevHash | null): void {
    for (const c of this.clients) this.send(c, t, p);
  }

  private async accept(socket: net.Socket): Promise<void> {
    let conn: FrameConnection;
    try {
      conn = await acceptNoise(socket, { authoritySecret: this.opts.authoritySecret, maxPayload: 1 << 16 });
    } catch (e) {
      this.opts.log?.(`template client handshake failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    let setup = false;
    conn.on('close', () => this.clients.delete(conn));
    conn.on('frame', (f) => {
      try {
        const m = decodeFrame(f);
        if (m.key === null) return;
        if (!setup) {
          if (m.key !== 'SetupConnection') throw new Sv2Error('handshake', `expected SetupConnection, got ${m.def.name}`);
          if (m.fields.protocol !== Protocol.TemplateDistribution || m.fields.min_version > 2 || m.fields.max_version < 2) {
            conn.send(messageFrame(SetupConnectionError, { flags: 0, error_code: m.fields.protocol !== Protocol.TemplateDistribution ? 'unsupported-protocol' : 'protocol-version-mismatch' }));
            return conn.close(new Error('unsupported SetupConnection'));
          }
          setup = true;
          conn.send(messageFrame(SetupConnectionSuccess, { used_version: 2, flags: 0 }));
          return;
        }
        switch (m.key) {
          case 'CoinbaseOutputConstraints': {
            // Our templates reserve nothing the client could exceed: no transactions are selected.
            this.clients.add(conn);
            const cur = this.opts.source.current();
            // The newest template as future, and the tip naming it: after a refresh the tip was
            // announced with an older template this client never got (sv2-spec 07).
            if (cur) this.send(conn, { ...cur.template, future_template: true }, { ...cur.prevhash, template_id: cur.template.template_id });
            return;
          }
          case 'RequestTransactionData': {
            const id = m.fields.template_id;
            if (!this.known.has(id)) return void conn.send(messageFrame(RequestTransactionDataError, { template_id: id, error_code: 'template-id-not-found' }));
            return void conn.send(messageFrame(RequestTransactionDataSuccess, { template_id: id, excess_data: new Uint8Array(0), transaction_list: [] }));
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
      } catch (e) {
        conn.close(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }
}
