// Register addresses and ids typed in from the parts' datasheets, not imported from the drivers:
// the emulated part models use the drivers' register maps (a wrong address would be wrong in
// both), so both are tied here to the documents. Each model is also read at the datasheet
// address through the emulated bus, with the number format decoded by hand.
import { describe, expect, it } from 'vitest';
import { PMBUS, OPERATION_ON, STATUS_FAULT_MASK } from '../../../drivers/power/tps546.js';
import { decodeLinear11, encodeLinear11, voutModeExponent } from '../../../drivers/power/pmbus.js';
import { EMC2101_REG, EMC2101_PRODUCT_IDS } from '../../../drivers/sensors/emc2101.js';
import { CONFIG_EXTENDED_RANGE, TMP451_ID_REG, TMP451_LAYOUTS, identifyTmp451 } from '../../../drivers/sensors/tmp451.js';
import { TMP1075_REG, TMP1075_DEVICE_ID } from '../../../drivers/sensors/tmp1075.js';
import { INA260_REG, INA260_MANUFACTURER_ID } from '../../../drivers/sensors/ina260.js';
import { PIC_COMMAND } from '../../../drivers/power/s9-pic.js';
import { EmulatedI2cBus } from '../../../board/emulated/i2c-bus.js';
import { Tps546Model } from '../../../board/emulated/tps546-model.js';
import { Emc2101Model } from '../../../board/emulated/emc2101-model.js';
import { Tmp451Model, TMP451_IDS } from '../../../board/emulated/tmp451-model.js';
import { Ina260Model, Tmp1075Model } from '../../../board/emulated/word-sensor-models.js';
import { FanMotor } from '../../../board/emulated/fan-motor.js';
import { EmulatedClock } from '../../../board/emulated/clock.js';

describe('PMBus / TPS546 (PMBus Specification Part II rev 1.3, command code table; TI TPS546D24A datasheet, supported PMBus commands)', () => {
  it('command codes', () => {
    expect(PMBUS).toEqual({
      operation: 0x01, onOffConfig: 0x02, clearFaults: 0x03, voutMode: 0x20, voutCommand: 0x21, voutMax: 0x24, vinOn: 0x35, vinOff: 0x36,
      ioutOcFaultLimit: 0x46, otFaultLimit: 0x4f, statusWord: 0x79, readVin: 0x88, readVout: 0x8b, readIout: 0x8c, readTemperature1: 0x8d,
      mfrId: 0x99, icDeviceId: 0xad,
    });
    expect(OPERATION_ON).toBe(0x80); // OPERATION bit 7: ON
    // STATUS_WORD: VOUT(15) IOUT(14) INPUT(13) … VOUT_OV(5) IOUT_OC(4) VIN_UV(3) TEMPERATURE(2) CML(1); not OFF(6) or BUSY(7).
    expect(STATUS_FAULT_MASK).toBe(0b1110_0000_0011_1110);
  });
  it('LINEAR11 words decoded by the spec formula Y·2^N (N bits 15–11, Y bits 10–0, both two\'s complement)', () => {
    expect(decodeLinear11(0xf0c8)).toBe(50); // N = 11110b = −2, Y = 200
    expect(decodeLinear11(0xf7ff)).toBe(-0.25); // N = −2, Y = 0x7FF = −1
    expect(decodeLinear11(0x0801)).toBe(2); // N = 1, Y = 1
    expect(decodeLinear11(encodeLinear11(12.5))).toBe(12.5);
    expect(voutModeExponent(0x17)).toBe(-9); // VOUT_MODE 0x17: linear, N = 10111b = −9
  });
  it('the model answers READ_VIN (0x88), READ_IOUT (0x8C) and READ_TEMPERATURE_1 (0x8D) as LINEAR11, low byte first', async () => {
    const bus = new EmulatedI2cBus().attach(0x24, new Tps546Model(() => 12, () => 3, () => 48));
    const word = async (cmd: number) => {
      const b = await bus.transfer(0x24, Uint8Array.of(cmd), 2);
      return b[0]! | (b[1]! << 8);
    };
    expect(decodeLinear11(await word(0x88))).toBe(12);
    expect(decodeLinear11(await word(0x8d))).toBe(48);
    expect(decodeLinear11(await word(0x8c))).toBe(0); // off: no output current
  });
});

describe('EMC2101 (SMSC/Microchip EMC2101 datasheet, register set table)', () => {
  it('register addresses and product ids', () => {
    expect(EMC2101_REG).toEqual({
      internalTemp: 0x00, externalHigh: 0x01, config: 0x03, externalLow: 0x10, ideality: 0x17, beta: 0x18, tachLow: 0x46, tachHigh: 0x47,
      fanConfig: 0x4a, fanSetting: 0x4c, pwmFrequency: 0x4d, productId: 0xfd,
    });
    expect([...EMC2101_PRODUCT_IDS]).toEqual([0x16, 0x28]); // EMC2101, EMC2101-R
  });
  it('the model answers product id at 0xFD and temperatures at 0x00 / 0x01', async () => {
    const bus = new EmulatedI2cBus().attach(0x4c, new Emc2101Model(() => 41, () => 57, new FanMotor(new EmulatedClock(), 5000, 50)));
    expect(await bus.readByte(0x4c, 0xfd)).toBe(0x16);
    expect(await bus.readByte(0x4c, 0x00)).toBe(41);
    expect(await bus.readByte(0x4c, 0x01)).toBe(57);
  });
});

