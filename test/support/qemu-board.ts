// The QEMU vexpress-a9 board (board/qemu-vexpress.ts) for the system tests and the bench: the
// image from `npm run image` (Debian's armmp kernel, its vexpress-v2p-ca9.dtb, our initramfs),
// PL011 UARTs 2–4 as TCP clients of host-side `hashagent emulate` chains, QEMU's tmp105 (0x48)
// and tmp421 (0x4c) on the SBCon I2C bus, user-mode networking (the host is 10.0.2.2 in the
// guest). Extra files (agent.toml, keys) go in a second, uncompressed newc archive appended to the
// initramfs: the kernel unpacks both, later entries over earlier ones
// (Documentation/driver-api/early-userspace/buffer-format.rst).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { stopChild, tempDir } from './processes.js';
import { agentToml, type TestPool } from './agent-rig.js';
import { needTool } from './tools.js';
// @ts-expect-error a plain .mjs build helper without types
import { cpioArchive } from '../../scripts/image/cpio.mjs';

/** The repository: the nearest folder above this file (or the bench bundle in dist/) with scripts/image/build.mjs. */
export const REPO = (() => {
  let d = fileURLToPath(new URL('.', import.meta.url));
  while (!existsSync(join(d, 'scripts/image/build.mjs')) && dirname(d) !== d) d = dirname(d);
  return d;
})();
export const IMAGE = join(REPO, 'build/image');

/** qemu-system-arm, and what `npm run image` needs (mmdebstrap, the cross compiler, xz). */
export function haveQemuTools(): boolean {
  return [needTool('qemu-system-arm', '--version'), needTool('mmdebstrap', '--version'), needTool('arm-linux-gnueabihf-g++', '--version'), needTool('xz', '--version')].every(Boolean);
}

/**
 * Builds the image (`npm run image`) unless HASHAGENT_QEMU_IMAGE=reuse and one is there: the
 * test must boot the code under test, so by default it rebuilds (about 1.5–2 min; the .debs are cached).
 */
