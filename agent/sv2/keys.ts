// Authority keys as operators copy them around (spec 04 §4.7; key-utils): the public key is
// base58check(01 00 ‖ x-only key) — a LE u16 version 1 — and the secret key is base58check of its
// 32 raw bytes. Pool URLs carry the public key: stratum2+tcp://host:port/<authority_pubkey>.
import { createBase58check } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { Sv2Error } from './errors.js';

const b58c = createBase58check(sha256);
const PUBKEY_VERSION = 1;

export interface AuthorityKeyPair {
  secretKey: Uint8Array;
  /** x-only public key */
  publicKey: Uint8Array;
}

export function generateAuthorityKeyPair(): AuthorityKeyPair {
  const secretKey = secp256k1.utils.randomSecretKey();
  return { secretKey, publicKey: schnorr.getPublicKey(secretKey) };
}

/** The x-only (BIP340) public key of a secret key. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  if (!secp256k1.utils.isValidSecretKey(secretKey)) throw new Sv2Error('key', 'secret key is not a valid secp256k1 scalar');
  return schnorr.getPublicKey(secretKey);
}

export function encodeAuthorityPublicKey(x: Uint8Array): string {
  if (x.length !== 32) throw new Sv2Error('key', `x-only public key must be 32 bytes, got ${x.length}`);
  return b58c.encode(Uint8Array.from([PUBKEY_VERSION & 0xff, PUBKEY_VERSION >> 8, ...x]));
}

function decodeChecked(text: string, what: string): Uint8Array {
  try {
    return b58c.decode(text.trim());
  } catch (e) {
    throw new Sv2Error('key', `${what}: not valid base58check (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Decodes and validates an authority public key; returns the 32-byte x-only key. */
export function decodeAuthorityPublicKey(text: string): Uint8Array {
  const b = decodeChecked(text, 'authority public key');
  if (b.length === 32) {
    throw new Sv2Error('key', 'authority public key: legacy unversioned 32-byte key; current peers need the versioned form (01 00 prefix)');
  }
  if (b.length !== 34) throw new Sv2Error('key', `authority public key: expected 34 bytes after decoding, got ${b.length}`);
  const version = b[0]! | (b[1]! << 8);
  if (version !== PUBKEY_VERSION) throw new Sv2Error('key', `authority public key: unsupported version ${version}`);
  const x = b.slice(2);
  try {
    schnorr.utils.lift_x(bytesToBigInt(x));
  } catch {
    throw new Sv2Error('key', 'authority public key: not the x coordinate of a curve point');
  }
  return x;
}

export function encodeSecretKey(secret: Uint8Array): string {
  if (secret.length !== 32) throw new Sv2Error('key', `secret key must be 32 bytes, got ${secret.length}`);
  return b58c.encode(secret);
}

export function decodeSecretKey(text: string): Uint8Array {
  const b = decodeChecked(text, 'secret key');
  if (b.length !== 32) throw new Sv2Error('key', `secret key: expected 32 bytes after decoding, got ${b.length}`);
  if (!secp256k1.utils.isValidSecretKey(b)) throw new Sv2Error('key', 'secret key: not a valid secp256k1 scalar');
  return b;
}

function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

export interface PoolUrl {
  scheme: 'stratum2+tcp' | 'stratum+tcp';
  host: string;
  port: number;
  /** x-only authority key for stratum2+tcp URLs that carry one. */
  authorityKey: Uint8Array | null;
}

/** Parses `stratum2+tcp://host:port/<authority_pubkey>` or `stratum+tcp://host:port` (IPv4, [IPv6], DNS). */
export function parsePoolUrl(text: string): PoolUrl {
  const m = /^(stratum2\+tcp|stratum\+tcp):\/\/(\[[0-9a-fA-F:.]+\]|[^/:\s\[\]]+):(\d{1,5})(?:\/([^/\s]*))?\/?$/.exec(text.trim());
  if (!m) throw new Sv2Error('url', `pool URL '${text}': expected stratum2+tcp://host:port/<authority_pubkey> or stratum+tcp://host:port`);
  const scheme = m[1] as PoolUrl['scheme'];
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  const hostProblem = m[2]!.startsWith('[') ? checkIpv6(host) : checkHost(host);
  if (hostProblem) throw new Sv2Error('url', `pool URL '${text}': ${hostProblem}`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Sv2Error('url', `pool URL '${text}': port ${port} out of range`);
  const keyText = m[4] ?? '';
  if (scheme === 'stratum+tcp' && keyText) throw new Sv2Error('url', `pool URL '${text}': stratum+tcp (SV1) URLs carry no key`);
  return { scheme, host, port, authorityKey: keyText ? decodeAuthorityPublicKey(keyText) : null };
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why `host` is neither a dotted IPv4 address nor a DNS name, or null when it is one. */
function checkHost(host: string): string | null {
  const v4 = IPV4.exec(host);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255) ? null : `'${host}' is not an IPv4 address (octet above 255)`;
  if (/^[\d.]+$/.test(host)) return `'${host}' is not an IPv4 address`;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253 || !name.split('.').every((l) => DNS_LABEL.test(l))) return `'${host}' is not a valid host name`;
  return null;
}

/** Why `host` (the text between brackets) is not an IPv6 address, or null when it is one. */
function checkIpv6(host: string): string | null {
  let rest = host;
  let groups = 0;
  const v4 = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (v4) {
    if (checkHost(v4[1]!) !== null || !IPV4.test(v4[1]!)) return `'${host}' is not an IPv6 address`;
    rest = host.slice(0, host.length - v4[1]!.length) + '0:0'; // an embedded IPv4 counts as two groups
  }
  const halves = rest.split('::');
  if (halves.length > 2) return `'${host}' is not an IPv6 address (more than one '::')`;
  for (const half of halves) {
    if (half === '') continue;
    for (const g of half.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return `'${host}' is not an IPv6 address`;
      groups++;
    }
  }
  if (halves.length === 1 ? groups !== 8 : groups > 7) return `'${host}' is not an IPv6 address (wrong number of groups)`;
  return null;
}

export function formatPoolUrl(u: PoolUrl): string {
  const host = u.host.includes(':') ? `[${u.host}]` : u.host;
  return `${u.scheme}://${host}:${u.port}${u.authorityKey ? `/${encodeAuthorityPublicKey(u.authorityKey)}` : ''}`;
}