describe('TMP451 family (TI TMP451 datasheet SBOS686 and TMP421/422/423 datasheet SBOS398, register maps; ADT7461 and NCT218 follow the LM90 map)', () => {
  it('register layouts, ids and the RANGE bit', () => {
    const lm90 = { localHigh: 0x00, remoteHigh: 0x01, remoteLow: 0x10, configRead: 0x03, configWrite: 0x09, open: { register: 0x02, mask: 0x04 } };
    const tmp42x = { localHigh: 0x00, localLow: 0x10, remoteHigh: 0x01, remoteLow: 0x11, configRead: 0x09, configWrite: 0x09, open: { register: 0x11, mask: 0x01 } };
    expect(TMP451_LAYOUTS).toEqual({
      TMP451: { ...lm90, localLow: 0x15 }, ADT7461: { ...lm90, localLow: null }, NCT218: { ...lm90, localLow: null },
      TMP421: tmp42x, TMP422: tmp42x, TMP423: tmp42x,
    });
    expect(TMP451_ID_REG).toEqual({ manufacturer: 0xfe, device: 0xff });
    expect(CONFIG_EXTENDED_RANGE).toBe(0x04); // configuration bit 2: RANGE (−64 °C offset)
    expect(identifyTmp451(0x55, 0x00)).toBe('TMP451'); // TI
    expect(identifyTmp451(0x55, 0x21)).toBe('TMP421');
    expect(identifyTmp451(0x41, 0x51)).toBe('ADT7461'); // Analog Devices
    expect(identifyTmp451(0x1a, 0x00)).toBe('NCT218'); // ON Semiconductor
  });
  it('the model: manufacturer 0x55 at 0xFE; in extended range (config 0x09 ← 0x04) 0x00 reads value + 64', async () => {
    const bus = new EmulatedI2cBus().attach(0x4c, new Tmp451Model(() => 30, () => 70, TMP451_IDS.TMP451));
    expect(await bus.readByte(0x4c, 0xfe)).toBe(0x55);
    expect(await bus.readByte(0x4c, 0x00)).toBe(30); // standard range
    await bus.writeByte(0x4c, 0x09, 0x04);
    expect(await bus.readByte(0x4c, 0x03) & 0x04).toBe(0x04);
    expect(await bus.readByte(0x4c, 0x00)).toBe(30 + 64);
    expect(await bus.readByte(0x4c, 0x01)).toBe(70 + 64);
  });
});

describe('TMP1075 (TI TMP1075 datasheet) and INA260 (TI INA260 datasheet SBOS656): 16-bit registers, MSB first', () => {
  it('register addresses and ids', () => {
    expect(TMP1075_REG).toEqual({ temperature: 0x00, config: 0x01, low: 0x02, high: 0x03, deviceId: 0x0f });
    expect(TMP1075_DEVICE_ID).toBe(0x7500);
    expect(INA260_REG).toEqual({ config: 0x00, current: 0x01, busVoltage: 0x02, power: 0x03, manufacturerId: 0xfe, dieId: 0xff });
    expect(INA260_MANUFACTURER_ID).toBe(0x5449); // "TI"
  });
  it('the models: TMP1075 temperature in 1/256 °C steps (12 bits left-justified), INA260 1.25 mV and 10 mW LSBs', async () => {
    const bus = new EmulatedI2cBus().attach(0x4a, new Tmp1075Model(() => 25.5)).attach(0x40, new Ina260Model(() => 12, () => 60));
    const word = async (a: number, r: number) => {
      const b = await bus.transfer(a, Uint8Array.of(r), 2);
      return (b[0]! << 8) | b[1]!;
    };
    expect(await word(0x4a, 0x0f)).toBe(0x7500);
    expect((await word(0x4a, 0x00)) / 256).toBe(25.5);
    expect(await word(0x40, 0xfe)).toBe(0x5449);
    expect((await word(0x40, 0x02)) * 1.25e-3).toBeCloseTo(12, 2);
    expect((await word(0x40, 0x03)) * 10e-3).toBeCloseTo(60, 1);
  });
});

describe('S9 hashboard PIC commands (Bitmain cgminer driver-btm-c5.h; braiins power code, the same map)', () => {
  it('command bytes', () => {
    expect(PIC_COMMAND).toEqual({
      setFlashPointer: 0x01, sendData: 0x02, readData: 0x03, eraseFlash: 0x04, writeFlash: 0x05, jumpToApp: 0x06, reset: 0x07, getFlashPointer: 0x08,
      eraseApp: 0x09, setVoltage: 0x10, setVoltageTime: 0x11, setHashboardId: 0x12, getHashboardId: 0x13, setHostMac: 0x14, enableVoltage: 0x15,
      heartbeat: 0x16, getVersion: 0x17, getVoltage: 0x18,
    });
  });
});
