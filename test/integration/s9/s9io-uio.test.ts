// The S9 chain path under Braiins OS: the s9io FPGA IP behind UIO, here the register model
// (board/emulated/s9io-ip.ts) behind files standing in for /dev/uioN, so the native addon's real
// mmap, 32-bit loads/stores and interrupt reads carry every value.
// Vectors: braiins-os open/hw/zynq-io-am1-s9/README.md (commit 3c1a16f9), "Command Transmit
// Interface FIFO" (lines 258-275: 0x00fc0541 → 41 05 fc 00 0b; 0x0c000948 0x21026800 → 48 09 00
// 0c 00 68 02 21 02), "Command Receive" (237-244: 13 87 90 f4 00 00 1c → 0xf4908713 0x1c000000)
// and "Work Receive" (313-320: 72 03 ea 83 00 03 98 → 0x83ea0372 0x98000300): bytes a real chip
// and the real FPGA produced, which the CRC5 of drivers/asic confirms.
import { afterEach, describe, expect, it } from 'vitest';
import { ChainDriver } from '../../../drivers/asic/chain.js';
import { decodeJob } from '../../../drivers/asic/job.js';
import { CHIP_PROFILES } from '../../../drivers/asic/profiles.js';
import { S9ioChainLink } from '../../../drivers/transport/s9io-link.js';
import { COMMON, CMD, CTRL, FIFO_STAT, WORK_RX, WORK_TX, baudOfRegister } from '../../../drivers/transport/s9io-registers.js';
import { TransportError } from '../../../drivers/transport/serial-link.js';
import { UioDevice } from '../../../drivers/transport/uio.js';
import { EmulatedS9io, createUioStandIns } from '../../../board/emulated/s9io-ip.js';
import { FAN_CTRL, UioFan } from '../../../drivers/fans/uio-fan.js';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { EmulatedChain } from '../../../board/emulated/chip-chain.js';
import { boardChip, emulatedBoard } from '../../../board/emulated/chain-profiles.js';
import { WorkScheduler } from '../../../agent/roles/miner/scheduler.js';
import type { WorkTag } from '../../../agent/roles/miner/work-generator.js';
import type { MiningShare } from '../../../agent/channels/mining-job.js';
import { shareMeetsTarget, testJob } from '../../support/mining-job.js';
import { nativeIo } from '../../support/native.js';
import { tempDir } from '../../support/processes.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An IP on connector 6 in a fresh stand-in tree; `chip` is the far end of its UART. */
function standIn(paced = false) {
  nativeIo();
  const tmp = tempDir('hashagent-s9io-');
  cleanups.push(tmp.remove);
  // Paced: bytes take their time on the wire, as the IP's UART and the chips see them.
  const ip = new EmulatedS9io(tmp.dir, 6, paced);
  cleanups.push(() => ip.close());
  const chip = ip.chipEnd;
  const received: number[] = [];
  chip.on('data', (b) => received.push(...b));
  return { root: tmp.dir, ip, chip, received };
}

