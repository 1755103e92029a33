// The boot-order part of `hashagent flash` (agent/flash/remote.ts enableAtBoot/disableAtBoot), run
// as the exact shell text it sends, on the board layouts it meets: SysV rc folders (stock Bitmain
// images), OpenWrt's /etc/rc.d (Braiins OS), a buildroot rcS that runs /etc/init.d/S??*, and a
// board with none of them. Each case runs in a private mount namespace (`unshare -m`) with tmpfs
// over /etc and /opt, so the scripts touch their real absolute paths and nothing of this machine.
// The QEMU flash test runs the SysV case end to end on the guest, reboot included.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { disableAtBoot, enableAtBoot } from '../../agent/flash/remote.js';
import { shq } from '../../agent/flash/ssh.js';

const canUnshare = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs none /opt'], { stdio: 'ignore' }).status === 0;
if (!canUnshare && process.env.CI) throw new Error('CI is set and `unshare -m` does not work here: the boot-order tests need a mount namespace (root)');

interface Layout {
  name: string;
  /** Files to create (path → content; a value starting with '->' makes a symlink). */
  files: Record<string, string>;
  miner: string | null;
  /** Where hashagent must be linked to start at boot (symlinks, resolved from their folder). */
  starts: string[];
  /** The miner's start links that must be gone after enabling. */
  minerLinks: string[];
}

const LAYOUTS: Layout[] = [
  {
    name: 'SysV rc folders (stock Bitmain)',
    files: { 'etc/init.d/bmminer': '#!/bin/sh\n', 'etc/rcS.d/S70bmminer': '->../init.d/bmminer', 'etc/rc5.d/S70bmminer': '->../init.d/bmminer', 'etc/rc6.d/K20network': '->../init.d/network', 'etc/rcS.d/S10network': '->../init.d/network' },
    miner: 'bmminer',
    starts: ['etc/rcS.d/S99hashagent', 'etc/rc5.d/S99hashagent'],
    minerLinks: ['etc/rcS.d/S70bmminer', 'etc/rc5.d/S70bmminer'],
  },
  {
    name: 'OpenWrt /etc/rc.d (Braiins OS)',
    files: { 'etc/init.d/bosminer': '#!/bin/sh\n', 'etc/rc.d/S99bosminer': '->../init.d/bosminer', 'etc/rc.d/K10bosminer': '->../init.d/bosminer', 'etc/rc.d/S10boot': '->../init.d/boot' },
    miner: 'bosminer',
    starts: ['etc/rc.d/S99hashagent'],
    minerLinks: ['etc/rc.d/S99bosminer'],
  },
  {
    name: 'buildroot busybox rcS (init.d/S??*)',
    files: { 'etc/init.d/rcS': '#!/bin/sh\nfor i in /etc/init.d/S??* ; do $i start; done\n', 'etc/init.d/S80cgminer': '#!/bin/sh\n', 'etc/init.d/cgminer': '#!/bin/sh\n', 'etc/init.d/S40network': '#!/bin/sh\n' },
    miner: 'cgminer',
    starts: ['etc/init.d/S99hashagent'],
    minerLinks: ['etc/init.d/S80cgminer'],
  },
  { name: 'no boot order known', files: { 'etc/init.d/cgminer': '#!/bin/sh\n' }, miner: 'cgminer', starts: [], minerLinks: [] },
];

/** Runs the setup and the scripts in a private mount namespace; prints markers between steps. */
function runInNamespace(layout: Layout): { code: number | null; out: string } {
  const setup = Object.entries(layout.files).map(([path, content]) => {
    const dir = `/${path.split('/').slice(0, -1).join('/')}`;
    return content.startsWith('->') ? `mkdir -p ${dir} && ln -s ${shq(content.slice(2))} /${path}` : `mkdir -p ${dir} && printf %s ${shq(content)} > /${path} && chmod 755 /${path}`;
  });
  const list = 'find /etc /opt -mindepth 1 \\( -type l -printf "%p -> %l\\n" \\) -o \\( ! -type d -printf "%p\\n" \\) | sort';
  const script = [
    'set -e',
    'mount -t tmpfs none /etc', 'mount -t tmpfs none /opt', 'mkdir -p /etc/init.d /opt/hashagent',
    'printf "#!/bin/sh\\n" > /etc/init.d/hashagent && chmod 755 /etc/init.d/hashagent',
    ...setup,
    `echo '--before'`, list,
    `echo '--enable'`, `( ${enableAtBoot('busybox', layout.miner).join('\n')} )`,
    `echo '--enabled'`, list,
    `echo '--disable'`, `( ${disableAtBoot('busybox').join('\n')} )`,
    `echo '--after'`, list,
  ].join('\n');
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

const section = (out: string, name: string) => {
  const start = out.indexOf(`--${name}\n`) + name.length + 3;
  const end = out.indexOf('\n--', start);
  return out.slice(start, end < 0 ? undefined : end + 1).split('\n').filter(Boolean);
};

describe.skipIf(!canUnshare)('flash: the board boots hashagent instead of the stock miner, and back', () => {
  it.each(LAYOUTS.map((l) => [l.name, l] as const))('%s', (_name, layout) => {
    const { code, out } = runInNamespace(layout);
    expect(code, out).toBe(0);
    const before = section(out, 'before');
    const enabled = section(out, 'enabled');
    // Where it starts at boot, as the script reports it to the flash.
    const reported = section(out, 'enable').filter((l) => l.startsWith('boot=')).map((l) => l.slice(5));
    expect(reported.sort()).toEqual(layout.starts.map((s) => `/${s.split('/').slice(0, -1).join('/')}`).sort());
    for (const s of layout.starts) expect(enabled.some((l) => l.startsWith(`/${s} -> `) && /hashagent$/.test(l)), `${s} in\n${enabled.join('\n')}`).toBe(true);
    // The stock miner does not start at boot any more, but its links are kept.
    for (const m of layout.minerLinks) {
      expect(enabled.some((l) => l.startsWith(`/${m}`))).toBe(false);
      expect(enabled.some((l) => l.startsWith(`/opt/hashagent/disabled-boot-links/${m}`))).toBe(true);
    }
    // Its stop link (a halt or reboot powers the boards down) where the board has rc0.d/rc6.d.
    if (layout.files['etc/rc6.d/K20network']) expect(enabled).toContain('/etc/rc6.d/K01hashagent -> ../init.d/hashagent');
    // Other services are untouched, and disabling gives back exactly what was there.
    expect(section(out, 'after')).toEqual(before);
  });
});
