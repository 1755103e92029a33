// From a board definition to driver objects: buses and pins opened (Linux, bitaxe-raw tunnel,
// or the in-process emulator for emulated-* boards), then power controllers, reset/plug lines,
// sensors and fans built on them. Chains themselves are the chain driver's: it gets each chain's
// link, power controller and reset line from here.
import { Emc2101 } from '../drivers/sensors/emc2101.js';
import type { TemperatureSensor } from '../drivers/sensors/reading.js';
import { Emc2101Fan } from '../drivers/fans/emc2101-fan.js';
import type { Fan } from '../drivers/fans/fan.js';
import { GpioTach, HwmonFan, SysfsPwm, SysfsPwmFan } from '../drivers/fans/sysfs-fan.js';
import { UioFan } from '../drivers/fans/uio-fan.js';
import { UioDevice } from '../drivers/transport/uio.js';
import { BITAXE_FEEDBACK, Ds4432uRail } from '../drivers/power/ds4432u.js';
import { S9Pic, PIC_TIMING, type PicTiming } from '../drivers/power/s9-pic.js';
import { APW12_TIMING, Apw12, type Apw12Timing } from '../drivers/power/apw12.js';
import { DsPic, Pic1704 } from '../drivers/power/s19-pic.js';
import { S19ChainPower, SharedSupply } from '../drivers/power/s19-power.js';
import { CdevGpioPin, findGpioChipLine, findGpioLine } from '../drivers/transport/gpio-cdev.js';
import { probeBitaxeRawVariant, type BitaxeRawVariant } from '../drivers/transport/bitaxe-raw-variant.js';
import { RESET_BAUD } from '../drivers/asic/registers.js';
import { Tps546 } from '../drivers/power/tps546.js';
import type { VoltageController } from '../drivers/power/voltage-controller.js';
import { BusError, type GpioPin, type I2cBus } from '../drivers/transport/bus.js';
import { Led, PlugDetect, PowerEnableLine, ResetLine } from '../drivers/transport/gpio-lines.js';
import { OnoffGpioPin } from '../drivers/transport/gpio-onoff.js';
import { BitaxeRawControl, BitaxeRawGpioPin, BitaxeRawI2cBus, type BitaxeRawFormat } from '../drivers/transport/i2c-bitaxe-raw.js';
import { DeferredI2cBus } from '../drivers/transport/i2c-deferred.js';
import { LinuxI2cBus } from '../drivers/transport/i2c-linux.js';
import { ChipI2cBus, type ChipRegisterAccess } from '../drivers/transport/i2c-over-chip.js';
import type { SerialLink } from '../drivers/transport/serial-link.js';
import { SerialPortLink } from '../drivers/transport/serialport-link.js';
import { boardSensor, type BoardSensor } from './board-sensors.js';
import { ChainTemperatureFeed } from './chain-temperature.js';
import { EmulatedBoard, busKey, pinKey, type EmulatedBoardOptions } from './emulated/board-model.js';
import { BoardError, type BoardDefinition, type ChainDef, type GpioRef, type I2cBusRef, type PowerDef } from './types.js';

export interface ChainHardware {
  readonly def: ChainDef;
  readonly index: number;
  /** Null when the board cannot set or switch the chain's supply. */
  readonly power: VoltageController | null;
  readonly reset: ResetLine | null;
  readonly plug: PlugDetect | null;
  /** The fastest line rate the chain may switch to when its link's firmware fixes the host side
   * (a bitaxe-raw bridge build ignores host baud changes): the chips' reset rate. */
  readonly maxBaud?: number;
}

