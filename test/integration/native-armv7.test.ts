// The armv7 build of the native addon, loaded by Debian trixie's armhf Node 20.19 under
// qemu-user (the same Node the ARM image ships), maps a file and stores and loads through it.
// Needs gcc-arm-linux-gnueabihf, qemu-user-static and mmdebstrap (.ci/run installs them; under
// CI a missing one fails this test instead of skipping it).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureArmhfRoot } from '../../scripts/armhf/root.mjs';
import { buildTarget } from '../../scripts/build-native.mjs';
import { tempDir } from '../support/processes.js';
import { needTool } from '../support/tools.js';

const tools = needTool('qemu-arm-static', '--version') && needTool('mmdebstrap', '--version') && needTool('arm-linux-gnueabihf-gcc', '--version');
const tmp = tempDir('hashagent-armv7-');
afterAll(() => tmp.remove());

describe.skipIf(!tools)('native addon on armv7 (qemu-user)', () => {
  it('loads under armhf Node 20.19 and its mmap stores reach the file', { timeout: 600_000 }, async () => {
    const addon = buildTarget('linux-arm');
    const root = await ensureArmhfRoot({ packages: ['nodejs'] });
    const file = join(tmp.dir, 'window');
    writeFileSync(file, Buffer.alloc(4096));
    const script = join(tmp.dir, 'smoke.cjs');
    writeFileSync(
      script,
      `const io = require(process.argv[2]);
       const fd = io.open(process.argv[3], true);
       const m = io.mmap(fd, 4096, 0);
       io.write32(m, 12, 0x12345678);
       const back = io.read32(m, 12);
       let range = 'none';
       try { io.read32(m, 4096); } catch (e) { range = e.constructor.name; }
       io.munmap(m); io.close(fd);
       console.log(JSON.stringify({ arch: process.arch, version: process.version, abi: io.abi, back, range }));`,
    );
    const r = spawnSync('qemu-arm-static', ['-L', root, join(root, 'usr/bin/node'), script, addon, file], { encoding: 'utf8', timeout: 300_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim());
    expect(out).toMatchObject({ arch: 'arm', abi: 1, back: 0x12345678, range: 'RangeError' });
    expect(out.version).toMatch(/^v20\.(19|[2-9]\d)\./);
    expect(readFileSync(file).readUInt32LE(12)).toBe(0x12345678);
  });
});