const until = async (what: string, cond: () => boolean, ms = 10_000) => {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('s9io IP model against the README', () => {
  it('command words become frames with the CRC5 the FPGA appends', async () => {
    const { root, received } = standIn();
    const common = UioDevice.open('chain6-common', root);
    const cmd = UioDevice.open('chain6-cmd-rx', root);
    cleanups.push(() => (common.close(), cmd.close()));
    expect(common.read32(COMMON.VERSION)).toBe(0x00901000);
    common.write32(COMMON.CTRL_REG, CTRL.ENABLE);
    cmd.write32(CMD.TX_FIFO, 0x00fc0541);
    cmd.write32(CMD.TX_FIFO, 0x0c000948);
    cmd.write32(CMD.TX_FIFO, 0x21026800);
    await until('both frames', () => received.length >= 14);
    expect(received).toEqual([0x41, 0x05, 0xfc, 0x00, 0x0b, 0x48, 0x09, 0x00, 0x0c, 0x00, 0x68, 0x02, 0x21, 0x02]);
  });

  it('replies become the README words; a work goes out under the 7 bits of its ext id and comes back extended', async () => {
    const { root, chip, received } = standIn();
    const common = UioDevice.open('chain6-common', root);
    const cmd = UioDevice.open('chain6-cmd-rx', root);
    const rx = UioDevice.open('chain6-work-rx', root);
    const tx = UioDevice.open('chain6-work-tx', root);
    cleanups.push(() => [common, cmd, rx, tx].forEach((d) => d.close()));
    common.write32(COMMON.CTRL_REG, CTRL.ENABLE); // 1 midstate
    expect(cmd.read32(CMD.STAT_REG) & FIFO_STAT.RX_EMPTY).toBeTruthy();
    await chip.write(Uint8Array.from([0x13, 0x87, 0x90, 0xf4, 0x00, 0x00, 0x1c]));
    await until('the command reply', () => !(cmd.read32(CMD.STAT_REG) & FIFO_STAT.RX_EMPTY));
    expect([cmd.read32(CMD.RX_FIFO), cmd.read32(CMD.RX_FIFO)]).toEqual([0xf4908713, 0x1c000000]);
    expect(cmd.read32(CMD.STAT_REG) & FIFO_STAT.RX_EMPTY).toBeTruthy();
    // Ext work id 0x0203: the chip sees id 3 (0x203 & 0x7f), the reply is extended back to 0x0203.
    const words = [0x0203, 0x1d00ffff, 0x5f5e1000, 0x44332211, 8, 7, 6, 5, 4, 3, 2, 1];
    for (const w of words) tx.write32(WORK_TX.FIFO, w);
    await until('the job frame', () => received.length >= 54);
    const job = decodeJob(CHIP_PROFILES.BM1387, Uint8Array.from(received))!;
    expect(job).toMatchObject({ jobId: 3, nbits: 0x1d00ffff, ntime: 0x5f5e1000 });
    expect([...job.merkleTail!]).toEqual([0x11, 0x22, 0x33, 0x44]);
    expect([...job.midstates[0]!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(tx.read32(WORK_TX.LAST_ID)).toBe(0x0203);
    await chip.write(Uint8Array.from([0x72, 0x03, 0xea, 0x83, 0x00, 0x03, 0x98]));
    await until('the nonce', () => !(rx.read32(WORK_RX.STAT_REG) & FIFO_STAT.RX_EMPTY));
    expect([rx.read32(WORK_RX.FIFO), rx.read32(WORK_RX.FIFO)]).toEqual([0x83ea0372, 0x98020300]);
    // A reply with a broken CRC is dropped and counted.
    await chip.write(Uint8Array.from([0x72, 0x03, 0xea, 0x83, 0x00, 0x03, 0x99]));
    await until('the error count', () => common.read32(COMMON.ERR_COUNTER) >= 1);
    expect(rx.read32(WORK_RX.STAT_REG) & FIFO_STAT.RX_EMPTY).toBeTruthy();
  });
});

describe('S9 fan controller IP over UIO', () => {
  it('reads revolutions per second × 60 and writes the duty in percent (README lines 456-474)', async () => {
    nativeIo();
    const tmp = tempDir('hashagent-s9fan-');
    cleanups.push(tmp.remove);
    const files = createUioStandIns(tmp.dir, ['fan-control']);
    const dev = UioDevice.open('fan-control', tmp.dir);
    cleanups.push(() => dev.close());
    const fan2 = new UioFan('fan2', dev, 2);
    // The IP's side: tach 2 reports 95 rev/s; the PWM register is what the fan sees.
    // (written in place: truncating a mapped file would fault the mapping)
    const fd = openSync(files.get('fan-control')!.dev, 'r+');
    writeSync(fd, Buffer.from([95, 0, 0, 0]), 0, 4, FAN_CTRL.RPS[1]!);
    closeSync(fd);
    expect(await fan2.readRpm()).toBe(5700);
    await fan2.setDuty(70);
    expect(readFileSync(files.get('fan-control')!.dev).readUInt32LE(FAN_CTRL.PWM)).toBe(70);
    await expect(fan2.setDuty(101)).rejects.toThrow(RangeError);
    expect(() => new UioFan('fan5', dev, 5)).toThrow(RangeError);
    expect(() => UioDevice.open('chain9-common', tmp.dir)).toThrow(/not found/);
  });
});

describe('S9ioChainLink', () => {
  it('packs commands into the FIFO, rebuilds replies and nonces, sets the 50 MHz baud divisor', async () => {
    const { root, ip, chip, received } = standIn();
    const link = S9ioChainLink.open({ connector: 6, root });
    cleanups.push(() => link.close());
    const got: number[] = [];
    link.on('data', (b) => got.push(...b));
    await link.write(Uint8Array.from([0x41, 0x05, 0xfc, 0x00, 0x0b]));
    await until('the command', () => received.length === 5);
    expect(received).toEqual([0x41, 0x05, 0xfc, 0x00, 0x0b]);
    await chip.write(Uint8Array.from([0x13, 0x87, 0x90, 0xf4, 0x00, 0x00, 0x1c]));
    await until('the reply', () => got.length === 7);
    expect(got).toEqual([0x13, 0x87, 0x90, 0xf4, 0x00, 0x00, 0x1c]);
    // 1.5625 Mbaud is 50 MHz / (8 · 4): register 3, exact; 115 200 becomes 115 741 (register 53).
    await link.setBaudRate(1_562_500);
    expect(link.baudRate).toBe(1_562_500);
    expect(baudOfRegister(53)).toBeCloseTo(115_740.7, 0);
    // Bad input is a typed error, and the link goes on.
    await expect(link.write(Uint8Array.from([0x99, 0x05, 0, 0, 0]))).rejects.toThrow(TransportError);
    await expect(link.write(Uint8Array.from([0x41, 0x05, 0xfc, 0x00, 0x0c]))).rejects.toThrow(/CRC5/);
    await link.write(Uint8Array.from([0x41, 0x05, 0xfc, 0x00, 0x0b]));
    await link.drain();
    expect(ip.sent.commands).toBe(2);
  });

  it('an S9 chain of 63 BM1387 enumerates, switches to 1.5625 Mbaud and mines valid shares through the IP', async () => {
    const board = emulatedBoard('antminer-s9');
    const { root, ip, chip } = standIn(true);
    const chain = new EmulatedChain(chip, { profile: boardChip(board), chips: board.chipsPerChain, difficultyShift: board.difficultyShift, hashrateScale: 0.5 });
    cleanups.push(() => chain.close());
    const link = S9ioChainLink.open({ connector: 6, root });
    cleanups.push(() => link.close());
    const driver = new ChainDriver<WorkTag>({ link, profile: boardChip(board), expectedChips: board.chipsPerChain, maxBaud: board.linkBaud, difficultyShift: board.difficultyShift, rampIntervalMs: 0, replyTimeoutMs: 300, requireAllChips: true, ticketDifficulty: 1 });
    cleanups.push(() => driver.close());
    const report = await driver.init();
    expect(report).toMatchObject({ found: 63, missingAt: null, baud: 1_562_500 });
    const shares: MiningShare[] = [];
    const sched = new WorkScheduler({ onShare: (s) => shares.push(s) });
    sched.addChain(driver);
    sched.start();
    cleanups.push(() => sched.stop());
    sched.setJob(testJob());
    await until('nonces and shares', () => driver.stats.nonces > 50 && shares.length > 0, 30_000);
    expect(driver.stats.hwErrors).toBe(0);
    expect(shares.every(shareMeetsTarget)).toBe(true);
    expect(ip.sent.works).toBeGreaterThan(0);
    expect(link.ipErrors()).toBe(0);
  });
});
