// An S19 hashboard's supply as safety sees it (one VoltageController per chain): the APW12 PSU
// that feeds every hashboard (its enable line and output voltage are shared) and the
// hashboard's own controller (PIC1704 or dsPIC) that gates its DC-DC and wants heartbeats.
// The PSU output goes on with the first chain and off with the last, so any chain's power-down
// never leaves another chain powered without its controller knowing.
import type { Apw12 } from './apw12.js';
import { APW12_RANGE } from './apw12.js';
import type { HashboardPic } from './s19-pic.js';
import { PowerError, checkVoltage, type VoltageController } from './voltage-controller.js';

/** The PSU with who is using it. */
export class SharedSupply {
  private readonly users = new Set<number>();
  constructor(readonly psu: Apw12) {}

  async acquire(chain: number): Promise<void> {
    if (this.users.size === 0) await this.psu.enable(true);
    this.users.add(chain);
  }

  async release(chain: number): Promise<void> {
    this.users.delete(chain);
    if (this.users.size === 0) await this.psu.enable(false);
  }
}

export class S19ChainPower implements VoltageController {
  readonly heartbeatMs: number;
  readonly range = APW12_RANGE;
  readonly name: string;

  constructor(
    private readonly chain: number,
    private readonly supply: SharedSupply,
    private readonly pic: HashboardPic,
  ) {
    this.heartbeatMs = pic.heartbeatMs;
    this.name = `chain ${chain} (${pic.name}, ${supply.psu.name})`;
  }

  async setVoltage(volts: number): Promise<void> {
    checkVoltage(this, volts);
    await this.supply.psu.setVoltage(volts);
  }

  async enable(on: boolean): Promise<void> {
    if (on) {
      await this.supply.acquire(this.chain);
      await this.pic.start();
      await this.pic.dcdc(true);
      return;
    }
    // Off must always get as far as it can: the DC-DC first, then the PSU whatever the PIC said.
    let err: unknown = null;
    await this.pic.dcdc(false).catch((e) => (err = e));
    await this.supply.release(this.chain);
    if (err) throw err instanceof PowerError ? err : new PowerError(this.name, String(err));
  }

  heartbeat(): Promise<void> {
    return this.pic.heartbeat();
  }
}
