// The native addon on this machine, against the kernel itself (nothing here is a mock): a
// file-backed MAP_SHARED mapping seen by two mappings and by read(2), interrupt waits on a FIFO
// (the same poll + 4-byte read a /dev/uioN takes), GPIO ioctls refused by a non-GPIO file, and
// the loader's error when no binary fits. (No gpiochip exists on the CI machine and gpio-sim
// needs a kernel module: the line request/get/set path runs only on a board.)
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { candidatePaths, nativeTarget } from '../../../drivers/native/hashagent-io.js';
import { nativeIo } from '../../support/native.js';
import { findGpioChipLine, findGpioLine } from '../../../drivers/transport/gpio-cdev.js';
import { tempDir } from '../../support/processes.js';

const tmp = tempDir('hashagent-native-');
afterAll(() => tmp.remove());

describe('hashagent_io addon', () => {
  const io = nativeIo();

  it('maps a file and its 32-bit stores reach the file and a second mapping', () => {
    const path = join(tmp.dir, 'regs');
    writeFileSync(path, Buffer.alloc(8192));
    const fd = io.open(path, true);
    const a = io.mmap(fd, 4096, 4096); // the second page, as UIO selects map 1 by offset
    const b = io.mmap(fd, 8192, 0);
    io.write32(a, 8, 0xdeadbeef);
    expect(io.read32(b, 4096 + 8)).toBe(0xdeadbeef);
    io.munmap(a);
    io.munmap(b);
    io.close(fd);
    // Little-endian store as the CPU makes it, read back by read(2) through the page cache.
    expect(readFileSync(path).readUInt32LE(4096 + 8)).toBe(0xdeadbeef);
  });

  it('refuses offsets outside the mapping or unaligned, and a closed mapping, with typed errors', () => {
    const path = join(tmp.dir, 'small');
    writeFileSync(path, Buffer.alloc(4096));
    const fd = io.open(path, true);
    const m = io.mmap(fd, 4096, 0);
    expect(() => io.read32(m, 4096)).toThrow(RangeError);
    expect(() => io.write32(m, 2, 1)).toThrow(RangeError);
    expect(() => io.write32(m, 0, -1)).toThrow(TypeError);
    io.munmap(m);
    expect(() => io.read32(m, 0)).toThrow(TypeError);
    expect(() => io.mmap(fd, 6, 0)).toThrow(TypeError);
    io.close(fd);
    expect(() => io.open(join(tmp.dir, 'absent'), true)).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'open' }));
  });

  it('waits for an interrupt: resolves with the fd that fired after consuming its count, [] on timeout', async () => {
    const fifo = join(tmp.dir, 'irq');
    execFileSync('mkfifo', [fifo]);
    const fd = io.open(fifo, true); // O_RDWR: a FIFO opens without a writer
    expect(await io.waitIrq([fd], 10)).toEqual([]);
    const writer = openSync(fifo, 'w');
    const count = Buffer.alloc(4);
    count.writeUInt32LE(7);
    writeSync(writer, count);
    expect(await io.waitIrq([fd], 10_000)).toEqual([fd]);
    expect(await io.waitIrq([fd], 10)).toEqual([]); // the count was consumed
    closeSync(writer);
    io.close(fd);
    await expect(io.waitIrq([fd], 10)).rejects.toThrow();
    expect(() => io.waitIrq([], 10)).toThrow(TypeError);
  });

  it('GPIO ioctls on a file that is not a gpiochip fail with ENOTTY', () => {
    const path = join(tmp.dir, 'not-a-chip');
    writeFileSync(path, '');
    const fd = io.open(path, false);
    expect(() => io.gpioChipInfo(fd)).toThrow(expect.objectContaining({ code: 'ENOTTY' }));
    expect(() => io.gpioLineInfo(fd, 0)).toThrow(expect.objectContaining({ code: 'ENOTTY' }));
    expect(() => io.gpioRequest(fd, [0], 'test', true, false, 0)).toThrow(expect.objectContaining({ code: 'ENOTTY' }));
    expect(() => io.gpioRequest(fd, [], 'test', true, false, 0)).toThrow(TypeError);
    io.close(fd);
  });

  it('GPIO line lookups skip files named gpiochipN that are no GPIO chip, and find nothing there', () => {
    const dev = join(tmp.dir, 'dev');
    mkdirSync(dev);
    writeFileSync(join(dev, 'gpiochip0'), '');
    expect(findGpioLine('rst0', dev, io)).toBeNull();
    expect(findGpioChipLine('ftdi-cbus', 1, dev, io)).toBeNull();
    expect(findGpioLine('rst0', join(tmp.dir, 'no-such-dir'), io)).toBeNull();
  });

  it('the loader looks for <platform>-<arch>/hashagent_io.node, HASHAGENT_NATIVE_DIR first', () => {
    expect(nativeTarget('linux', 'arm')).toBe('linux-arm');
    const paths = candidatePaths('/a/b', 'linux-arm', { HASHAGENT_NATIVE_DIR: '/opt/n' });
    expect(paths[0]).toBe('/opt/n/linux-arm/hashagent_io.node');
    expect(paths).toContain('/a/b/native/linux-arm/hashagent_io.node');
    expect(paths).toContain('/a/dist/native/linux-arm/hashagent_io.node');
  });
});