export function ensureImage(): { publicKey: string; payloadBytes: number } {
  const info = join(IMAGE, 'image.json');
  if (!(process.env.HASHAGENT_QEMU_IMAGE === 'reuse' && existsSync(info))) {
    const r = spawnSync(process.execPath, [join(REPO, 'scripts/image/build.mjs')], { cwd: REPO, encoding: 'utf8', timeout: 15 * 60_000 });
    if (r.status !== 0) throw new Error(`npm run image failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  }
  const j = JSON.parse(readFileSync(info, 'utf8')) as { publicKey: string; bytes: { payloadTarXz: number } };
  return { publicKey: j.publicKey, payloadBytes: j.bytes.payloadTarXz };
}

export interface QemuBoard {
  /** Console lines so far (kernel messages dropped), with seconds since QEMU started. */
  lines: { t: number; line: string }[];
  /** Resolves with the first console line matching `re` (earlier lines count); rejects after `ms` or when QEMU exits. */
  waitFor(re: RegExp, ms: number): Promise<{ t: number; line: string }>;
  /** A line for the guest init's console loop (`stop`). */
  send(cmd: string): void;
  exited: Promise<number | null>;
  /** SIGTERM (then SIGKILL) to QEMU, and the temp folder removed. */
  stop(): Promise<void>;
}

export interface BootOptions {
  /** tcp://127.0.0.1:PORT of the three chain listeners (ttyAMA1–3); none: the UARTs lead nowhere. */
  chains?: string[];
  /** Files added to the initramfs: path (no leading slash) → content and mode. */
  files?: Record<string, { data: string | Buffer; mode?: number }>;
  /** host port → guest port (TCP). */
  forward?: Record<number, number>;
  log?: (l: string) => void;
  /** QEMU's sensor models' readings, millidegrees C (tmp105; tmp421 local and remote). */
  temps?: { tmp105: number; tmp421Local: number; tmp421Remote: number };
}

/** What the sensors read unless a test says otherwise (QEMU's own reset values are 0 raw, which the tmp421's extended range reads as −64 °C). */
export const BOARD_TEMPS = { tmp105: 41_000, tmp421Local: 45_000, tmp421Remote: 52_000 };
// The agent's TMP451-family driver switches the tmp421 to its extended range (readings offset by
// 64 °C, TMP421 datasheet "Temperature Measurement Data") after QEMU took the value; the model
// keeps its register as set, so the value goes in with the offset already added.
const TMP421_EXTENDED_OFFSET = 64_000;

export async function bootQemuBoard(o: BootOptions): Promise<QemuBoard> {
  const tmp = tempDir('hashagent-qemu-');
  const initrd = join(tmp.dir, 'initrd');
  const dirs = new Set<string>();
  const entries: { path: string; mode: number; data?: Buffer }[] = [];
  for (const [path, f] of Object.entries(o.files ?? {})) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) entries.push({ path: d, mode: 0o040755 }), dirs.add(d);
    }
    entries.push({ path, mode: 0o100000 | (f.mode ?? 0o644), data: Buffer.from(f.data) });
  }
  // The kernel looks for the next archive's magic only at 4-byte offsets (init/initramfs.c).
  const base = readFileSync(join(IMAGE, 'initramfs.cpio.gz'));
  writeFileSync(initrd, Buffer.concat([base, Buffer.alloc((4 - (base.length % 4)) % 4), cpioArchive(entries) as Buffer]));
  const serial = (o.chains ?? ['', '', '']).flatMap((c, i) => {
    if (c === '') return ['-serial', 'null'];
    const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(c);
    if (!m) throw new Error(`chain ${i}: expected tcp://HOST:PORT, got ${c}`);
    return ['-chardev', `socket,id=chain${i},host=${m[1]},port=${m[2]}`, '-serial', `chardev:chain${i}`];
  });
  const temps = o.temps ?? BOARD_TEMPS;
  const qmpPath = join(tmp.dir, 'qmp.sock');
  const fwd = Object.entries(o.forward ?? {}).map(([h, g]) => `,hostfwd=tcp:127.0.0.1:${h}-:${g}`).join('');
  const args = [
    '-M', 'vexpress-a9', '-smp', '2', '-m', '1G',
    '-kernel', join(IMAGE, 'vmlinuz'), '-dtb', join(IMAGE, 'vexpress-v2p-ca9.dtb'), '-initrd', initrd,
    '-display', 'none', '-monitor', 'none', '-no-reboot',
    '-serial', 'stdio', ...serial,
    '-netdev', `user,id=net0${fwd}`, '-device', 'virtio-net-device,netdev=net0',
    '-device', 'tmp105,address=0x48,id=tmp105', '-device', 'tmp421,address=0x4c,id=tmp421',
    '-qmp', `unix:${qmpPath},server=on,wait=off`,
    '-append', `console=ttyAMA0 rdinit=/init panic=1 quiet hashagent.date=${Math.floor(Date.now() / 1000)}`,
  ];
  const t0 = performance.now();
  const qemu: ChildProcess = spawn('qemu-system-arm', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, QEMU_AUDIO_DRV: 'none' } });
  const lines: { t: number; line: string }[] = [];
  const waiters = new Set<() => void>();
  const onLine = (raw: string) => {
    const line = raw.replace(/\r$/, '');
    if (/^\[\s*\d+\.\d+\]/.test(line) || line.trim() === '') return;
    const e = { t: (performance.now() - t0) / 1000, line };
    lines.push(e);
    o.log?.(`${e.t.toFixed(1).padStart(6)} ${line}`);
    for (const w of [...waiters]) w();
  };
  createInterface({ input: qemu.stdout! }).on('line', onLine);
  createInterface({ input: qemu.stderr! }).on('line', (l) => !/audio|ALSA|alsa/.test(l) && onLine(`[qemu] ${l}`));
  // The sensors' readings go in over QMP once QEMU runs: the models' reset clears a value given
  // on -device, and the guest reads them a minute later (Node's start under TCG).
  try {
    await setSensors(qmpPath, temps);
  } catch (e) {
    await stopChild(qemu);
    tmp.remove();
    throw e;
  }
  let done = false;
  const exited = new Promise<number | null>((r) => qemu.once('exit', (code) => ((done = true), r(code), [...waiters].forEach((w) => w()))));
  const waitFor = (re: RegExp, ms: number) =>
    new Promise<{ t: number; line: string }>((resolve, reject) => {
      const check = () => {
        const hit = lines.find((l) => re.test(l.line));
        if (hit) return finish(() => resolve(hit));
        if (done) finish(() => reject(new Error(`QEMU exited before a line matched ${re}; last lines:\n${lines.slice(-30).map((l) => l.line).join('\n')}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no console line matched ${re} within ${ms} ms; last lines:\n${lines.slice(-30).map((l) => l.line).join('\n')}`))), ms);
      const finish = (f: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        f();
      };
      waiters.add(check);
      check();
    });
  return {
    lines,
    waitFor,
    send: (cmd) => qemu.stdin!.write(cmd + '\n'),
    exited,
    stop: async () => {
      await stopChild(qemu, 'SIGTERM', 5000);
      tmp.remove();
    },
  };
}

