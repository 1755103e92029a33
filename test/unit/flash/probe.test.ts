// Probe parsing and the install verdict for the boards `hashagent flash` meets. The board facts
// come from the detect fixtures (test/fixtures/boards/README.md gives each value's source); the
// rest of each probe is what those systems show:
// - Braiins OS is OpenWrt: musl (/lib/ld-musl-armhf.so.1, bosminer targets arm-unknown-linux-
//   musleabi) and procd as PID 1; its miner is bosminer (real-hardware.md §4, braiins-os upgrade/).
// - Stock Bitmain S9: busybox init with /etc/inittab, old glibc, bmminer, and only Bitmain's FPGA
//   char devices /dev/axi_fpga_dev + /dev/fpga_mem (kanoi/cgminer driver-btm-soc.h; real-hardware.md §2).
// - The S19j Pro BeagleBone: buildroot glibc, busybox init, cgminer-derived bmminer (DCENT_OS
//   platform/beaglebone.rs; pyasic#147 for its missing scp).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgeProbe, parseProbe } from '../../../agent/flash/probe.js';
import { isHealthy, parseHealth } from '../../../agent/flash/health.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/boards/', import.meta.url));
const PAYLOAD = { unpackedBytes: 80e6, packedBytes: 24e6 };

/** The board-facts part of a probe, as the probe script prints it on the fixture's box. */
function boardLines(fixture: string): string[] {
  const root = join(FIXTURES, fixture);
  const out: string[] = [];
  const model = join(root, 'proc/device-tree/model');
  if (existsSync(model)) out.push(`model=${readFileSync(model, 'utf8').replace(/\0/g, '').trim()}`);
  const bn = join(root, 'tmp/sysinfo/board_name');
  if (existsSync(bn)) out.push(`braiins_board=${readFileSync(bn, 'utf8').trim()}`);
  const uio = join(root, 'sys/class/uio');
  if (existsSync(uio)) for (const u of readdirSync(uio)) out.push(`uio=${readFileSync(join(uio, u, 'name'), 'utf8').trim()}`);
  if (existsSync(join(root, 'sys/class/gpio'))) out.push('gpio_sysfs=1');
  for (const d of readdirSync(join(root, 'dev'))) out.push(`dev=${d}`);
  return out;
}

const common = ['arch=armv7l', 'kernel=4.9.0', 'run_free_kb=250000', 'memtotal=1010000', 'memavailable=800000', 'tool=xz', 'tool=tar', 'tool=sha256sum', 'tool=wget'];

