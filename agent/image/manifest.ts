// The signed payload manifest: the SHA-256, size and mode of every file of an image payload, in
// manifest.json, and an ed25519 signature (RFC 8032, @noble/curves) over those exact bytes in
// manifest.sig. Verification re-hashes every file and refuses a changed byte, a missing or extra
// file, a link, or a signature that does not match the operator's public key.
import { ed25519 } from '@noble/curves/ed25519.js';
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';
const FORMAT = 'hashagent-manifest-1';

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
  mode: number;
}

export interface Manifest {
  format: typeof FORMAT;
  version: string;
  files: ManifestFile[];
}

/** A manifest, key or payload that does not check out; `problems` lists each finding. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(message: string, readonly problems: string[] = []) {
    super(problems.length ? `${message}:\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''}` : message);
  }
}

/** SHA-256 of a file, read in 1 MiB pieces (payload files run to tens of MB; boards have little RAM). */
export function sha256File(file: string): string {
  const h = createHash('sha256');
  const buf = Buffer.alloc(1 << 20);
  const fd = openSync(file, 'r');
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Every regular file under `dir` except the manifest and its signature, as sorted relative paths; links and devices are problems. */
function listPayload(dir: string, problems: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (r === MANIFEST || r === SIGNATURE) continue;
      const st = lstatSync(join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) out.push(r);
      else problems.push(`${r}: not a regular file (links and devices are not allowed in a payload)`);
    }
  };
  walk('');
  return out;
}

// --- keys: 32-byte ed25519 secret and public keys, stored as hex ---

export function generateImageKey(): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const { secretKey, publicKey } = ed25519.keygen();
  return { secretKey, publicKey };
}

export const imagePublicKeyOf = (secret: Uint8Array): Uint8Array => ed25519.getPublicKey(secret);

/** A 32-byte key from hex text (a key file's content or a flag). */
export function parseImageKey(text: string, what: string): Uint8Array {
  const t = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(t)) throw new ManifestError(`${what}: expected 64 hex digits (an ed25519 key from 'hashagent image keygen')`);
  return Uint8Array.from(Buffer.from(t, 'hex'));
}

// --- sign and verify ---

/** Hashes every file under `dir`, writes manifest.json and manifest.sig, returns the manifest. */
export function signPayload(dir: string, secretKey: Uint8Array, version: string): Manifest {
  const problems: string[] = [];
  const paths = listPayload(dir, problems);
  if (problems.length) throw new ManifestError(`cannot sign ${dir}`, problems);
  const files = paths.map((p) => {
    const st = lstatSync(join(dir, p));
    return { path: p, sha256: sha256File(join(dir, p)), size: st.size, mode: st.mode & 0o777 };
  });
  const manifest: Manifest = { format: FORMAT, version, files };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 1) + '\n');
  writeFileSync(join(dir, MANIFEST), bytes);
  writeFileSync(join(dir, SIGNATURE), Buffer.from(ed25519.sign(bytes, secretKey)).toString('hex') + '\n');
  return manifest;
}

/** Checks the signature with `publicKey`, then every file against the manifest; throws ManifestError listing what is wrong. */
export function verifyPayload(dir: string, publicKey: Uint8Array): Manifest {
  let bytes: Buffer;
  let sigText: string;
  try {
    bytes = readFileSync(join(dir, MANIFEST));
    sigText = readFileSync(join(dir, SIGNATURE), 'utf8').trim();
  } catch (e) {
    throw new ManifestError(`${dir}: no signed manifest (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!/^[0-9a-f]{128}$/.test(sigText)) throw new ManifestError(`${dir}/${SIGNATURE}: not an ed25519 signature (128 hex digits)`);
  let good = false;
  try {
    good = ed25519.verify(Buffer.from(sigText, 'hex'), bytes, publicKey);
  } catch {
    good = false;
  }
  if (!good) throw new ManifestError(`${dir}: the manifest's signature does not match the public key ${Buffer.from(publicKey).toString('hex')}`);
  const manifest = parseManifest(bytes, dir);
  const problems: string[] = [];
  const present = new Set(listPayload(dir, problems));
  for (const f of manifest.files) {
    if (!present.delete(f.path)) {
      problems.push(`${f.path}: missing`);
      continue;
    }
    const st = lstatSync(join(dir, f.path));
    if (st.size !== f.size) problems.push(`${f.path}: size ${st.size}, manifest says ${f.size}`);
    else if (sha256File(join(dir, f.path)) !== f.sha256) problems.push(`${f.path}: SHA-256 differs from the manifest`);
  }
  for (const extra of present) problems.push(`${extra}: not in the manifest`);
  if (problems.length) throw new ManifestError(`${dir}: the payload does not match its signed manifest`, problems);
  return manifest;
}

function parseManifest(bytes: Buffer, dir: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new ManifestError(`${dir}/${MANIFEST}: not JSON (${(e as Error).message})`);
  }
  const o = m as Partial<Manifest>;
  const fileOk = (f: Partial<ManifestFile>) =>
    typeof f.path === 'string' && !f.path.split('/').includes('..') && !f.path.startsWith('/') &&
    typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256) && Number.isSafeInteger(f.size) && Number.isSafeInteger(f.mode);
  if (o.format !== FORMAT || typeof o.version !== 'string' || !Array.isArray(o.files) || !o.files.every(fileOk)) {
    throw new ManifestError(`${dir}/${MANIFEST}: not a ${FORMAT} manifest`);
  }
  return o as Manifest;
}
