// The QEMU vexpress-a9 board from our system tests: Debian's armhf kernel, three PL011 UARTs
// (ttyAMA1–3) wired to host-side chain emulators, and QEMU's own sensor models on the SBCon I2C
// bus (tmp105 at 0x48, LM75-compatible; tmp421 at 0x4C, TMP451-family). Facts: digest §6.2.
import type { BoardDefinition, ChainDef } from './types.js';

const I2C = { kind: 'linux', bus: 0 } as const;

const chain = (n: number): ChainDef => ({
  index: n,
  link: { kind: 'serial', path: `/dev/ttyAMA${n + 1}`, baud: 115_200 },
  chip: 'BM1387',
  expectedChips: 63,
  power: { kind: 'none', why: 'QEMU models no hashboard power stage; the host emulator owns the chains' },
});

export const qemuVexpress: BoardDefinition = {
  name: 'qemu-vexpress',
  description: 'QEMU vexpress-a9: 3 emulated S9 chains on ttyAMA1–3, QEMU I2C sensors',
  controlBoard: 'QEMU vexpress-a9 (Cortex-A9)',
  chains: [0, 1, 2].map(chain),
  sensors: [
    { name: 'tmp421-remote', location: 'chip', kind: 'tmp451-remote', bus: I2C, addresses: [0x4c] },
    { name: 'tmp421-local', location: 'board', kind: 'tmp451-local', bus: I2C, addresses: [0x4c] },
    { name: 'tmp105', location: 'board', kind: 'tmp1075', bus: I2C, address: 0x48 },
  ],
  fans: [],
  // The chains are `hashagent emulate --board antminer-s9` on the host: nonces at its 2^27-easier target.
  hostEmulatedChains: 'antminer-s9',
  limits: { targetTemp: 89, hotTemp: 100, dangerousTemp: 110, boardDangerousTemp: 90, vrDangerousTemp: 110, minFans: 0, frequency: { min: 200, max: 900, default: 650 } },
  notes: [
    'Start QEMU with -device tmp105,address=0x48 -device tmp421,address=0x4c and the ttyAMA1–3 chardevs connected to `hashagent emulate --board antminer-s9` listeners.',
    'The guest needs the i2c-versatile and i2c-dev modules.',
  ],
  unverified: ['The SBCon bus at 0x10016000 is /dev/i2c-0 in the guest.'],
};
