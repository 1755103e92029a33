// One emulated miner built from a board definition: every I2C part the definition names is a
// device model on an emulated bus, every pin an emulated pin, every fan a motor, every chain a
// thermal zone. Real drivers run on top (board/open.ts). The chain emulator talks to it through
// three calls — setChainLoad, isPowered, inReset — and tests inject faults through the rest.
import { linkedPair } from '../../drivers/transport/in-process-link.js';
import type { SerialLink } from '../../drivers/transport/serial-link.js';
import type { BoardDefinition, GpioRef, I2cBusRef, PowerDef } from '../types.js';
import { BitaxeRawFirmware } from './bitaxe-raw-firmware.js';
import { EmulatedClock } from './clock.js';
import { Emc2101Model } from './emc2101-model.js';
import { Ds4432uModel } from './eeprom-models.js';
import { EmulatedPwmFan, FanMotor } from './fan-motor.js';
import { EmulatedGpioPin } from './gpio.js';
import { EmulatedI2cBus, type I2cDeviceModel } from './i2c-bus.js';
import { PicModel } from './pic-model.js';
import { Apw12Model, DsPicModel, Pic1704Model } from './s19-power-models.js';
import { ThermalZone } from './thermal.js';
import { Tmp451Model, TMP451_IDS } from './tmp451-model.js';
import { Tps546Model } from './tps546-model.js';
import { Tmp1075Model } from './word-sensor-models.js';
import { appendFileSync } from 'node:fs';
import type { EmulatedBoardState } from './state-record.js';

export interface EmulatedBoardOptions {
  /** Emulated ms per real ms for the physics (heating, PIC watchdog, fan spin-up). */
  timeScale?: number;
  /** The PIC's dead-man timeout, emulated ms (real part: ~10 s). */
  picTimeoutMs?: number;
  /** How long a PIC NACKs after a reset, emulated ms (real part: ~500 ms). */
  picBootMs?: number;
  ambient?: number;
  /** Where the model logs its rails and resets: one JSON line (EmulatedBoardState) at every change
   * and at process exit, appended synchronously — what a probe on the board would have recorded,
   * readable after the process is gone. */
  stateFile?: string;
  /** The bitaxe-raw firmware is the newer bridge build (answers GetInfo, ignores host baud). */
  bitaxeRawBridge?: { major: number; minor: number; version: string };
}


export const busKey = (r: I2cBusRef): string =>
  r.kind === 'linux' ? `i2c-${r.bus}` : r.kind === 'chip' ? `chain${r.chain}-chip${r.chip}` : r.kind === 'bitaxe-raw' ? `bitaxe-raw:${r.control}` : r.name;
export const pinKey = (r: GpioRef): string =>
  r.kind === 'sysfs' ? `gpio${r.number}` : r.kind === 'line' ? `line:${r.line}` : r.kind === 'chip-line' ? `${r.chipLabel}:${r.offset}` : r.kind === 'bitaxe-raw' ? `bitaxe-raw:${r.control}:${r.pin}` : r.name;

/** The level that means "asserted" on a pin with this polarity. */
const asserted = (r: GpioRef): 0 | 1 => (r.activeLow ? 0 : 1);

/** What one emulated chain (the chain emulator's chain `n`) needs from the board around it. */
export interface EmulatedChainHooks {
  /** The definition's chain number (S9: 6–8) behind emulator chain `n`. */
  readonly index: number;
  setLoad(watts: number): void;
  isPowered(): boolean;
  inReset(): boolean;
  chipTemperature(): number;
  /** The bus behind a chip's own I2C master, where the definition puts sensors there (S9: chip 61). */
  i2cMaster: { chip: number; bus: EmulatedI2cBus } | null;
}

interface ChainState {
  zone: ThermalZone;
  /** Hashing power the chain emulator reported; null until it does (then: nominal while out of reset). */
  load: number | null;
  powered: () => boolean;
  resetPin: EmulatedGpioPin | null;
  resetRef: GpioRef | null;
}

