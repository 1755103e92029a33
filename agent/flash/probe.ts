// What `hashagent flash` learns about a board before sending anything: one POSIX sh script over
// SSH (busybox ash on stock and Braiins images) printing `key=value` lines, parsed here, and the
// judgement of whether the payload can run there. The board itself is identified by the same
// detect logic as `hashagent detect` (board/detect): the facts it reads are rebuilt as a small
// tree and handed to it, so there is one set of rules.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectBoard, missingFor, type DetectReport } from '../../board/detect/detect.js';
import { BOARDS } from '../../board/boards.js';

/** Stock miners hashagent takes over (their init scripts; kept installed, only stopped). */
export const STOCK_MINERS = ['bosminer', 'bmminer', 'cgminer'] as const;

export const PROBE_SCRIPT = `
echo "arch=$(uname -m)"
echo "kernel=$(uname -r)"
[ -r /proc/device-tree/model ] && echo "model=$(tr -d '\\000' < /proc/device-tree/model)"
[ -r /tmp/sysinfo/board_name ] && echo "braiins_board=$(cat /tmp/sysinfo/board_name)"
for n in /sys/class/uio/*/name; do [ -r "$n" ] && echo "uio=$(cat "$n")"; done
[ -d /sys/class/gpio ] && echo "gpio_sysfs=1"
for d in /dev/*; do echo "dev=\${d#/dev/}"; done
for u in /sys/bus/usb/devices/*; do [ -r "$u/idVendor" ] && echo "usb=$(cat "$u/idVendor"):$(cat "$u/idProduct")"; done
for l in /lib/ld-musl-* /lib/ld-linux-armhf.so.3 /lib/ld-linux.so.3 /lib/libc.so.6 /lib/arm-linux-gnueabihf/libc.so.6; do [ -e "$l" ] && echo "libc_file=$l"; done
echo "pid1=$(cat /proc/1/comm 2>/dev/null)"
[ -d /run/systemd/system ] && echo "systemd=1"
[ -e /sbin/procd ] && echo "procd=1"
[ -L /sbin/init ] && echo "init_link=$(readlink /sbin/init)"
[ -f /etc/inittab ] && echo "inittab=1"
for m in ${STOCK_MINERS.join(' ')}; do
  [ -x /etc/init.d/$m ] && echo "miner=$m"
  pidof $m >/dev/null 2>&1 && echo "running=$m"
done
echo "run_free_kb=$(df -k /run 2>/dev/null | awk 'NR>1{print $4}' | tail -n1)"
grep -E '^(MemTotal|MemAvailable):' /proc/meminfo | awk '{print tolower($1) "=" $2}' | tr -d ':'
for t in xz tar sha256sum wget curl; do command -v $t >/dev/null 2>&1 && echo "tool=$t"; done
[ -f /opt/hashagent/original-miner ] && echo "installed=$(cat /opt/hashagent/original-miner)"
true
`;

export type Libc = 'musl' | 'glibc' | 'unknown';
export type InitSystem = 'systemd' | 'procd' | 'busybox' | 'sysvinit' | 'unknown';

export interface ProbeFacts {
  arch: string;
  kernel: string;
  model: string | null;
  braiinsBoard: string | null;
  uio: string[];
  dev: string[];
  usb: string[];
  gpioSysfs: boolean;
  libc: Libc;
  init: InitSystem;
  /** Stock miners with an init script, and those running now. */
  miners: string[];
  running: string[];
  runFreeKb: number | null;
  memTotalKb: number | null;
  memAvailableKb: number | null;
  tools: string[];
  /** The miner hashagent replaced on an earlier flash ('' when there was none), or null: not installed. */
  installed: string | null;
}

export function parseProbe(text: string): ProbeFacts {
  const all = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const k = line.slice(0, eq).trim();
    const list = all.get(k) ?? [];
    list.push(line.slice(eq + 1).trim());
    all.set(k, list);
  }
  const one = (k: string): string | null => all.get(k)?.[0] ?? null;
  const many = (k: string): string[] => all.get(k) ?? [];
  const num = (k: string): number | null => (/^\d+$/.test(one(k) ?? '') ? Number(one(k)) : null);
  const libcFiles = many('libc_file');
  const libc: Libc = libcFiles.some((f) => f.includes('ld-musl')) ? 'musl' : libcFiles.length ? 'glibc' : 'unknown';
  const pid1 = one('pid1') ?? '';
  const init: InitSystem =
    one('systemd') || pid1 === 'systemd' ? 'systemd'
    : one('procd') || pid1 === 'procd' ? 'procd'
    : /busybox/.test(one('init_link') ?? '') ? 'busybox'
    : pid1 === 'init' && one('inittab') ? 'sysvinit'
    : pid1 === 'init' ? 'busybox' // busybox init without a link (PID 1 from an initramfs)
    : 'unknown';
  return {
    arch: one('arch') ?? '',
    kernel: one('kernel') ?? '',
    model: one('model') || null,
    braiinsBoard: one('braiins_board') || null,
    uio: many('uio').sort(),
    dev: many('dev').sort(),
    usb: many('usb').map((u) => u.toLowerCase()).sort(),
    gpioSysfs: one('gpio_sysfs') === '1',
    libc,
    init,
    miners: many('miner'),
    running: many('running'),
    runFreeKb: num('run_free_kb'),
    memTotalKb: num('memtotal'),
    memAvailableKb: num('memavailable'),
    tools: many('tool'),
    installed: all.has('installed') ? one('installed') : null,
  };
}

