// The payload `hashagent flash` sends: a signed payload folder (build/image/payload) or its
// compressed payload.tar.xz. It is checked against the operator's public key here, before a byte
// leaves the machine; what is sent is exactly what was checked (a folder is packed after the check).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManifestError, verifyPayload } from '../image/manifest.js';
import { shq as q } from './ssh.js';

export interface PreparedPayload {
  /** The compressed payload to stream to the board. */
  tarXz: string;
  sha256: string;
  packedBytes: number;
  unpackedBytes: number;
  version: string;
  fileCount: number;
  /** Removes the temporary folder. */
  cleanup(): void;
}

export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

function sh(script: string, what: string): void {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new PayloadError(`${what} failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().slice(-500)}`);
}


/** Checks `path` (a payload folder or a .tar.xz of one) against `publicKey`; throws ManifestError when it does not verify. */
export function preparePayload(path: string, publicKey: Uint8Array): PreparedPayload {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new PayloadError(`--payload ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'hashagent-flash-'));
  try {
    let tarXz = path;
    let manifest;
    if (st.isDirectory()) {
      manifest = verifyOrThrow(path, publicKey);
      tarXz = join(tmp, 'payload.tar.xz');
      sh(`tar --owner=0 --group=0 --numeric-owner -C ${q(path)} -cf - . | xz -T2 -2 > ${q(tarXz)}`, 'packing the payload');
    } else {
      const dir = join(tmp, 'payload');
      sh(`mkdir -p ${q(dir)} && xz -dc ${q(path)} | tar -x -C ${q(dir)}`, `unpacking ${path}`);
      manifest = verifyOrThrow(dir, publicKey);
      rmSync(dir, { recursive: true, force: true });
    }
    const bytes = readFileSync(tarXz);
    return {
      tarXz,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      packedBytes: bytes.length,
      unpackedBytes: manifest.files.reduce((s, f) => s + f.size, 0),
      version: manifest.version,
      fileCount: manifest.files.length,
      cleanup: () => rmSync(tmp, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function verifyOrThrow(dir: string, publicKey: Uint8Array) {
  try {
    return verifyPayload(dir, publicKey);
  } catch (e) {
    if (e instanceof ManifestError) throw new PayloadError(`the payload is refused before upload: ${e.message}`);
    throw e;
  }
}