export class EmulatedBoard {
  readonly clock: EmulatedClock;
  private readonly buses = new Map<string, EmulatedI2cBus>();
  private readonly pins = new Map<string, EmulatedGpioPin>();
  private readonly chains = new Map<number, ChainState>();
  private readonly motors: FanMotor[] = [];
  private readonly fans = new Map<string, EmulatedPwmFan>();
  private readonly sensorParts = new Map<string, { bus: EmulatedI2cBus; address: number; model: I2cDeviceModel & { nonsense?: boolean } }>();
  private readonly controlLinks = new Map<string, SerialLink>();
  private readonly emcMotors = new Map<string, FanMotor>();
  private readonly ticker: NodeJS.Timeout;

  constructor(
    readonly definition: BoardDefinition,
    private readonly opts: EmulatedBoardOptions = {},
  ) {
    const emu = definition.emulation;
    if (!emu) throw new Error(`${definition.name} is not an emulated board definition`);
    this.clock = new EmulatedClock(opts.timeScale ?? 1);
    const thermal = { ...emu.thermal, ...(opts.ambient !== undefined ? { ambient: opts.ambient } : {}) };

    for (const c of definition.chains) {
      const resetPin = c.reset ? this.pin(c.reset, 'out', asserted(c.reset)) : null;
      if (c.plug) this.pin(c.plug, 'in', asserted(c.plug));
      this.chains.set(c.index, { zone: new ThermalZone(this.clock, thermal), load: null, powered: this.power(c.power, c.index), resetPin, resetRef: c.reset ?? null });
    }
    for (const s of definition.sensors) this.sensor(s);
    for (const f of definition.fans) {
      if (f.kind === 'emc2101') {
        this.emc2101(f.bus, f.address, definition.chains[0]!.index);
      } else {
        const m = new FanMotor(this.clock, f.kind === 'emulated' ? f.maxRpm : 6000);
        this.motors.push(m);
        this.fans.set(f.name, new EmulatedPwmFan(f.name, m));
      }
    }
    for (const l of [definition.leds?.red, definition.leds?.green]) if (l) this.pin(l, 'out', 0);
    this.startControlPorts();
    // Keep the physics current between reads so a power cut shows at once.
    this.ticker = setInterval(() => this.refresh(), 100);
    this.ticker.unref();
    if (opts.stateFile) {
      this.writeState(false);
      process.on('exit', this.onExit);
    }
  }

  private lastState = '';
  private readonly onExit = () => this.writeState(true);

  /** The rails and resets now (what `stateFile` holds). */
  powerState(): EmulatedBoardState['chains'] {
    const chains: EmulatedBoardState['chains'] = {};
    for (const i of this.chains.keys()) chains[String(i)] = { powered: this.isPowered(i), reset: this.inReset(i) };
    return chains;
  }

  private writeState(exited: boolean): void {
    const file = this.opts.stateFile;
    if (!file) return;
    const chains = this.powerState();
    const key = JSON.stringify(chains);
    if (!exited && key === this.lastState) return;
    this.lastState = key;
    try {
      appendFileSync(file, JSON.stringify({ at: Date.now(), chains, exited } satisfies EmulatedBoardState) + '\n');
    } catch {
      // a probe that cannot write must not disturb the board
    }
  }

  // --- the chain emulator's side ---

  /**
   * Chain `chain` is hashing at `watts` (0 when idle); counts only while powered and out of reset.
   * Until the chain emulator first reports, a powered chain out of reset counts as hashing at the
   * board's nominal power.
   */
  setChainLoad(chain: number, watts: number): void {
    this.refresh();
    this.state(chain).load = watts;
    this.refresh();
  }

  /** The chain's supply is on (PIC enabled and fed heartbeats, VR on, enable pin asserted). */
  isPowered(chain: number): boolean {
    return this.state(chain).powered();
  }

  /** The chain's reset line is asserted (chips held in reset). */
  inReset(chain: number): boolean {
    const s = this.state(chain);
    return s.resetPin !== null && s.resetRef !== null && s.resetPin.value() === asserted(s.resetRef);
  }

  /** What the chips' own sensors would report (for chain-reported temperatures). */
  chipTemperature(chain: number): number {
    this.refresh();
    return this.state(chain).zone.chipTemp();
  }