/** The probe's facts as a tree under a temporary root, for board/detect. */
export function detectFromProbe(f: ProbeFacts, boardName?: string): DetectReport & { checked: string | null } {
  const root = mkdtempSync(join(tmpdir(), 'hashagent-probe-'));
  try {
    const put = (path: string, text = '') => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    if (f.model) put('proc/device-tree/model', f.model);
    if (f.braiinsBoard) put('tmp/sysinfo/board_name', f.braiinsBoard);
    f.uio.forEach((n, i) => put(`sys/class/uio/uio${i}/name`, n));
    mkdirSync(join(root, 'dev'), { recursive: true });
    if (f.gpioSysfs) mkdirSync(join(root, 'sys/class/gpio'), { recursive: true });
    for (const d of f.dev) if (/^[\w.-]+$/.test(d)) put(`dev/${d}`);
    f.usb.forEach((u, i) => {
      const [v, p] = u.split(':');
      put(`sys/bus/usb/devices/${i}/idVendor`, v ?? '');
      put(`sys/bus/usb/devices/${i}/idProduct`, p ?? '');
    });
    const report = detectBoard(root);
    // The configuration's board, when it names one, is what will run: check its needs instead.
    const def = boardName ? BOARDS.find((b) => b.name === boardName) : undefined;
    if (def) return { ...report, board: def.name, missing: missingFor(def, report.found, root), checked: def.name };
    return { ...report, checked: report.board };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export interface Verdict {
  ok: boolean;
  /** Why not, one line each. */
  reasons: string[];
  board: string | null;
  /** The stock miner to stop (running, or installed), or null. */
  stockMiner: string | null;
}

export interface PayloadNeeds {
  /** Unpacked size (tmpfs) and compressed size, bytes. */
  unpackedBytes: number;
  packedBytes: number;
}

// Room the agent itself needs besides the unpacked payload (its heap is capped at 48 MB old
// space + 1 MB semi-space by bin/hashagent; ~12 MB live, agent.rss_s9 in the bench).
const AGENT_RAM_KB = 64 * 1024;

export function judgeProbe(f: ProbeFacts, payload: PayloadNeeds, boardName?: string): Verdict {
  const reasons: string[] = [];
  if (!/^armv[67]/.test(f.arch)) reasons.push(`architecture ${f.arch || '(unknown)'}: the payload is armhf (armv7) only`);
  if (f.init === 'unknown') reasons.push('no known init system (systemd, procd, busybox or SysV init): cannot install the service');
  for (const t of ['xz', 'tar']) if (!f.tools.includes(t)) reasons.push(`no ${t} on the board: the payload cannot be unpacked`);
  const det = detectFromProbe(f, boardName);
  // Stock S9: Bitmain's FPGA exposes only /dev/axi_fpga_dev; the chains need Braiins' s9io bitstream.
  if (det.board === 'antminer-s9' && !f.uio.some((u) => /^chain\d-common$/.test(u))) {
    reasons.push(`stock S9 firmware${f.dev.includes('axi_fpga_dev') ? ' (Bitmain FPGA, /dev/axi_fpga_dev)' : ''}: no chain interface without Braiins' s9io bitstream — install Braiins OS or boot the SD image first`);
  } else if (!det.board) {
    reasons.push(`no board definition fits (model ${JSON.stringify(f.model)}); give --config with board.name, or see \`hashagent detect\``);
  } else if (det.missing.length) {
    reasons.push(`board ${det.board} lacks: ${det.missing.join('; ')}`);
  }
  const unpackedKb = Math.ceil(payload.unpackedBytes / 1024);
  if (f.runFreeKb !== null && f.runFreeKb < unpackedKb) reasons.push(`/run has ${f.runFreeKb} kB free, the payload needs ${unpackedKb} kB`);
  const avail = f.memAvailableKb ?? f.memTotalKb;
  // An agent already running from /run/hashagent gives its tmpfs back on replacement: count it once.
  if (avail !== null && avail + (f.installed !== null ? unpackedKb : 0) < unpackedKb * 2 + AGENT_RAM_KB) {
    reasons.push(`RAM: ${avail} kB available, the payload in tmpfs (${unpackedKb} kB, twice while it is swapped in) and the agent need ${unpackedKb * 2 + AGENT_RAM_KB} kB`);
  }
  const stockMiner = f.installed ? f.installed : (f.running[0] ?? f.miners[0] ?? null);
  return { ok: reasons.length === 0, reasons, board: det.board, stockMiner };
}