export interface BoardHardware {
  readonly definition: BoardDefinition;
  readonly chains: readonly ChainHardware[];
  readonly sensors: readonly BoardSensor[];
  readonly fans: readonly Fan[];
  readonly leds: { readonly red: Led | null; readonly green: Led | null };
  /** Where the chain driver reports chip temperatures for 'chain-reported' sensors. */
  readonly chainTemperatures: ChainTemperatureFeed;
  /**
   * The chain driver hands over chip register access once chain `chain` is enumerated (S9
   * sensors sit behind a chip's I2C master), or null when the chain goes down. False when no
   * sensor of this board is read through that chain.
   */
  attachChipRegisters(chain: number, access: ChipRegisterAccess | null): boolean;
  /** The bitaxe-raw firmware found on each control port (by path). */
  readonly bitaxeRaw: ReadonlyMap<string, BitaxeRawVariant>;
  /** The emulator behind an emulated-* board (for the chain emulator's hooks and fault injection). */
  readonly emulated: EmulatedBoard | null;
  close(): Promise<void>;
}

export interface OpenBoardOptions {
  emulation?: EmulatedBoardOptions;
  picTiming?: PicTiming;
  /** Opens a bitaxe-raw control port (default: serialport at 115 200 baud). */
  openSerial?: (path: string) => Promise<SerialLink>;
  bitaxeRawFormat?: BitaxeRawFormat;
  /** APW12 delays (tests shorten them; the PSU itself needs 400/100 ms). */
  apw12Timing?: Apw12Timing;
}

/** A GPIO by its line name on the character device, else by its sysfs number. */
function openLinePin(board: string, ref: Extract<GpioRef, { kind: 'line' }>, direction: 'in' | 'out', initial?: 0 | 1): GpioPin {
  try {
    const where = findGpioLine(ref.line);
    if (where) return CdevGpioPin.open(ref.line, where, direction, initial !== undefined ? { initial } : {});
    if (ref.sysfs !== undefined) return OnoffGpioPin.open(ref.sysfs, direction, initial !== undefined ? { initial } : {});
  } catch (e) {
    throw new BoardError(`${board}: ${(e as Error).message}`);
  }
  throw new BoardError(`${board}: no GPIO chip names a line "${ref.line}" and the definition gives no sysfs number for it`);
}