  boardTemperature(chain: number): number {
    this.refresh();
    return this.state(chain).zone.boardTemp();
  }

  /**
   * The hooks for the chain emulator's chain `n` (the `chain` of the definition's
   * { kind: 'emulated', profile, chain } link), so it need not know connector numbers.
   */
  chainHooks(n: number): EmulatedChainHooks {
    const c = this.definition.chains.find((x) => x.link.kind === 'emulated' && x.link.chain === n);
    if (!c) throw new RangeError(`no chain of ${this.definition.name} is the emulator's chain ${n}`);
    const i = c.index;
    return {
      index: i,
      setLoad: (w) => this.setChainLoad(i, w),
      isPowered: () => this.isPowered(i),
      inReset: () => this.inReset(i),
      chipTemperature: () => this.chipTemperature(i),
      i2cMaster: this.chipBusOf(i),
    };
  }

  private chipBusOf(chain: number): { chip: number; bus: EmulatedI2cBus } | null {
    for (const s of this.definition.sensors) {
      if ('bus' in s && s.bus.kind === 'chip' && s.bus.chain === chain) return { chip: s.bus.chip, bus: this.i2c(busKey(s.bus)) };
    }
    return null;
  }

  // --- faults ---

  stopFan(name: string, stopped = true): void {
    const f = this.fans.get(name);
    const m = f?.motor ?? this.emcMotors.get(name);
    if (!m) throw new Error(`no fan ${name} (have ${[...this.fans.keys(), ...this.emcMotors.keys()].join(', ')})`);
    m.stopped = stopped;
  }

  fanTachNonsense(name: string, on = true): void {
    const f = this.fans.get(name);
    if (!f) throw new Error(`no PWM fan ${name}`);
    f.tachNonsense = on;
  }

  /** The sensor (and any reading sharing its chip) returns values no board can have. */
  sensorNonsense(name: string, on = true): void {
    this.part(name).model.nonsense = on;
  }

  /** The sensor's chip hangs its bus transactions (they never complete). */
  sensorStall(name: string, stalled = true): void {
    const p = this.part(name);
    p.bus.stall(p.address, stalled);
  }

  /** The chain's power controller hangs every transaction (its "off" never completes). */
  powerControllerStall(chain: number, stalled = true): void {
    const c = this.definition.chains.find((x) => x.index === chain);
    if (!c || c.power.kind === 'none' || c.power.kind === 'ds4432u') throw new Error(`chain ${chain} has no I2C power controller`);
    this.i2c(busKey(c.power.bus)).stall(c.power.address, stalled);
  }

  /** The sensor's chip stops answering on its bus. */
  sensorSilent(name: string, silent = true): void {
    const p = this.part(name);
    p.bus.silence(p.address, silent);
  }

  /** Extra heat into a chain's zone (blocked heatsink, hot room), W. */
  addHeat(chain: number, watts: number): void {
    this.refresh();
    this.state(chain).zone.setExtraHeat(watts);
  }

  /** The chain's power controller stops answering (its PIC hangs or the bus breaks). */
  /** S9 PICs by chain, for what only the part itself knows (when its dead-man ran out). */
  private readonly pics = new Map<number, PicModel>();

  /** When chain `chain`'s PIC cut its board for missing heartbeats (emulated ms), or null. */
  picTrippedAt(chain: number): number | null {
    const pic = this.pics.get(chain);
    if (!pic) throw new Error(`chain ${chain} has no S9 PIC`);
    pic.powered(); // the PIC checks its dead-man whenever it is looked at
    return pic.trippedAt;
  }

  powerControllerSilent(chain: number, silent = true): void {
    const c = this.definition.chains.find((x) => x.index === chain);
    if (!c || c.power.kind === 'none' || c.power.kind === 'ds4432u') throw new Error(`chain ${chain} has no I2C power controller`);
    this.i2c(busKey(c.power.bus)).silence(c.power.address, silent);
  }

  // --- what board/open.ts builds drivers on ---

  i2c(key: string): EmulatedI2cBus {
    let b = this.buses.get(key);
    if (!b) this.buses.set(key, (b = new EmulatedI2cBus(key)));
    return b;
  }

