import { mkdtemp, mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmulatedI2cBus } from '../../../board/emulated/i2c-bus.js';
import { Emc2101Model } from '../../../board/emulated/emc2101-model.js';
import { At24c02Model } from '../../../board/emulated/eeprom-models.js';
import { EmulatedGpioPin } from '../../../board/emulated/gpio.js';
import { FanMotor } from '../../../board/emulated/fan-motor.js';
import { EmulatedClock } from '../../../board/emulated/clock.js';
import { Emc2101 } from '../../../drivers/sensors/emc2101.js';
import { Emc2101Fan } from '../../../drivers/fans/emc2101-fan.js';
import { GpioTach, HwmonFan, SysfsPwm } from '../../../drivers/fans/sysfs-fan.js';
import { At24c02 } from '../../../drivers/eeprom/at24c02.js';
import { SensorError } from '../../../drivers/sensors/reading.js';
import { BusError } from '../../../drivers/transport/bus.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EMC2101 fan', () => {
  it('sets the 0–63 duty and reads the tach as RPM; a stopped fan reads 0', async () => {
    const clock = new EmulatedClock(10);
    const motor = new FanMotor(clock, 5000);
    const bus = new EmulatedI2cBus().attach(0x4c, new Emc2101Model(() => 30, () => 40, motor));
    const fan = new Emc2101Fan(new Emc2101(bus));
    await fan.setDuty(50);
    expect(motor.getDuty()).toBeCloseTo((32 / 63) * 100, 5);
    await sleep(400); // 4 emulated s: spun down from 100 % to ~50 %
    expect(await fan.readRpm()).toBeGreaterThan(2400);
    expect(await fan.readRpm()).toBeLessThan(2700);
    motor.stopped = true;
    expect(await fan.readRpm()).toBe(0);
    await expect(fan.setDuty(120)).rejects.toThrow(RangeError);
  });
});

describe('sysfs fans', () => {
  it('hwmon: pwmN takes 0–255, fanN_input is validated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hwmon-'));
    try {
      const fan = new HwmonFan('fan1', dir, 1);
      await fan.setDuty(40);
      expect(await readFile(join(dir, 'pwm1'), 'utf8')).toBe('102');
      await writeFile(join(dir, 'fan1_input'), '4200\n');
      expect(await fan.readRpm()).toBe(4200);
      await writeFile(join(dir, 'fan1_input'), 'garbage');
      await expect(fan.readRpm()).rejects.toMatchObject({ fault: 'implausible' });
      await writeFile(join(dir, 'fan1_input'), '900000');
      await expect(fan.readRpm()).rejects.toThrow(SensorError);
      await rm(join(dir, 'fan1_input'));
      await expect(fan.readRpm()).rejects.toMatchObject({ fault: 'no-reply' });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('PWM class: exports, sets the period and writes duty in ns', async () => {
    const chip = await mkdtemp(join(tmpdir(), 'pwmchip-'));
    try {
      await mkdir(join(chip, 'pwm0'));
      const pwm = await SysfsPwm.open(chip, 0, 25_000);
      expect(await readFile(join(chip, 'pwm0', 'period'), 'utf8')).toBe('40000');
      expect(await readFile(join(chip, 'pwm0', 'enable'), 'utf8')).toBe('1');
      await pwm.setDuty(25);
      expect(await readFile(join(chip, 'pwm0', 'duty_cycle'), 'utf8')).toBe('10000');
    } finally {
      await rm(chip, { recursive: true });
    }
  });

  it('GPIO tach counts falling edges into RPM', async () => {
    const pin = new EmulatedGpioPin('tach', 'in', 1);
    const tach = new GpioTach(pin, 2);
    tach.rpm();
    for (let i = 0; i < 20; i++) {
      pin.drive(0);
      pin.drive(1);
    }
    await sleep(100);
    const rpm = tach.rpm(); // 10 revolutions in ~0.1 s
    expect(rpm).toBeGreaterThan(3000);
    expect(rpm).toBeLessThan(6100);
    tach.close();
  });
});

describe('AT24C02', () => {
  it('writes across pages and reads back sequentially, waiting out the write cycle', async () => {
    const m = new At24c02Model(new EmulatedClock());
    const e = new At24c02(new EmulatedI2cBus().attach(0x50, m));
    const data = Uint8Array.from({ length: 20 }, (_, i) => i * 7);
    await e.write(0x85, data); // starts mid-page
    expect([...(await e.read(0x85, 20))]).toEqual([...data]);
    expect(m.memory[0x84]).toBe(0xff);
    await expect(e.read(250, 10)).rejects.toThrow(BusError);
  });
});
