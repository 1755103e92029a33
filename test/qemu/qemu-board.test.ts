// The image on an ARM board: QEMU vexpress-a9 (2 Cortex-A9 cores) boots Debian's armmp kernel and
// our initramfs; the agent inside, on Debian trixie's armhf Node 20.19 with cross-built addons,
// brings up three emulated S9 chains through the PL011 UARTs ttyAMA1–3 (host-side `hashagent
// emulate` over QEMU's socket chardevs), reads QEMU's tmp105/tmp421 models over i2c-versatile +
// i2c-dev, mines to a pool on the host through user-mode networking, and powers down on SIGTERM.
// Third-party parts proven here: Debian's kernel, dtb, Node and busybox; QEMU's PL011, SBCon I2C
// and sensor models (qemu hw/arm/vexpress.c, hw/sensor/tmp105.c, tmp421.c).
// Run alone: `npm run test:qemu`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPool } from '../support/agent-rig.js';
import { generateImageKey } from '../../agent/image/manifest.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
import { BOARD_TEMPS, bootQemuBoard, ensureImage, freePort, guestAgentToml, haveQemuTools, startChainEmulator, type QemuBoard } from '../support/qemu-board.js';
import { flashOnTheQemuBoard } from './flash-cases.js';

const haveTools = haveQemuTools();

// One image build for both describes (they run in order in this file; two files would build at once).
let image: ReturnType<typeof ensureImage> | undefined;
const imageOnce = () => (image ??= ensureImage());

describe.skipIf(!haveTools)('the image on the QEMU vexpress-a9 board', () => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  let payloadBytes = 0;
  beforeAll(() => {
    payloadBytes = imageOnce().payloadBytes;
  }, 15 * 60_000);

  it('boots, brings the three chains up over the PL011 UARTs, reads the I2C sensors, gets shares accepted, and powers down on SIGTERM', async () => {
    expect(payloadBytes).toBeGreaterThan(10e6);
    const pool = await startTestPool();
    cleanups.push(() => pool.stop());
    const emu = await startChainEmulator(cleanups);
    if (process.env.HASHAGENT_QEMU_LOG) {
      emu.child.stdout!.on('data', (d) => process.stdout.write(`[emu] ${d}`));
      emu.child.stderr!.on('data', (d) => process.stdout.write(`[emu] ${d}`));
      process.on('uncaughtException', (e) => process.stdout.write(`UNCAUGHT ${e.stack}\n`));
    }
    const httpPort = await freePort();
    const board: QemuBoard = await bootQemuBoard({
      chains: emu.chains,
      files: { 'etc/hashagent/agent.toml': { data: guestAgentToml(pool) } },
      forward: { [httpPort]: 8080 },
      log: process.env.HASHAGENT_QEMU_LOG ? (l) => process.stdout.write(l + '\n') : undefined,
    });
    cleanups.push(() => board.stop());
    // The deadlines follow the guest's measured speed: unpacking the payload (xz, CPU-bound)
    // is the yardstick — qemu.md measured boot ~4 s and a cold Node start 6.5 s on 2 vCPUs.
    const ready = await board.waitFor(/hashagent: payload ready/, 5 * 60_000);
    const unit = Math.max(ready.t, 10) * 1000;
    // The init checked the payload against the image's key before starting anything of it.
    await board.waitFor(/^verified \d+ files in \/run\/hashagent/, 4 * unit);
    await board.waitFor(/hashagent: started/, unit);
    // Bring-up of 3 × 63 BM1387 at 115 200 baud through the guest's Node.
    // Every chain comes up and hashes. Not every run finds all 63 chips: on a loaded host the
    // guest sometimes drains the enumeration replies after the agent's reply window has closed
    // (the agent then runs the chain with the chips it found, as on real boards).
    for (const c of [0, 1, 2]) await board.waitFor(new RegExp(`chain ${c}: \\d+ × BM1387`), 12 * unit);
    const deadline = Date.now() + 12 * unit;
    while (pool.pool.shares.accepted.get() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(pool.pool.shares.accepted.get()).toBeGreaterThan(0);
    expect(pool.pool.shares.rejected.get()).toBe(0);
    // The sensors, read by the agent in the guest, from outside through the forwarded HTTP port.
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    for (const c of [0, 1, 2]) expect(metrics).toMatch(new RegExp(`^hashagent_chips\\{chain="${c}",state="found"\\} [1-9]\\d*$`, 'm'));
    // The sensors as the agent read them over i2c-dev from QEMU's models: its status line gives
    // the chip temperature (the tmp421's remote channel), and the safety loop, which latches a
    // shutdown when any sensor keeps failing, never did.
    await board.waitFor(new RegExp(`chips ${BOARD_TEMPS.tmp421Remote / 1000}–${BOARD_TEMPS.tmp421Remote / 1000} °C`), 4 * unit);
    expect(board.lines.filter((l) => /SAFETY SHUTDOWN/.test(l.line))).toEqual([]);
    // SIGTERM in the guest: the init's `stop` sends it to the agent, which powers down, then halts.
    board.send('stop');
    await board.waitFor(/SIGTERM: stopping hashing, voltage off, resets held/, 4 * unit);
    await board.waitFor(/all chains powered down/, 4 * unit);
    await board.waitFor(/hashagent: stopped/, 4 * unit);
    expect(await Promise.race([board.exited, new Promise((r) => setTimeout(() => r('still running'), 4 * unit))])).not.toBe('still running');
  }, 40 * 60_000);

  it('refuses to start a payload whose manifest does not verify with the board\'s key', async () => {
    const board = await bootQemuBoard({
      files: { 'etc/hashagent/image.pub': { data: hex(generateImageKey().publicKey) + '\n' } },
      log: process.env.HASHAGENT_QEMU_LOG ? (l) => process.stdout.write(l + '\n') : undefined,
    });
    cleanups.push(() => board.stop());
    const ready = await board.waitFor(/hashagent: payload ready/, 5 * 60_000);
    const unit = Math.max(ready.t, 10) * 1000;
    await board.waitFor(/signature does not match the public key/, 4 * unit);
    await board.waitFor(/payload refused: .* the agent is not started/, unit);
    expect(board.lines.some((l) => /hashagent: started/.test(l.line))).toBe(false);
  }, 20 * 60_000);
});

// `hashagent flash` onto a QEMU board of its own, over SSH (flash-cases.ts).
flashOnTheQemuBoard(haveTools, imageOnce);