export async function openBoard(def: BoardDefinition, opts: OpenBoardOptions = {}): Promise<BoardHardware> {
  const emulated = def.emulation ? new EmulatedBoard(def, opts.emulation) : null;
  const buses = new Map<string, I2cBus>();
  const pins = new Map<string, GpioPin>();
  const controls = new Map<string, BitaxeRawControl>();
  const variants = new Map<string, BitaxeRawVariant>();
  const closers: (() => Promise<void> | void)[] = [];

  const control = async (path: string): Promise<BitaxeRawControl> => {
    let c = controls.get(path);
    if (!c) {
      let link: SerialLink;
      try {
        link = emulated ? emulated.controlLink(path) : await (opts.openSerial ?? ((p) => SerialPortLink.open(p, 115_200)))(path);
      } catch (e) {
        throw new BoardError(`${def.name}: bitaxe-raw control port ${path}: ${(e as Error).message}`);
      }
      variants.set(path, await probeBitaxeRawVariant(link));
      controls.set(path, (c = new BitaxeRawControl(link, opts.bitaxeRawFormat ?? 'v1')));
      closers.push(() => link.close());
    }
    return c;
  };

  const bus = async (ref: I2cBusRef): Promise<I2cBus> => {
    const key = busKey(ref);
    const have = buses.get(key);
    if (have) return have;
    let b: I2cBus;
    switch (ref.kind) {
      case 'emulated':
        if (!emulated) throw new BoardError(`${def.name}: emulated bus ${ref.name} on a real board`);
        b = emulated.i2c(ref.name);
        break;
      case 'linux':
        try {
          b = await LinuxI2cBus.open(ref.bus);
        } catch (e) {
          throw new BoardError(`${def.name}: ${(e as Error).message}`);
        }
        closers.push(() => b.close());
        break;
      case 'chip': {
        b = new DeferredI2cBus(`chain ${ref.chain} chip ${ref.chip}'s I2C master`);
        break;
      }
      case 'bitaxe-raw':
        b = new BitaxeRawI2cBus(await control(ref.control));
        break;
    }
    buses.set(key, b);
    return b;
  };

  const pin = async (ref: GpioRef, direction: 'in' | 'out', initial?: 0 | 1): Promise<GpioPin> => {
    const key = pinKey(ref);
    const have = pins.get(key);
    if (have) return have;
    let p: GpioPin;
    switch (ref.kind) {
      case 'emulated':
        if (!emulated) throw new BoardError(`${def.name}: emulated pin ${ref.name} on a real board`);
        p = emulated.gpio(ref, direction);
        break;
      case 'sysfs':
        try {
          p = OnoffGpioPin.open(ref.number, direction, initial !== undefined ? { initial } : {});
        } catch (e) {
          throw new BoardError(`${def.name}: ${(e as Error).message}`);
        }
        closers.push(() => p.close());
        break;
      case 'line':
        p = openLinePin(def.name, ref, direction, initial);
        closers.push(() => p.close());
        break;
      case 'chip-line': {
        let where: ReturnType<typeof findGpioChipLine>;
        try {
          where = findGpioChipLine(ref.chipLabel, ref.offset);
        } catch (e) {
          throw new BoardError(`${def.name}: ${(e as Error).message}`);
        }
        if (!where) {
          throw new BoardError(
            `${def.name}: no GPIO chip labelled "${ref.chipLabel}" with a line ${ref.offset}` +
              (ref.chipLabel === 'ftdi-cbus' ? ': ftdi_sio exposes the FT-X CBUS pins as a gpiochip only when the FTDI EEPROM sets them to GPIO (IOMODE); program CBUS with ftdi_eeprom or set [board] pins, or run without the reset line by overriding the definition' : ''),
          );
        }
        try {
          p = CdevGpioPin.open(`${ref.chipLabel}:${ref.offset}`, where, direction, initial !== undefined ? { initial } : {});
        } catch (e) {
          throw new BoardError(`${def.name}: ${(e as Error).message}`);
        }
        closers.push(() => p.close());
        break;
      }
      case 'bitaxe-raw':
        p = new BitaxeRawGpioPin(await control(ref.control), ref.pin, direction);
        break;
    }
    pins.set(key, p);
    return p;
  };

  const supplies = new Map<string, SharedSupply>();
  const power = async (p: PowerDef, chain: number): Promise<VoltageController | null> => {
    switch (p.kind) {
      case 's9-pic':
        return new S9Pic(await bus(p.bus), p.address, opts.picTiming ?? PIC_TIMING);
      case 'tps546':
        return new Tps546(await bus(p.bus), p.address, p.range);
      case 'ds4432u': {
        const en = new PowerEnableLine(await pin(p.enable, 'out', p.enable.activeLow ? 1 : 0), p.enable);
        return new Ds4432uRail(await bus(p.bus), p.output, BITAXE_FEEDBACK, p.range, (on) => en.set(on));
      }
      case 's19-hashboard': {
        const key = `${busKey(p.psu.bus)}@${p.psu.address}`;
        let supply = supplies.get(key);
        if (!supply) {
          const en = new PowerEnableLine(await pin(p.psu.enable, 'out', p.psu.enable.activeLow ? 1 : 0), p.psu.enable);
          supplies.set(key, (supply = new SharedSupply(new Apw12(await bus(p.psu.bus), p.psu.address, (on) => en.set(on), opts.apw12Timing ?? APW12_TIMING))));
        }
        const b = await bus(p.bus);
        return new S19ChainPower(chain, supply, p.controller === 'pic1704' ? new Pic1704(b, p.address) : new DsPic(b, p.address));
      }
      case 'none':
        return null;
    }
  };

  try {
    const chains: ChainHardware[] = [];
    for (const c of def.chains) {
      // Reset lines come up asserted: chips stay in reset until bring-up releases them.
      const reset = c.reset ? new ResetLine(await pin(c.reset, 'out', c.reset.activeLow ? 0 : 1), c.reset) : null;
      const plug = c.plug ? new PlugDetect(await pin(c.plug, 'in'), c.plug) : null;
      const control = c.reset?.kind === 'bitaxe-raw' ? c.reset.control : null;
      const fixedRate = control !== null && variants.get(control)?.variant === 'bridge';
      chains.push({ def: c, index: c.index, power: await power(c.power, c.index), reset, plug, ...(fixedRate ? { maxBaud: RESET_BAUD } : {}) });
    }

    const feed = new ChainTemperatureFeed();
    const sensorBuses = new Map<string, I2cBus>();
    for (const s of def.sensors) if ('bus' in s) sensorBuses.set(s.name, await bus(s.bus));
    const chainReported = (name: string, chain: number, location: TemperatureSensor['location']): TemperatureSensor =>
      emulated ? { name, location, read: async () => emulated.chipTemperature(chain) } : feed.sensor(name, chain, location);
    const sensors = def.sensors.map((s) => {
      const b = boardSensor(s, (d) => sensorBuses.get(d.name)!, chainReported);
      // On an emulated board the "chain-reported" value comes from the model, not a chain.
      return emulated && s.kind === 'chain-reported' ? { ...b, needsChain: false } : b;
    });

    const fans: Fan[] = [];
    const uios = new Map<string, UioDevice>();
    for (const f of def.fans) {
      switch (f.kind) {
        case 'emulated':
          if (!emulated) throw new BoardError(`${def.name}: emulated fan ${f.name} on a real board`);
          fans.push(emulated.fan(f.name));
          break;
        case 'emc2101':
          fans.push(new Emc2101Fan(new Emc2101(await bus(f.bus), f.address), f.name, f.invert ?? false));
          break;
        case 'hwmon':
          fans.push(new HwmonFan(f.name, f.dir, f.index));
          break;
        case 'uio-fan-ctrl': {
          const key = `${f.root ?? '/'}:${f.device}`;
          let dev = uios.get(key);
          if (!dev) {
            try {
              dev = UioDevice.open(f.device, f.root ?? '/');
            } catch (e) {
              throw new BoardError(`${def.name}: fan ${f.name}: ${(e as Error).message}`);
            }
            uios.set(key, dev);
            const d = dev;
            closers.push(() => d.close());
          }
          fans.push(new UioFan(f.name, dev, f.index));
          break;
        }
        case 'sysfs-pwm': {
          let pwm: SysfsPwm;
          try {
            pwm = await SysfsPwm.open(f.chip, f.channel);
          } catch (e) {
            throw new BoardError(`${def.name}: fan ${f.name}: ${(e as Error).message}`);
          }
          const tach = new GpioTach(await pin(f.tach, 'in'));
          closers.push(() => tach.close());
          fans.push(new SysfsPwmFan(f.name, pwm, tach));
          break;
        }
      }
    }

    const led = async (r: GpioRef | undefined) => (r ? new Led(await pin(r, 'out', r.activeLow ? 1 : 0), r) : null);
    const leds = { red: await led(def.leds?.red), green: await led(def.leds?.green) };

    return {
      definition: def,
      chains,
      sensors,
      fans,
      leds,
      chainTemperatures: feed,
      bitaxeRaw: variants,
      emulated,
      attachChipRegisters(chain, access) {
        let attached = false;
        for (const s of def.sensors) {
          if (!('bus' in s) || s.bus.kind !== 'chip' || s.bus.chain !== chain) continue;
          (buses.get(busKey(s.bus)) as DeferredI2cBus).attach(access ? new ChipI2cBus(access, { chip: s.bus.chip }) : null);
          attached = true;
        }
        return attached;
      },
      async close() {
        emulated?.close();
        for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
      },
    };
  } catch (e) {
    emulated?.close();
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
    if (e instanceof BusError) throw new BoardError(`${def.name}: ${e.message}`);
    throw e;
  }
}
