// A newc ("070701") cpio writer: the format the Linux kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst). Several archives may be
// concatenated; later entries replace earlier ones, which is how a test overlays a file.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const hex = (n) => n.toString(16).padStart(8, '0');
const pad4 = (n) => (4 - (n % 4)) % 4;

/** @typedef {{ path: string, mode: number, data?: Buffer, target?: string }} CpioEntry  mode includes the type bits */

/** One archive (with its TRAILER!!!) from entries in order: directories before their contents. */
export function cpioArchive(/** @type {CpioEntry[]} */ entries) {
  const parts = [];
  let ino = 1;
  const push = (name, mode, body) => {
    const nameBuf = Buffer.from(name + '\0');
    const fields = [ino++, mode, 0, 0, 1, 0, body.length, 0, 0, 0, 0, nameBuf.length, 0];
    const header = Buffer.from('070701' + fields.map(hex).join(''), 'ascii');
    parts.push(header, nameBuf, Buffer.alloc(pad4(header.length + nameBuf.length)), body, Buffer.alloc(pad4(body.length)));
  };
  for (const e of entries) {
    const body = e.target !== undefined ? Buffer.from(e.target) : (e.data ?? Buffer.alloc(0));
    push(e.path.replace(/^\/+/, ''), e.mode, body);
  }
  push('TRAILER!!!', 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}

/** Entries for the tree under `dir`, placed at `prefix` (no leading slash), sorted for a stable archive. */
export function treeEntries(dir, prefix = '') {
  const out = [];
  const walk = (abs, rel) => {
    for (const name of readdirSync(abs).sort()) {
      const a = join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(a);
      if (st.isSymbolicLink()) out.push({ path: r, mode: 0o120777, target: readlinkSync(a) });
      else if (st.isDirectory()) {
        out.push({ path: r, mode: 0o040000 | (st.mode & 0o7777) });
        walk(a, r);
      } else if (st.isFile()) out.push({ path: r, mode: 0o100000 | (st.mode & 0o7777), data: readFileSync(a) });
    }
  };
  walk(dir, prefix);
  return out;
}
