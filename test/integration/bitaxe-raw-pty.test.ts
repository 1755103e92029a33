// The real bitaxe-gamma definition through real serialport on a socat pty pair: on the far end,
// the bitaxe-raw firmware emulation serving a TPS546 and an EMC2101 model. Everything on the
// agent's side is what runs on a Linux host with a Bitaxe on USB.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../agent/config/agent.js';
import { startBoardSafety } from '../../agent/safety/runtime.js';
import { SerialPortLink } from '../../drivers/transport/serialport-link.js';
import { BitaxeRawFirmware } from '../../board/emulated/bitaxe-raw-firmware.js';
import { EmulatedI2cBus } from '../../board/emulated/i2c-bus.js';
import { EmulatedGpioPin } from '../../board/emulated/gpio.js';
import { Emc2101Model } from '../../board/emulated/emc2101-model.js';
import { Tps546Model } from '../../board/emulated/tps546-model.js';
import { FanMotor } from '../../board/emulated/fan-motor.js';
import { EmulatedClock } from '../../board/emulated/clock.js';

const haveSocat = spawnSync('socat', ['-V']).status === 0;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ptyPair(): Promise<[string, string]> {
  const dir = mkdtempSync(join(tmpdir(), 'hashagent-bitaxe-'));
  const a = join(dir, 'control');
  const b = join(dir, 'board');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  cleanups.push(() => socat.kill());
  for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await sleep(20);
  return [a, b];
}

describe.skipIf(!haveSocat)('bitaxe-gamma over a real serial port (socat pty)', () => {
  it('reads the ASIC and VR temperatures, switches the TPS546, and shuts down on overheat', async () => {
    const [control, boardSide] = await ptyPair();
    // The board: what the ESP32's bitaxe-raw firmware fronts.
    let asic = 45;
    const motor = new FanMotor(new EmulatedClock(), 5000, 50);
    const bus = new EmulatedI2cBus('bitaxe')
      .attach(0x4c, new Emc2101Model(() => 40, () => asic, motor))
      .attach(0x24, new Tps546Model(() => 5.0, () => 10, () => 50));
    const reset = new EmulatedGpioPin('reset', 'out', 0);
    const port = await SerialPortLink.open(boardSide, 115_200);
    cleanups.push(() => port.close());
    new BitaxeRawFirmware(port, bus, new Map([[0, reset]]), 'v1');

    const cfg = parseAgentConfig(
      `[[pools]]\nurl = "stratum+tcp://127.0.0.1:3333"\nuser = "u"\n[board]\nname = "bitaxe-gamma"\ncontrol_port = "${control}"\n`,
      'agent.toml',
    );
    const rt = await startBoardSafety(cfg, { safety: { pollMs: 100, fanSpinUpMs: 300 } });
    cleanups.push(() => rt.close());
    const up = await rt.bringUp();
    expect(up).toEqual([{ index: 0, state: 'running' }]);
    const vr = bus.model<Tps546Model>(0x24);
    expect(vr.on()).toBe(true);
    expect(vr.setpoint()).toBeCloseTo(1.15, 2);
    expect(reset.value()).toBe(1);
    await rt.safety.poll();
    const readings = rt.safety.status().readings;
    expect(readings).toEqual([
      { sensor: 'asic', location: 'chip', celsius: 45 },
      { sensor: 'vr', location: 'vr', celsius: 50 },
    ]);
    asic = 76; // past the Gamma's 75 °C
    const t0 = performance.now();
    while (vr.on() && performance.now() - t0 < 3000) await sleep(5);
    expect(vr.on()).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(rt.safety.latched).toMatchObject({ kind: 'overheat', sensor: 'asic' });
    await rt.safety.settled();
    expect(reset.value()).toBe(0);
    expect(motor.getDuty()).toBe(100);
  });
});
