// `hashagent detect`: which board this is, from what the system shows (device-tree model,
// Braiins OS's /tmp/sysinfo/board_name, UIO device names, ttys, I2C buses, USB ids), which
// definition fits, what that definition needs and does not find, and what in it is unverified.
// Everything is read under `root` ("/" on a board; a fixture tree in tests), nothing is opened
// for writing, so it is safe to run on a box that is mining with another firmware.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOARDS } from '../boards.js';
import type { BoardDefinition, GpioRef } from '../types.js';
import { S9IO_WINDOWS, s9ioUioName } from '../../drivers/transport/s9io-registers.js';

export interface SystemFacts {
  model: string | null;
  braiinsBoard: string | null;
  uio: string[];
  ttys: string[];
  i2c: number[];
  /** vendor:product of every USB device, lower-case hex. */
  usb: string[];
  /** GPIO line names the character devices report (from sysfs-less fixtures: none). */
  gpioChips: string[];
}

export interface DetectReport {
  found: SystemFacts;
  /** The definition that fits, or null. */
  board: string | null;
  /** Why it fits (which facts matched). */
  because: string[];
  /** What the definition needs that is not there. */
  missing: string[];
  /** The definition's own unverified list. */
  unverified: string[];
  /** Other definitions that also matched, weaker. */
  alternatives: string[];
}

const read = (p: string): string | null => {
  try {
    return readFileSync(p, 'utf8').replace(/\0+$/, '').trim();
  } catch {
    return null;
  }
};
const list = (p: string): string[] => {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
};

export function systemFacts(root = '/'): SystemFacts {
  const uioDir = join(root, 'sys/class/uio');
  const usbDir = join(root, 'sys/bus/usb/devices');
  const dev = list(join(root, 'dev'));
  return {
    model: read(join(root, 'proc/device-tree/model')),
    braiinsBoard: read(join(root, 'tmp/sysinfo/board_name')),
    uio: list(uioDir).map((u) => read(join(uioDir, u, 'name'))).filter((n): n is string => !!n).sort(),
    ttys: dev.filter((d) => /^tty(S|O|USB|ACM|AMA|PS)\d+$/.test(d)).sort(),
    i2c: dev.filter((d) => /^i2c-\d+$/.test(d)).map((d) => Number(d.slice(4))).sort((a, b) => a - b),
    usb: list(usbDir)
      .map((d) => [read(join(usbDir, d, 'idVendor')), read(join(usbDir, d, 'idProduct'))])
      .filter(([v, p]) => v && p)
      .map(([v, p]) => `${v!.toLowerCase()}:${p!.toLowerCase()}`)
      .sort(),
    gpioChips: dev.filter((d) => /^gpiochip\d+$/.test(d)).sort(),
  };
}

interface Rule {
  board: string;
  /** Facts that identify the board; each match adds to the score. */
  identify: (f: SystemFacts) => string[];
}

const has = (re: RegExp, s: string | null) => s !== null && re.test(s);

/** How each real board shows itself (sources in each definition's file). */
const RULES: Rule[] = [
  {
    board: 'antminer-s9',
    identify: (f) => [
      ...(has(/zynq/i, f.model) ? [`device-tree model "${f.model}" (Zynq)`] : []),
      ...(has(/^am1-s9|s9/i, f.braiinsBoard) ? [`Braiins OS board_name "${f.braiinsBoard}"`] : []),
      ...(f.uio.some((u) => /^chain\d-common$/.test(u)) ? ['s9io UIO devices (chainN-common)'] : []),
    ],
  },
  {
    board: 'antminer-s19j-pro-bbb',
    identify: (f) => [
      ...(has(/am335x|beaglebone/i, f.model) ? [`device-tree model "${f.model}" (AM335x)`] : []),
      ...(['ttyO1', 'ttyO2', 'ttyO4'].every((t) => f.ttys.includes(t)) ? ['omap-serial ttyO1/O2/O4'] : []),
    ],
  },
  {
    board: 'antminer-s19j-pro-amlogic',
    identify: (f) => [
      ...(has(/amlogic|a113d|meson|axg/i, f.model) ? [`device-tree model "${f.model}" (Amlogic)`] : []),
      ...(has(/amlogic|a113d|meson|axg/i, f.model) && ['ttyS1', 'ttyS2', 'ttyS4'].every((t) => f.ttys.includes(t)) ? ['ttyS1/S2/S4'] : []),
    ],
  },
  {
    board: 'gekko-compac-f',
    identify: (f) => (f.usb.includes('0403:6015') ? ['USB 0403:6015 (FTDI FT-X of the Compac F, cgminer usbutils.c:1138-1147)'] : []),
  },
];

