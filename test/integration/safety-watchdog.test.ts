// What keeps the board safe when the agent itself hangs: the Linux hardware watchdog fed by the
// safety loop, and the S9 PIC's heartbeat stopping on the same hang so the PIC cuts the chain. The
// watchdog "device" here is a plain file (the same open/write/close the agent does on
// /dev/watchdog); the hang is a temperature sensor whose read never settles, with a read timeout
// long enough that the safety loop really stops completing polls.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBoard, type BoardHardware } from '../../board/open.js';
import { emulatedAntminerS9 } from '../../board/emulated-boards.js';
import { SafetyController } from '../../agent/safety/controller.js';
import { safetyConfigFor } from '../../agent/safety/policy.js';
import { HardwareWatchdog, WatchdogError } from '../../agent/safety/hardware-watchdog.js';
import { bringUp } from '../../agent/safety/bring-up.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('hardware watchdog', () => {
  it('is fed at every completed poll, and stops being fed when the safety loop hangs; the PIC heartbeat stops with it and the PIC cuts the chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashagent-wdt-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const device = join(dir, 'watchdog');
    const scale = 20;
    const hw: BoardHardware = await openBoard(emulatedAntminerS9, {
      // The PIC's real dead-man (10 s) in emulated time: 0.5 s here.
      emulation: { timeScale: scale, picBootMs: 500 },
      picTiming: { retries: 3, retryDelayMs: 1, resetDelayMs: 500 / scale + 5, heartbeatMs: 1000 / scale },
    });
    cleanups.push(() => hw.close());
    const wdt = HardwareWatchdog.open(device);
    cleanups.push(() => wdt.close());
    // One sensor whose read can be made to hang, with a read timeout of an hour: a hung loop.
    let hang = false;
    const sensor = hw.sensors[0]!;
    const read = sensor.read.bind(sensor);
    (sensor as { read: () => Promise<number> }).read = () => (hang ? new Promise<number>(() => undefined) : read());
    const safety = new SafetyController(hw, safetyConfigFor(emulatedAntminerS9.limits), { pollMs: 50, readTimeoutMs: 3_600_000, fanSpinUpMs: 300, heartbeatWarnMs: 150, heartbeatLostMs: 400 }, { onPollDone: () => wdt.feed() });
    cleanups.push(() => safety.stop());
    safety.start();
    await bringUp(hw, safety, { chains: [{ index: 6, voltage: 8.8 }], minFans: 1 });
    expect(hw.emulated!.isPowered(6)).toBe(true);
    await sleep(500);
    const fed = wdt.feeds;
    expect(fed).toBeGreaterThan(3);
    expect(readFileSync(device, 'utf8')).toBe('k'.repeat(fed));
    hang = true;
    // Let the poll in flight hang; from then on nothing feeds the watchdog.
    await sleep(200);
    const atHang = wdt.feeds;
    // The loop counts as hung after 3 s (2 s + one read's worth); the PIC cuts 0.5 s (10 s emulated) later.
    await sleep(3000 + 1500);
    expect(wdt.feeds).toBe(atHang);
    // The heartbeat stopped with the loop (not the timer): the PIC's own dead-man cut chain 6.
    expect(hw.emulated!.isPowered(6)).toBe(false);
    // A clean close disarms it with the magic character.
    wdt.close();
    expect(readFileSync(device, 'utf8').endsWith('V')).toBe(true);
  }, 20_000);

  it('a missing device is a typed error naming it', () => {
    expect(() => HardwareWatchdog.open('/nonexistent/watchdog')).toThrow(WatchdogError);
    expect(() => HardwareWatchdog.open('/nonexistent/watchdog')).toThrow(/^\[safety\] watchdog_device \/nonexistent\/watchdog: no such device/);
  });
});