/** qom-set of the tmp105/tmp421 temperature properties (millidegrees C) over QEMU's QMP socket. */
async function setSensors(path: string, t: { tmp105: number; tmp421Local: number; tmp421Remote: number }): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 50));
  const sock = connect(path);
  const replies: string[] = [];
  const rl = createInterface({ input: sock });
  rl.on('line', (l) => replies.push(l));
  const cmds = [
    { execute: 'qmp_capabilities' },
    { execute: 'qom-set', arguments: { path: '/machine/peripheral/tmp105', property: 'temperature', value: t.tmp105 } },
    { execute: 'qom-set', arguments: { path: '/machine/peripheral/tmp421', property: 'temperature0', value: t.tmp421Local + TMP421_EXTENDED_OFFSET } },
    { execute: 'qom-set', arguments: { path: '/machine/peripheral/tmp421', property: 'temperature1', value: t.tmp421Remote + TMP421_EXTENDED_OFFSET } },
  ];
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.once('connect', resolve);
  });
  for (const c of cmds) sock.write(JSON.stringify(c) + '\n');
  const t0 = Date.now();
  // The greeting, then one {"return": {}} per command.
  while (replies.filter((r) => r.includes('"return"')).length < cmds.length) {
    const err = replies.find((r) => r.includes('"error"'));
    if (err) throw new Error(`QMP refused a sensor setting: ${err}`);
    if (Date.now() - t0 > 30_000) throw new Error(`QMP did not answer: ${replies.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  rl.close();
  sock.destroy();
}

// The emulated S9 at its nominal rate: its scaled difficulty (2^27, board/emulated/chain-profiles.ts)
// keeps the host's real hashing small, and at the ticket difficulty the agent sets for 14 TH/s the
// chips send about 13 nonces a second for the whole board — easy for the guest (30–90× slower than
// the host, qemu.md). A lower --hashrate-scale would only starve the agent's per-chain stall check.
const HASHRATE_SCALE = '1';

/** `hashagent emulate` for an S9 on three TCP listeners; resolves with their addresses. */
export async function startChainEmulator(cleanups: (() => unknown)[]): Promise<{ child: ChildProcess; chains: string[]; lines: string[] }> {
  const child = spawn(process.execPath, [join(REPO, 'dist/hashagent.js'), 'emulate', '--board', 'antminer-s9', '--listen', 'tcp://127.0.0.1:0', '--hashrate-scale', HASHRATE_SCALE], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => stopChild(child));
  const lines: string[] = [];
  const chains: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const onLine = (l: string) => {
      lines.push(l);
      const m = /^chain (\d): (tcp:\/\/\S+)$/.exec(l);
      if (m) chains[Number(m[1])] = m[2]!;
      if (chains.filter(Boolean).length === 3) resolve();
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', () => reject(new Error(`the emulator exited: ${lines.join('\n')}`)));
  });
  return { child, chains, lines };
}

/** agent.toml for the guest: the pool on the host (10.0.2.2), the board's own links and sensors. */
export function guestAgentToml(pool: TestPool): string {
  const url = pool.url.replace('127.0.0.1', '10.0.2.2');
  return agentToml('qemu-vexpress', [{ url }]).replace('http_listen = "127.0.0.1:0"', 'http_listen = "0.0.0.0:8080"')
    .replace('cgminer_enabled = false', 'cgminer_enabled = true\ncgminer_listen = "0.0.0.0:4028"');
}


/** The OpenSSH client the flash tests drive (`.ci/run` installs openssh-client). */
export const haveSsh = (): boolean => needTool('ssh', '-V'); // ssh-keygen comes in the same package (openssh-client)

export interface GuestSsh {
  /** Initramfs files: dropbear's host key, root's authorized_keys. */
  files: Record<string, { data: string | Buffer; mode?: number }>;
  /** The operator's private key (OpenSSH format, from ssh-keygen). */
  identity: string;
  /** A known_hosts line for the guest's real host key at 127.0.0.1:port, or for another key. */
  knownHostsLine(port: number, other?: boolean): string;
  dir: string;
}

const sshString = (b: Buffer) => Buffer.concat([u32(b.length), b]);
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * SSH access to the guest's dropbear (Debian's dropbear-bin in the image): an ed25519 host key in
 * dropbear's own format — string "ssh-ed25519", string (32-byte seed ‖ 32-byte public key)
 * (dropbear ed25519.c buf_put_ed25519_priv_key) — and an operator key from OpenSSH's ssh-keygen.
 */
export function guestSshAccess(cleanups: (() => unknown)[]): GuestSsh {
  const tmp = tempDir('hashagent-ssh-');
  cleanups.push(() => tmp.remove());
  const seed = randomBytes(32);
  const pub = Buffer.from(ed25519.getPublicKey(seed));
  const name = Buffer.from('ssh-ed25519');
  const hostKey = Buffer.concat([sshString(name), sshString(Buffer.concat([seed, pub]))]);
  const identity = join(tmp.dir, 'id_ed25519');
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hashagent-test', '-f', identity], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  const blob = (p: Buffer) => Buffer.concat([sshString(name), sshString(p)]).toString('base64');
  return {
    files: {
      'etc/dropbear/dropbear_ed25519_host_key': { data: hostKey, mode: 0o600 },
      'root/.ssh/authorized_keys': { data: readFileSync(identity + '.pub'), mode: 0o600 },
    },
    identity,
    knownHostsLine: (port, other) => `[127.0.0.1]:${port} ssh-ed25519 ${blob(other ? Buffer.from(ed25519.getPublicKey(randomBytes(32))) : pub)}\n`,
    dir: tmp.dir,
  };
}

/** One command in the guest over SSH (its own known_hosts, pinned on first use). */
export function guestSshRun(access: GuestSsh, port: number, cmd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('ssh', ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new', '-o', `UserKnownHostsFile=${join(access.dir, 'known_hosts.test')}`, '-o', 'LogLevel=ERROR', '-i', access.identity, '-p', String(port), 'root@127.0.0.1', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A stand-in for Bitmain's bmminer: an init script (start/stop, as stock S9 images have) running
 * a process named bmminer that announces itself on the console.
 */
export const STOCK_MINER_FILES: Record<string, { data: string; mode?: number }> = {
  'usr/bin/bmminer': { data: '#!/bin/sh\nwhile :; do sleep 1; done\n', mode: 0o755 },
  'etc/init.d/bmminer': {
    mode: 0o755,
    data: [
      '#!/bin/sh',
      'case "$1" in',
      '  start) /usr/bin/bmminer </dev/null >/dev/null 2>&1 & echo $! > /run/bmminer.pid; echo "bmminer: started" > /dev/console ;;',
      '  stop) kill "$(cat /run/bmminer.pid)" 2>/dev/null; rm -f /run/bmminer.pid; echo "bmminer: stopped at $(date +%s)" > /dev/console ;;',
      'esac',
      '',
    ].join('\n'),
  },
  // Its boot: SysV start links run in order by rcS, as stock images do (rcS.d/S70bmminer).
  'etc/rcS.d/S70bmminer': { data: '#!/bin/sh\nexec /etc/init.d/bmminer "$@"\n', mode: 0o755 },
  'etc/init.d/rcS': { data: '#!/bin/sh\nfor s in /etc/rcS.d/S*; do [ -x "$s" ] && "$s" start; done\ntrue\n', mode: 0o755 },
};

/** A TCP port free on 127.0.0.1 just now (for QEMU's hostfwd). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
