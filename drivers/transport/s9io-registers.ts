// The Braiins "s9io" FPGA IP (AXI BM13xx v1.0, one per S9 hashboard connector) as the
// Braiins OS bitstream exposes it: four 4 kB register windows, each its own UIO device
// `chain<N>-common | -cmd-rx | -work-rx | -work-tx` (bosminer io/uio.rs:41-60).
// Register map, bits, FIFO sizes and formats: braiins-os open/hw/zynq-io-am1-s9/README.md
// ("AXI BM13xx IP Core Description", lines 80-435 at commit 3c1a16f9). Offsets below are within
// each window (the README's 0x1000/0x2000/0x3000 window bases removed).

export type S9ioWindow = 'common' | 'cmd-rx' | 'work-rx' | 'work-tx';
export const S9IO_WINDOWS: readonly S9ioWindow[] = ['common', 'cmd-rx', 'work-rx', 'work-tx'];
export const S9IO_WINDOW_SIZE = 0x1000;
export const s9ioUioName = (connector: number, w: S9ioWindow): string => `chain${connector}-${w}`;

/** Common window (README table at lines 112-132). */
export const COMMON = { VERSION: 0x00, BUILD_ID: 0x04, CTRL_REG: 0x08, STAT_REG: 0x0c, BAUD_REG: 0x10, WORK_TIME: 0x14, ERR_COUNTER: 0x18 } as const;
/** CTRL_REG bits (README lines 161-179): BM139x framing, enable, log2 midstate count, error-count clear. */
export const CTRL = { BM139X: 1 << 4, ENABLE: 1 << 3, MIDSTATE_SHIFT: 1, MIDSTATE_MASK: 3 << 1, ERR_CNT_CLEAR: 1 << 0 } as const;
/** VERSION: miner type 0 (Antminer), model 0x09, then major.minor.patch; bosminer expects 1.0.0 (io.rs:54-60). */
export const S9IO_VERSION = 0x00901000;
export const versionModel = (v: number): number => (v >>> 20) & 0xff;
export const versionMajor = (v: number): number => (v >>> 12) & 0xf;

/** Command window: RX FIFO (replies, 2 words each), TX FIFO (commands without CRC), control, status. */
export const CMD = { RX_FIFO: 0x0, TX_FIFO: 0x4, CTRL_REG: 0x8, STAT_REG: 0xc } as const;
/** Work RX window: nonce replies, 2 words each. */
export const WORK_RX = { FIFO: 0x0, CTRL_REG: 0x8, STAT_REG: 0xc } as const;
/** Work TX window: work specifications, threshold IRQ, last work id sent. */
export const WORK_TX = { FIFO: 0x4, CTRL_REG: 0x8, STAT_REG: 0xc, IRQ_THR: 0x10, LAST_ID: 0x14 } as const;

/** Control bits of the three FIFO windows (README lines 286-387). */
export const FIFO_CTRL = { IRQ_EN: 1 << 2, RST_TX_FIFO: 1 << 1, RST_RX_FIFO: 1 << 0 } as const;
/** Status bits (README lines 298-399). */
export const FIFO_STAT = { IRQ_PEND: 1 << 4, TX_FULL: 1 << 3, TX_EMPTY: 1 << 2, RX_FULL: 1 << 1, RX_EMPTY: 1 << 0 } as const;

/** FIFO depths in 32-bit words (README lines 95-99). */
export const FIFO_WORDS = { cmdRx: 256, cmdTx: 1024, workRx: 1024, workTx: 2048 } as const;

/** The IP's AXI clock; the UART makes f / (8 · (BAUD_REG + 1)) (README lines 188-201, bosminer io.rs:63-65). */
export const S9IO_CLOCK_HZ = 50_000_000;
export const baudRegister = (baud: number): number => Math.max(0, Math.min(0xfff, Math.round(S9IO_CLOCK_HZ / (8 * baud)) - 1));
export const baudOfRegister = (reg: number): number => S9IO_CLOCK_HZ / (8 * ((reg & 0xfff) + 1));

/** Extended work ids are 16 bits; the low log2(midstates) bits carry the midstate index (bosminer io/ext_work_id.rs:47-80). */
export const EXT_WORK_IDS = 0x10000;
/** Bits of the work id the chip itself carries (README line 372). */
export const CHIP_WORK_ID_MASK = 0x7f;
