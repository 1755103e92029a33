// The other board interfaces the drivers stand on; their real implementations (i2c-bus, onoff)
// and emulated devices come with the board issue.
export class BusError extends Error {
  override readonly name = 'BusError';
  constructor(
    message: string,
    /** 7-bit device address, when the error concerns one device. */
    readonly address?: number,
  ) {
    super(message);
  }
}

export interface I2cBus {
  readByte(address: number, register: number): Promise<number>;
  writeByte(address: number, register: number, value: number): Promise<void>;
  readWord(address: number, register: number): Promise<number>;
  writeWord(address: number, register: number, value: number): Promise<void>;
  readBlock(address: number, register: number, length: number): Promise<Uint8Array>;
  writeBlock(address: number, register: number, data: Uint8Array): Promise<void>;
  /** Raw transfer: write then read in one transaction (PMBus, PIC protocols). */
  transfer(address: number, write: Uint8Array, readLength: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export type Edge = 'rising' | 'falling' | 'both';

export interface GpioPin {
  readonly direction: 'in' | 'out';
  read(): Promise<0 | 1>;
  write(value: 0 | 1): Promise<void>;
  watch(edge: Edge, onChange: (value: 0 | 1) => void): () => void;
  close(): Promise<void>;
}