  gpio(ref: GpioRef, direction: 'in' | 'out'): EmulatedGpioPin {
    return this.pin(ref, direction, 0);
  }

  fan(name: string): EmulatedPwmFan {
    const f = this.fans.get(name);
    if (!f) throw new Error(`no emulated fan ${name}`);
    return f;
  }

  /** The host end of a bitaxe-raw control port. */
  controlLink(control: string): SerialLink {
    const l = this.controlLinks.get(control);
    if (!l) throw new Error(`no bitaxe-raw control port ${control}`);
    return l;
  }

  model<T extends I2cDeviceModel>(bus: I2cBusRef, address: number): T {
    return this.i2c(busKey(bus)).model<T>(address);
  }

  close(): void {
    clearInterval(this.ticker);
    this.writeState(false);
    // The exit handler stays: the rails are still what a probe would see after the process ends.
    for (const l of this.controlLinks.values()) void l.close();
  }

  // --- construction ---

  private state(chain: number): ChainState {
    const s = this.chains.get(chain);
    if (!s) throw new Error(`no chain ${chain} (have ${[...this.chains.keys()].join(', ')})`);
    return s;
  }

  /**
   * Steps a frozen clock (clock.freeze()) by `ms` emulated ms, the physics brought up to date every
   * `stepMs` as the ticker does in real time: a test decides when time passes.
   */
  advance(ms: number, stepMs = 100): void {
    for (let t = 0; t < ms; t += stepMs) {
      this.clock.advance(Math.min(stepMs, ms - t));
      this.refresh();
    }
  }

  private airflow(): number {
    if (this.motors.length === 0) return 1; // no controlled fan: an external fan we cannot see
    return this.motors.reduce((a, m) => a + m.airflow(), 0) / this.motors.length;
  }

  private refresh(): void {
    const air = this.airflow();
    const idle = this.definition.emulation!.thermal.idleW;
    const nominal = this.definition.emulation!.chainWatts;
    for (const [i, s] of this.chains) s.zone.update(s.powered() ? idle + (this.inReset(i) ? 0 : (s.load ?? nominal)) : 0, air);
    this.writeState(false);
  }

  private pin(ref: GpioRef, direction: 'in' | 'out', initial: 0 | 1): EmulatedGpioPin {
    const key = pinKey(ref);
    let p = this.pins.get(key);
    if (!p) this.pins.set(key, (p = new EmulatedGpioPin(key, direction, initial, () => this.refresh())));
    return p;
  }

  private power(p: PowerDef, chain: number): () => boolean {
    switch (p.kind) {
      case 's9-pic': {
        const pic = new PicModel(this.clock, this.opts.picTimeoutMs, this.opts.picBootMs);
        this.i2c(busKey(p.bus)).attach(p.address, pic);
        this.pics.set(chain, pic);
        return () => pic.powered();
      }
      case 'tps546': {
        const vr = new Tps546Model(
          () => 5.0,
          () => (this.state(chain).load ?? this.definition.emulation!.chainWatts) / Math.max(vr.setpoint(), 0.1),
          () => this.boardTemperature(chain) + 5,
        );
        this.i2c(busKey(p.bus)).attach(p.address, vr);
        this.sensorParts.set(`power:${chain}`, { bus: this.i2c(busKey(p.bus)), address: p.address, model: vr });
        return () => vr.on();
      }
      case 'ds4432u': {
        this.i2c(busKey(p.bus)).attach(p.address, new Ds4432uModel());
        const en = this.pin(p.enable, 'out', p.enable.activeLow ? 1 : 0);
        return () => en.value() === asserted(p.enable);
      }
      case 's19-hashboard': {
        // One PSU for every chain (attached once), one controller per hashboard.
        const psuBus = this.i2c(busKey(p.psu.bus));
        let psu: Apw12Model;
        try {
          psu = psuBus.model<Apw12Model>(p.psu.address);
        } catch {
          const en = this.pin(p.psu.enable, 'out', p.psu.enable.activeLow ? 1 : 0);
          psu = new Apw12Model(() => en.value() === asserted(p.psu.enable));
          psuBus.attach(p.psu.address, psu);
        }
        const ctrl = p.controller === 'pic1704' ? new Pic1704Model(this.clock, this.opts.picTimeoutMs) : new DsPicModel(this.clock, this.opts.picTimeoutMs);
        this.i2c(busKey(p.bus)).attach(p.address, ctrl);
        return () => psu.on() && ctrl.powered();
      }
      case 'none':
        return () => true;
    }
  }

