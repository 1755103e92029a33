// Stratum V1 JSON-RPC messages as real pools and miners send them: ids numeric or string, hex
// with or without leading zeros, numbers as strings, four error shapes. Every parser returns a
// typed value or throws Sv1Error.
import { Sv1Error } from './errors.js';

export type Sv1Id = number | string | null;

export type Sv1Message =
  | { kind: 'request'; id: Sv1Id; method: string; params: unknown[] }
  | { kind: 'notification'; method: string; params: unknown[] }
  | { kind: 'response'; id: Sv1Id; result: unknown; error: Sv1RpcError | null };

export interface Sv1RpcError {
  code: number | null;
  message: string;
}

/** One line → a request (has method and id), a notification (method, null id) or a response. */
export function parseLine(line: string): Sv1Message {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Sv1Error('invalid-json', `not JSON: ${line.slice(0, 60)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Sv1Error('not-a-message', 'a JSON-RPC message must be an object');
  const o = v as Record<string, unknown>;
  const id = o.id === undefined ? null : o.id;
  if (id !== null && typeof id !== 'number' && typeof id !== 'string') throw new Sv1Error('not-a-message', 'id must be a number, a string or null');
  if (typeof o.method === 'string') {
    const params = o.params === undefined || o.params === null ? [] : o.params;
    if (!Array.isArray(params)) throw new Sv1Error('bad-params', `${o.method.slice(0, 60)}: params must be an array`, id);
    return id === null ? { kind: 'notification', method: o.method, params } : { kind: 'request', id, method: o.method, params };
  }
  if ('result' in o || 'error' in o) {
    // ckpool puts a reason next to result:false.
    const reason = typeof o['reject-reason'] === 'string' ? (o['reject-reason'] as string) : null;
    const error = parseRpcError(o.error) ?? (o.result === false && reason ? { code: null, message: reason } : null);
    return { kind: 'response', id, result: o.result ?? null, error };
  }
  throw new Sv1Error('not-a-message', 'neither a method call nor a response');
}

/** The four error shapes seen in the wild: [code, "msg", data], {code, message}, "msg", null. */
export function parseRpcError(e: unknown): Sv1RpcError | null {
  if (e === null || e === undefined || e === false) return null;
  if (typeof e === 'string') return { code: null, message: e };
  if (Array.isArray(e)) return { code: typeof e[0] === 'number' ? e[0] : null, message: typeof e[1] === 'string' ? e[1] : JSON.stringify(e) };
  if (typeof e === 'object') {
    const o = e as Record<string, unknown>;
    return { code: typeof o.code === 'number' ? o.code : null, message: typeof o.message === 'string' ? o.message : JSON.stringify(e) };
  }
  return { code: null, message: String(e) };
}

/** Hex → bytes; odd lengths get a leading zero (pools send "abc" for 0x0abc). */
export function hexBytes(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string' || !/^[0-9a-fA-F]*$/.test(s)) throw new Sv1Error('bad-hex', `${what}: expected hex, got ${JSON.stringify(s)?.slice(0, 40)}`);
  return Uint8Array.from(Buffer.from(s.length % 2 ? '0' + s : s, 'hex'));
}

/** Hex of whole bytes (an even number of digits). */
function evenHex(s: unknown, what: string): Uint8Array {
  if (typeof s === 'string' && s.length % 2) throw new Sv1Error('bad-hex', `${what}: ${s.length} hex digits, not whole bytes`);
  return hexBytes(s, what);
}

/** A u32 sent as big-endian hex (version, nbits, ntime, nonce) or, by some, as a JSON number. */
export function u32Param(v: unknown, what: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Sv1Error('bad-params', `${what}: ${v} is not a 32-bit unsigned integer`);
    return v;
  }
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{1,8}$/.test(v)) throw new Sv1Error('bad-params', `${what}: expected up to 8 hex digits, got ${JSON.stringify(v)?.slice(0, 20)}`);
  return parseInt(v, 16) >>> 0;
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new Sv1Error('bad-params', `${what}: expected a string`);
  return v;
};

export interface Notify {
  jobId: string;
  /** As sent: eight 4-byte words, each byte-reversed relative to the header (see prevhashToHeaderBytes). */
  prevhash: Uint8Array;
  coinbase1: Uint8Array;
  coinbase2: Uint8Array;
  merkleBranches: Uint8Array[];
  version: number;
  nbits: number;
  ntime: number;
  cleanJobs: boolean;
}

export function parseNotify(params: unknown[]): Notify {
  if (params.length < 8) throw new Sv1Error('bad-params', `mining.notify: ${params.length} params, need 8 or 9`);
  const [jobId, prev, cb1, cb2, branches, version, nbits, ntime, clean] = params;
  if (!Array.isArray(branches)) throw new Sv1Error('bad-params', 'mining.notify: merkle branches must be an array');
  const prevhash = hexBytes(prev, 'mining.notify prevhash');
  if (prevhash.length !== 32) throw new Sv1Error('bad-params', `mining.notify: prevhash of ${prevhash.length} bytes`);
  const merkleBranches = branches.map((b, i) => {
    const h = hexBytes(b, `mining.notify merkle branch ${i}`);
    if (h.length !== 32) throw new Sv1Error('bad-params', `mining.notify: merkle branch ${i} of ${h.length} bytes`);
    return h;
  });
  return {
    jobId: typeof jobId === 'number' ? String(jobId) : str(jobId, 'mining.notify job id'),
    prevhash,
    coinbase1: hexBytes(cb1, 'mining.notify coinbase1'),
    coinbase2: hexBytes(cb2, 'mining.notify coinbase2'),
    merkleBranches,
    version: u32Param(version, 'mining.notify version'),
    nbits: u32Param(nbits, 'mining.notify nbits'),
    ntime: u32Param(ntime, 'mining.notify ntime'),
    cleanJobs: clean === true || clean === 'true' || clean === 1,
  };
}

/** SV1 prevhash → the 32 bytes of the block header (reverse the bytes of each 4-byte word). */
export function prevhashToHeaderBytes(p: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  for (let w = 0; w < 8; w++) for (let i = 0; i < 4; i++) out[w * 4 + i] = p[w * 4 + 3 - i]!;
  return out;
}
/** The inverse (the same word-wise reversal). */
export const headerBytesToPrevhash = prevhashToHeaderBytes;

export interface Submit {
  worker: string;
  jobId: string;
  extranonce2: Uint8Array;
  ntime: number;
  nonce: number;
  /** BIP310: the rolled version bits (XOR with the job's version), when sent. */
  versionBits: number | null;
}

export function parseSubmit(params: unknown[]): Submit {
  if (params.length < 5) throw new Sv1Error('bad-params', `mining.submit: ${params.length} params, need 5 or 6`);
  const [worker, jobId, en2, ntime, nonce, vbits] = params;
  return {
    worker: str(worker, 'mining.submit worker'),
    jobId: typeof jobId === 'number' ? String(jobId) : str(jobId, 'mining.submit job id'),
    // Whole bytes only: a digit short is a wrong extranonce2, not one to pad and judge.
    extranonce2: evenHex(en2, 'mining.submit extranonce2'),
    ntime: u32Param(ntime, 'mining.submit ntime'),
    nonce: u32Param(nonce, 'mining.submit nonce'),
    versionBits: vbits === undefined || vbits === null ? null : u32Param(vbits, 'mining.submit version bits'),
  };
}

export interface SubscribeResult {
  subscriptions: [string, string][];
  extranonce1: Uint8Array;
  extranonce2Size: number;
}

/** mining.subscribe result: [[subscriptions…] | [name, id], extranonce1, extranonce2_size]. */
export function parseSubscribeResult(result: unknown): SubscribeResult {
  if (!Array.isArray(result) || result.length < 3) throw new Sv1Error('bad-params', 'mining.subscribe result must be [subscriptions, extranonce1, extranonce2_size]');
  const [subs, en1, size] = result;
  const list = Array.isArray(subs) ? (Array.isArray(subs[0]) ? subs : subs.length ? [subs] : []) : [];
  const subscriptions = list.filter((s): s is [string, string] => Array.isArray(s) && s.length >= 2).map((s) => [String(s[0]), String(s[1])] as [string, string]);
  const n = typeof size === 'string' ? Number(size) : size;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 32) throw new Sv1Error('bad-params', `mining.subscribe: extranonce2_size ${JSON.stringify(size)}`);
  return { subscriptions, extranonce1: hexBytes(en1, 'mining.subscribe extranonce1'), extranonce2Size: n };
}

export interface SubscribeRequest {
  agent: string | null;
  extranonce1: Uint8Array | null;
}

export function parseSubscribeRequest(params: unknown[]): SubscribeRequest {
  const [agent, en1] = params;
  return { agent: typeof agent === 'string' ? agent : null, extranonce1: typeof en1 === 'string' && en1 ? hexBytes(en1, 'mining.subscribe extranonce1') : null };
}

export interface VersionRolling {
  mask: number;
  /** As SRI reads it: a string is hex ("16" = 0x16), a number is decimal. */
  minBitCount: number | null;
}

/** mining.configure request (BIP310): extension names and their parameters. */
export function parseConfigureRequest(params: unknown[]): { extensions: string[]; versionRolling: VersionRolling | null } {
  const [names, opts] = params;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new Sv1Error('bad-params', 'mining.configure: first param must be a list of extension names');
  const o = (typeof opts === 'object' && opts !== null ? opts : {}) as Record<string, unknown>;
  let versionRolling: VersionRolling | null = null;
  if (names.includes('version-rolling')) {
    const mask = u32Param(o['version-rolling.mask'] ?? 'ffffffff', 'version-rolling.mask');
    const raw = o['version-rolling.min-bit-count'];
    let minBitCount: number | null = null;
    if (typeof raw === 'number') {
      if (!Number.isInteger(raw) || raw < 0 || raw > 32) throw new Sv1Error('bad-params', `version-rolling.min-bit-count ${raw}`);
      minBitCount = raw;
    } else if (typeof raw === 'string') minBitCount = u32Param(raw, 'version-rolling.min-bit-count');
    versionRolling = { mask, minBitCount };
  }
  return { extensions: names as string[], versionRolling };
}

/** Above this a difficulty means no share can ever meet it (diff1 itself is below 2^224). */
export const MAX_DIFFICULTY = 2 ** 200;

/** mining.set_difficulty: integer or float, positive. */
export function parseSetDifficulty(params: unknown[]): number {
  const d = typeof params[0] === 'string' ? Number(params[0]) : params[0];
  if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0 || d > MAX_DIFFICULTY) throw new Sv1Error('bad-params', `mining.set_difficulty: ${JSON.stringify(params[0])}`);
  return d;
}

/** client.reconnect is untrusted input: a host name or IP and a port, validated, never a URL. */
export function parseReconnect(params: unknown[]): { host: string | null; port: number | null; waitSeconds: number } {
  const [host, port, wait] = params;
  const h = typeof host === 'string' && host !== '' ? host : null;
  if (h !== null && !/^[A-Za-z0-9.\-:\[\]]{1,253}$/.test(h)) throw new Sv1Error('bad-params', 'client.reconnect: host is not a host name or address');
  const p = port === undefined || port === null || port === '' ? null : Number(port);
  if (p !== null && (!Number.isInteger(p) || p < 1 || p > 65535)) throw new Sv1Error('bad-params', `client.reconnect: port ${JSON.stringify(port)}`);
  const w = wait === undefined ? 0 : Number(wait);
  return { host: h, port: p, waitSeconds: Number.isFinite(w) && w >= 0 ? Math.min(w, 3600) : 0 };
}

/** mining.configure result: which extensions the pool accepted, and its version-rolling mask. */
export function parseConfigureResult(result: unknown): { versionRollingMask: number | null } {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) throw new Sv1Error('bad-params', 'mining.configure result must be an object');
  const o = result as Record<string, unknown>;
  if (o['version-rolling'] !== true) return { versionRollingMask: null };
  return { versionRollingMask: u32Param(o['version-rolling.mask'] ?? '00000000', 'version-rolling.mask') };
}

/** mining.set_extranonce: [extranonce1, extranonce2_size] for the jobs that follow. */
export function parseSetExtranonce(params: unknown[]): { extranonce1: Uint8Array; extranonce2Size: number } {
  const [en1, size] = params;
  const n = typeof size === 'string' ? Number(size) : size;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 32) throw new Sv1Error('bad-params', `mining.set_extranonce: extranonce2_size ${JSON.stringify(size)}`);
  const extranonce1 = hexBytes(en1, 'mining.set_extranonce extranonce1');
  if (extranonce1.length > 32) throw new Sv1Error('bad-params', 'mining.set_extranonce: extranonce1 over 32 bytes');
  return { extranonce1, extranonce2Size: n };
}

/** mining.suggest_difficulty (also the legacy `mining.suggest_difficulty(1234)` method-name form). */
export function parseSuggestDifficulty(method: string, params: unknown[]): number | null {
  const legacy = /^mining\.suggest_difficulty\((\d+(?:\.\d+)?)\)$/.exec(method);
  const v = legacy ? Number(legacy[1]) : typeof params[0] === 'string' ? Number(params[0]) : params[0];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_DIFFICULTY ? v : null;
}
