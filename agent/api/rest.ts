// The REST API on the agent's HTTP port (/api/v1/*, next to /metrics and the page at /): JSON
// reads of what the agent keeps, and actions (switch pool, restart a chain, set a chain's
// frequency, reboot) that need the bearer token of agent.toml's [api] and then go through the
// agent's own checks (board limits, safety shutdown, a chain being disabled). The shapes are in
// agent/api/openapi.json. Transport only: what the answers hold is the role's (RestView).
import type http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';

/** An action the agent refuses: the HTTP status and why. */
export class ActionRefused extends Error {
  override readonly name = 'ActionRefused';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RestView {
  summary(): unknown;
  chains(): unknown;
  pools(): unknown;
  /** The last `n` events, only those after sequence number `after`. */
  events(n: number, after: number): unknown;
  history(): unknown;
  config(): unknown;
}

export interface RestActions {
  switchPool(pool: number): void | Promise<void>;
  restartChain(chain: number): Promise<void>;
  setChainFrequency(chain: number, mhz: number): Promise<void>;
  /** Power down and exit for the service manager to start the agent again. */
  reboot(): void;
}

export interface RestOptions {
  view: RestView;
  actions: RestActions;
  /** Bearer token of the actions; null: every action is refused (403). */
  token: string | null;
  /** The OpenAPI document, served at /api/v1/openapi.json. */
  openapi?: () => string;
}

/** Largest request body an action takes. */
const MAX_BODY = 4096;
export const EVENTS_MAX = 200;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

function send(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

const sendError = (res: http.ServerResponse, status: number, error: string, extra?: Record<string, string>) => send(res, status, { error }, extra);

/** Compares digests, so the time taken says nothing of how much of the token was right. */
function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!m) return false;
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(m[1]!), h(token));
}

/** A JSON object body of at most MAX_BODY bytes; an empty body is {}. */
function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) return void parts.push(c);
      // Answered now; the rest is drained unread (the server's request deadline bounds it), so
      // the client gets its 413 rather than a reset.
      req.off('data', onData);
      req.resume();
      reject(new ActionRefused(413, `body larger than ${MAX_BODY} bytes`));
    };
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8').trim();
      if (!text) return resolve({});
      try {
        const v: unknown = JSON.parse(text);
        if (v && typeof v === 'object' && !Array.isArray(v)) resolve(v as Record<string, unknown>);
        else reject(new ActionRefused(400, 'the body must be a JSON object'));
      } catch {
        reject(new ActionRefused(400, 'the body is not JSON'));
      }
    });
  });
}

function numberField(body: Record<string, unknown>, name: string): number {
  const v = body[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ActionRefused(400, `"${name}" must be a number`);
  return v;
}

const READS: Record<string, (o: RestOptions, q: URLSearchParams) => unknown> = {
  summary: (o) => o.view.summary(),
  chains: (o) => o.view.chains(),
  pools: (o) => o.view.pools(),
  history: (o) => o.view.history(),
  config: (o) => o.view.config(),
  events: (o, q) => {
    const n = Math.min(EVENTS_MAX, Math.max(0, Math.trunc(Number(q.get('n') ?? 50)) || 0));
    const after = Math.max(0, Math.trunc(Number(q.get('after') ?? 0)) || 0);
    return o.view.events(n, after);
  },
};

/** Actions by path: what each runs with the request's body. */
function action(o: RestOptions, path: string): ((body: Record<string, unknown>) => Promise<unknown>) | null {
  if (path === 'actions/switch-pool') return async (b) => (await o.actions.switchPool(numberField(b, 'pool')), { ok: true });
  if (path === 'actions/reboot') return async () => (o.actions.reboot(), { ok: true });
  const m = /^chains\/(\d{1,3})\/(restart|frequency)$/.exec(path);
  if (!m) return null;
  const chain = Number(m[1]);
  if (m[2] === 'restart') return async () => (await o.actions.restartChain(chain), { ok: true });
  return async (b) => (await o.actions.setChainFrequency(chain, numberField(b, 'mhz')), { ok: true });
}

/** Answers /api/v1/*; false for any other path (the caller's to serve). */
export function restHandler(o: RestOptions): Handler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    if (!url.pathname.startsWith('/api/v1/')) return false;
    const path = url.pathname.slice('/api/v1/'.length);
    if (path === 'openapi.json' && o.openapi) {
      if (req.method !== 'GET') sendError(res, 405, 'GET only', { allow: 'GET' });
      else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(o.openapi());
      }
      return true;
    }
    const read = Object.hasOwn(READS, path) ? READS[path]! : null;
    if (read) {
      if (req.method !== 'GET' && req.method !== 'HEAD') sendError(res, 405, 'GET only', { allow: 'GET' });
      else send(res, 200, read(o, url.searchParams));
      return true;
    }
    const run = action(o, path);
    if (!run) {
      sendError(res, 404, `no such resource: ${url.pathname}`);
      return true;
    }
    if (req.method !== 'POST') {
      sendError(res, 405, 'actions are POST', { allow: 'POST' });
      return true;
    }
    // Refused before a byte of the body is read.
    if (o.token === null) {
      sendError(res, 403, 'actions are disabled: set [api] token or token_file in agent.toml');
      return true;
    }
    if (!tokenMatches(req.headers.authorization, o.token)) {
      sendError(res, 401, 'a valid bearer token is required (Authorization: Bearer <[api] token>)', { 'www-authenticate': 'Bearer realm="hashagent"' });
      return true;
    }
    readBody(req)
      .then(run)
      .then(
        (r) => send(res, 200, r),
        (e: unknown) => (e instanceof ActionRefused ? sendError(res, e.status, e.message, e.status === 413 ? { connection: 'close' } : {}) : sendError(res, 500, e instanceof Error ? e.message : String(e))),
      );
    return true;
  };
}