/** What a definition needs from the system, as paths under root, with a word on each. */
function needs(def: BoardDefinition): { path: string; what: string }[] {
  const out: { path: string; what: string }[] = [];
  const gpio = (g: GpioRef | undefined, what: string) => {
    if (!g) return;
    if (g.kind === 'sysfs') out.push({ path: 'sys/class/gpio', what: `${what} (sysfs GPIO ${g.number})` });
    if (g.kind === 'line') out.push({ path: 'dev', what: `${what} (GPIO line "${g.line}" or sysfs ${g.sysfs ?? '?'})` });
  };
  for (const c of def.chains) {
    if (c.link.kind === 'serial') out.push({ path: c.link.path.slice(1), what: `chain ${c.index} serial line` });
    if (c.link.kind === 's9io') for (const w of S9IO_WINDOWS) out.push({ path: `uio:${s9ioUioName(c.link.connector, w)}`, what: `chain ${c.index} s9io window` });
    gpio(c.reset, `chain ${c.index} reset`);
    gpio(c.plug, `chain ${c.index} plug detect`);
    const p = c.power;
    if ('bus' in p && p.bus.kind === 'linux') out.push({ path: `dev/i2c-${p.bus.bus}`, what: `chain ${c.index} power controller bus` });
    if (p.kind === 's19-hashboard' && p.psu.bus.kind === 'linux') out.push({ path: `dev/i2c-${p.psu.bus.bus}`, what: 'APW12 PSU bus' });
  }
  for (const f of def.fans) if (f.kind === 'uio-fan-ctrl') out.push({ path: `uio:${f.device}`, what: `fan ${f.name} controller` });
  // One line per distinct need.
  return out.filter((n, i) => out.findIndex((m) => m.path === n.path && (n.path === 'sys/class/gpio' || m.what === n.what)) === i);
}

export function missingFor(def: BoardDefinition, facts: SystemFacts, root = '/'): string[] {
  const missing: string[] = [];
  for (const n of needs(def)) {
    const ok = n.path.startsWith('uio:') ? facts.uio.includes(n.path.slice(4)) : existsSync(join(root, n.path));
    if (!ok) missing.push(`${n.what}: ${n.path.startsWith('uio:') ? `UIO device "${n.path.slice(4)}"` : `/${n.path}`}`);
  }
  return missing;
}

export function detectBoard(root = '/'): DetectReport {
  const found = systemFacts(root);
  const scored = RULES.map((r) => ({ r, because: r.identify(found) })).filter((x) => x.because.length > 0).sort((a, b) => b.because.length - a.because.length);
  const best = scored[0];
  if (!best) return { found, board: null, because: [], missing: [], unverified: [], alternatives: [] };
  const def = BOARDS.find((b) => b.name === best.r.board)!;
  return {
    found,
    board: def.name,
    because: best.because,
    missing: missingFor(def, found, root),
    unverified: def.unverified,
    alternatives: scored.slice(1).map((x) => x.r.board),
  };
}

/** The report for people: found, fitting definition, missing, unverified. */
export function formatReport(r: DetectReport): string {
  const f = r.found;
  const lines = [
    `device-tree model: ${f.model ?? '(none)'}`,
    `Braiins OS board:  ${f.braiinsBoard ?? '(none)'}`,
    `UIO devices:       ${f.uio.join(', ') || '(none)'}`,
    `ttys:              ${f.ttys.join(', ') || '(none)'}`,
    `I2C buses:         ${f.i2c.map((b) => `i2c-${b}`).join(', ') || '(none)'}`,
    `USB devices:       ${f.usb.join(', ') || '(none)'}`,
    '',
    r.board ? `board: ${r.board} (${r.because.join('; ')})` : 'board: no definition fits (set [board] name in agent.toml)',
  ];
  if (r.alternatives.length) lines.push(`also matched: ${r.alternatives.join(', ')}`);
  if (r.board) {
    lines.push(r.missing.length ? 'missing:' : 'missing: nothing', ...r.missing.map((m) => `  - ${m}`));
    lines.push(r.unverified.length ? 'unverified in this definition:' : 'unverified: nothing', ...r.unverified.map((u) => `  - ${u}`));
  }
  return lines.join('\n');
}