describe('flash probe: parsing and verdict', () => {
  it('Braiins OS on the S9: musl, procd, bosminer to take over, the s9io chains present', () => {
    const f = parseProbe([...common, ...boardLines('s9-braiins-os'), 'libc_file=/lib/ld-musl-armhf.so.1', 'pid1=procd', 'procd=1', 'init_link=', 'miner=bosminer', 'running=bosminer'].join('\n'));
    expect(f).toMatchObject({ libc: 'musl', init: 'procd', miners: ['bosminer'], running: ['bosminer'], braiinsBoard: 'am1-s9', installed: null });
    const v = judgeProbe(f, PAYLOAD);
    expect(v.board).toBe('antminer-s9');
    expect(v.stockMiner).toBe('bosminer');
    expect(v.reasons.filter((r) => /stock S9|architecture|init system/.test(r))).toEqual([]);
  });

  it('stock Bitmain S9: old glibc, busybox init — refused, no chain interface without Braiins\' bitstream', () => {
    const f = parseProbe([...common, 'model=Xilinx Zynq', 'dev=axi_fpga_dev', 'dev=fpga_mem', 'dev=i2c-0', 'libc_file=/lib/libc.so.6', 'pid1=init', 'init_link=/bin/busybox', 'inittab=1', 'miner=bmminer', 'running=bmminer'].join('\n'));
    expect(f).toMatchObject({ libc: 'glibc', init: 'busybox' });
    const v = judgeProbe(f, PAYLOAD);
    expect(v.ok).toBe(false);
    expect(v.reasons.join('\n')).toMatch(/stock S9 firmware \(Bitmain FPGA, \/dev\/axi_fpga_dev\): no chain interface without Braiins' s9io bitstream/);
  });

  it('S19j Pro BeagleBone: glibc, SysV init from /etc/inittab, identified by its omap-serial UARTs', () => {
    const f = parseProbe([...common, ...boardLines('s19j-pro-beaglebone'), 'libc_file=/lib/ld-linux-armhf.so.3', 'libc_file=/lib/libc.so.6', 'pid1=init', 'inittab=1', 'miner=bmminer'].join('\n'));
    expect(f).toMatchObject({ libc: 'glibc', init: 'sysvinit' });
    const v = judgeProbe(f, PAYLOAD);
    expect(v.board).toBe('antminer-s19j-pro-bbb');
    expect(v.stockMiner).toBe('bmminer');
  });

  it('a Debian board with systemd, with the configuration naming the board', () => {
    const f = parseProbe([...common, 'model=V2P-CA9', 'dev=ttyAMA1', 'dev=ttyAMA2', 'dev=ttyAMA3', 'dev=i2c-0', 'libc_file=/lib/ld-linux-armhf.so.3', 'pid1=systemd', 'systemd=1'].join('\n'));
    expect(f.init).toBe('systemd');
    expect(judgeProbe(f, PAYLOAD).reasons.filter((r) => /no board definition/.test(r))).toHaveLength(1);
    const v = judgeProbe(f, PAYLOAD, 'qemu-vexpress');
    expect(v.board).toBe('qemu-vexpress');
    expect(v.stockMiner).toBeNull();
  });

  it('refuses with a reason each: another architecture, no xz, too little RAM or tmpfs, unknown init', () => {
    const f = parseProbe(['arch=aarch64', 'run_free_kb=1000', 'memtotal=100000', 'memavailable=90000', 'tool=tar', 'pid1=runit', ...boardLines('s9-braiins-os')].join('\n'));
    const reasons = judgeProbe(f, PAYLOAD).reasons.join('\n');
    expect(reasons).toMatch(/architecture aarch64: the payload is armhf/);
    expect(reasons).toMatch(/no xz on the board/);
    expect(reasons).toMatch(/\/run has 1000 kB free/);
    expect(reasons).toMatch(/RAM: 90000 kB available/);
    expect(reasons).toMatch(/no known init system/);
  });

  it('an earlier flash: the miner it replaced is the one to restore, even when none runs now', () => {
    const f = parseProbe([...common, ...boardLines('s9-braiins-os'), 'pid1=procd', 'miner=bosminer', 'installed=bosminer'].join('\n'));
    expect(f.installed).toBe('bosminer');
    expect(judgeProbe(f, PAYLOAD).stockMiner).toBe('bosminer');
    expect(parseProbe('installed=\n').installed).toBe('');
  });

  it('ignores lines that are not key=value (a shell\'s noise) and keeps repeated keys in order', () => {
    const f = parseProbe('motd banner\n=x\nuio=b\nuio=a\nusb=0403:6015\n');
    expect(f.uio).toEqual(['a', 'b']);
    expect(f.usb).toEqual(['0403:6015']);
    expect(f).toMatchObject({ arch: '', libc: 'unknown', init: 'unknown', runFreeKb: null });
  });
});

describe('flash health gate: the agent\'s /metrics', () => {
  const metrics = (running: number[], accepted: number) =>
    [0, 1, 2].flatMap((c) => ['running', 'reinitialising', 'disabled'].map((s) => `hashagent_chain_state{chain="${c}",state="${s}"} ${s === 'running' && running.includes(c) ? 1 : 0}`))
      .concat([`hashagent_shares_total{result="accepted"} ${accepted}`, 'hashagent_shares_total{result="rejected"} 0']).join('\n');
  it('healthy only with every chain running and a share accepted', () => {
    expect(parseHealth(metrics([0, 1, 2], 3))).toEqual({ chains: 3, running: 3, accepted: 3 });
    expect(isHealthy(parseHealth(metrics([0, 1, 2], 3)))).toBe(true);
    expect(isHealthy(parseHealth(metrics([0, 1, 2], 0)))).toBe(false);
    expect(isHealthy(parseHealth(metrics([0, 2], 5)))).toBe(false);
    expect(isHealthy(parseHealth(''))).toBe(false);
  });
});