  private zoneOf(chain: number | undefined): number {
    return chain ?? this.definition.chains[0]!.index;
  }

  private emc2101(bus: I2cBusRef, address: number, chain: number): Emc2101Model {
    const b = this.i2c(busKey(bus));
    try {
      return b.model<Emc2101Model>(address);
    } catch {
      const motor = new FanMotor(this.clock, 5000);
      this.motors.push(motor);
      const m = new Emc2101Model(() => this.boardTemperature(chain), () => this.chipTemperature(chain), motor);
      b.attach(address, m);
      const fanName = this.definition.fans.find((f) => f.kind === 'emc2101' && busKey(f.bus) === busKey(bus) && f.address === address)?.name;
      if (fanName) this.emcMotors.set(fanName, motor);
      return m;
    }
  }

  private sensor(s: BoardDefinition['sensors'][number]): void {
    const chain = this.zoneOf(s.chain);
    switch (s.kind) {
      case 'tmp451-local':
      case 'tmp451-remote': {
        const b = this.i2c(busKey(s.bus));
        const address = s.addresses[0]!;
        let m: Tmp451Model;
        try {
          m = b.model<Tmp451Model>(address);
        } catch {
          m = new Tmp451Model(() => this.boardTemperature(chain), () => this.chipTemperature(chain), TMP451_IDS.TMP451);
          b.attach(address, m);
        }
        this.sensorParts.set(s.name, { bus: b, address, model: m });
        return;
      }
      case 'emc2101-internal':
      case 'emc2101-external':
        this.sensorParts.set(s.name, { bus: this.i2c(busKey(s.bus)), address: s.address, model: this.emc2101(s.bus, s.address, chain) });
        return;
      case 'tmp1075': {
        const m = new Tmp1075Model(() => this.boardTemperature(chain));
        this.i2c(busKey(s.bus)).attach(s.address, m);
        this.sensorParts.set(s.name, { bus: this.i2c(busKey(s.bus)), address: s.address, model: m });
        return;
      }
      case 'tps546': {
        const p = this.sensorParts.get(`power:${chain}`);
        if (!p) throw new Error(`${s.name}: no TPS546 power controller on chain ${chain}`);
        this.sensorParts.set(s.name, p);
        return;
      }
      case 'chain-reported':
        return;
    }
  }

  private part(name: string) {
    const p = this.sensorParts.get(name);
    if (!p) throw new Error(`no I2C sensor ${name} (have ${[...this.sensorParts.keys()].filter((k) => !k.startsWith('power:')).join(', ')})`);
    return p;
  }

  private startControlPorts(): void {
    const controls = new Set<string>();
    const refs: GpioRef[] = [];
    for (const c of this.definition.chains) {
      if (c.reset?.kind === 'bitaxe-raw') refs.push(c.reset);
      if (c.power.kind !== 'none' && c.power.bus.kind === 'bitaxe-raw') controls.add(c.power.bus.control);
    }
    for (const s of this.definition.sensors) if ('bus' in s && s.bus.kind === 'bitaxe-raw') controls.add(s.bus.control);
    for (const r of refs) if (r.kind === 'bitaxe-raw') controls.add(r.control);
    for (const control of controls) {
      const [host, device] = linkedPair(115_200);
      const pins = new Map<number, EmulatedGpioPin>();
      for (const r of refs) if (r.kind === 'bitaxe-raw' && r.control === control) pins.set(r.pin, this.pins.get(pinKey(r))!);
      new BitaxeRawFirmware(device, this.i2c(busKey({ kind: 'bitaxe-raw', control })), pins, 'v1', this.opts.bitaxeRawBridge);
      this.controlLinks.set(control, host);
    }
  }
}
