// The cgminer-compatible API on TCP (4028 by default) that farm tools poll: one request per
// connection, the reply, then the server closes (as cgminer does). Hostile or broken clients get
// a typed error or a closed socket: requests are capped in size, silent clients are dropped,
// connections are capped in number, and nothing a client sends can throw out of here.
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { VERSION } from '../version.js';
import { Code, fail, parseRequest, render, renderJoined, requestEnd, type Envelope, type Reply } from './cgminer-protocol.js';
import { runCommand, type CommandContext } from './cgminer-commands.js';
import type { CgminerSource } from './cgminer-source.js';
import { PerAddressCap } from '../net/peer-limits.js';

export type { CgminerSource } from './cgminer-source.js';

export interface CgminerApiOptions {
  host: string;
  /** 0: any free port (see `address`). */
  port: number;
  /** Lifts the read-only default (the agent still implements no write command; see refuseWrite). */
  writable?: boolean;
  /** Requests longer than this are answered with an error (api.c reads at most 4 KiB). */
  maxRequestBytes?: number;
  /** The whole request must arrive within this of connecting, and the reply be read within this
   * after it is sent; otherwise the connection is dropped (a partial request gets its error first). */
  idleMs?: number;
  /** Connections served at once; one more is answered with an error and closed. */
  maxConnections?: number;
  /** Connections served at once for one client address (default 4): a few idle sockets from one
   * host cannot take every slot from the farm tool on another; one more gets the same error. */
  maxConnectionsPerAddress?: number;
  /** Plain text has no terminator: a text request is complete after this quiet gap, or at a newline, NUL or EOF. */
  textGapMs?: number;
  /** At most this many distinct commands in one `a+b+…` request. */
  maxJoined?: number;
  log?: (line: string) => void;
}

export class CgminerApi {
  /** Connections being served (what maxConnections counts), and every open one (what close ends). */
  private readonly sockets = new Set<net.Socket>();
  private readonly open = new Set<net.Socket>();
  private readonly ctx: CommandContext;
  private readonly o: Required<Omit<CgminerApiOptions, 'log'>> & Pick<CgminerApiOptions, 'log'>;
  private readonly perAddress: PerAddressCap;

  private constructor(
    src: CgminerSource,
    private readonly server: net.Server,
    o: CgminerApiOptions,
  ) {
    this.o = { writable: false, maxRequestBytes: 8192, idleMs: 5000, maxConnections: 16, maxConnectionsPerAddress: 4, textGapMs: 150, maxJoined: 32, ...o };
    this.perAddress = new PerAddressCap(this.o.maxConnectionsPerAddress);
    this.ctx = { src, writable: this.o.writable };
  }

  static async listen(src: CgminerSource, o: CgminerApiOptions): Promise<CgminerApi> {
    const server = net.createServer();
    const api = new CgminerApi(src, server, o);
    server.on('connection', (s) => api.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => api.o.log?.(`cgminer API: ${e.message}`));
    const a = api.address;
    o.log?.(`cgminer API: ${a.host}:${a.port}${api.o.writable ? ' (writable: no write command is implemented)' : ' (read-only)'}`);
    return api;
  }

  get address(): { host: string; port: number } {
    const a = this.server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  get connections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.open) s.destroy();
    await closed;
  }

  private envelope(): Envelope {
    return { when: Math.floor(Date.now() / 1000), description: `hashagent ${VERSION}` };
  }

  private accept(sock: net.Socket): void {
    sock.on('error', () => undefined);
    this.open.add(sock);
    sock.once('close', () => this.open.delete(sock));
    const full = this.sockets.size >= this.o.maxConnections ? `at most ${this.o.maxConnections}` : !this.perAddress.admit(sock) ? `at most ${this.o.maxConnectionsPerAddress} from one address` : null;
    if (full) {
      sock.setTimeout(this.o.idleMs, () => sock.destroy());
      // Read (and drop) what it sends, or its EOF is never seen and the socket lingers.
      sock.resume();
      sock.end(render(fail(Code.TOO_MANY_CONNECTIONS, `Too many connections (${full})`), true, this.envelope()));
      return;
    }
    this.sockets.add(sock);
    sock.once('close', () => this.sockets.delete(sock));

    const decoder = new StringDecoder('utf8');
    let text = '';
    let bytes = 0;
    let answered = false;
    let gap: NodeJS.Timeout | null = null;
    // The whole request must arrive within idleMs (a slow drip cannot hold a slot), and the reply
    // must be read within idleMs after it (a client that never reads cannot either).
    let deadline = setTimeout(() => (text.trim() !== '' ? serve(text) : sock.destroy()), this.o.idleMs);
    sock.once('close', () => {
      clearTimeout(deadline);
      if (gap) clearTimeout(gap);
    });
    const answer = (reply: Buffer) => {
      if (answered) return;
      answered = true;
      if (gap) clearTimeout(gap);
      clearTimeout(deadline);
      deadline = setTimeout(() => sock.destroy(), this.o.idleMs);
      sock.end(reply);
    };
    const isJson = () => text.trimStart().startsWith('{');
    const serve = (request: string) => answer(this.respond(request));

    sock.on('data', (chunk: Buffer) => {
      if (answered) return;
      bytes += chunk.length;
      if (bytes > this.o.maxRequestBytes) {
        // Reply in the form the request began in (JSON unless it began as text).
        const head = (text + chunk.subarray(0, 64).toString('latin1')).trimStart();
        return answer(render(fail(Code.REQUEST_TOO_LARGE, `Request too large (over ${this.o.maxRequestBytes} bytes)`), head === '' || head.startsWith('{'), this.envelope()));
      }
      text += decoder.write(chunk);
      const end = requestEnd(text);
      if (end !== null) return serve(text.slice(0, end));
      if (!isJson() && text.trim() !== '') {
        if (gap) clearTimeout(gap);
        gap = setTimeout(() => serve(text), this.o.textGapMs);
      }
    });
    sock.on('end', () => {
      if (!answered && text.trim() !== '') serve(text + decoder.end());
      else if (!answered) answer(Buffer.alloc(0));
    });
  }

  /** The reply bytes for one complete request. */
  private respond(request: string): Buffer {
    const env = this.envelope();
    const req = parseRequest(request);
    if (req.kind === 'invalid') return render(req.reply, req.json, env);
    try {
      if (!req.command.includes('+')) return render(runCommand(this.ctx, req.command, req.parameter, false), req.json, env);
      // api.c: empty names are skipped, a repeated one answered once, parameters ignored.
      const names = [...new Set(req.command.split('+').filter((n) => n !== ''))].slice(0, this.o.maxJoined);
      if (!names.length) return render(fail(Code.INVALID_COMMAND, 'Invalid command'), req.json, env);
      return renderJoined(names.map((command) => ({ command, reply: runCommand(this.ctx, command, null, true) })), req.json, env);
    } catch (e) {
      // api.c's 'F' (fatal): a fault on our side, reported, never thrown into the socket layer.
      this.o.log?.(`cgminer API: ${req.command}: ${(e as Error).message}`);
      const reply: Reply = { severity: 'F', code: -1, msg: 'Internal error' };
      return render(reply, req.json, env);
    }
  }
}
