import { BusError } from './bus.js';

/** 7-bit addresses outside 0x03..0x77 are reserved by the I2C specification. */
export function checkAddress(address: number): void {
  if (!Number.isInteger(address) || address < 0x03 || address > 0x77) throw new BusError(`0x${address.toString(16)} is not a 7-bit device address`, address);
}
