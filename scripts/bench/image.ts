// image.size: the compressed payload (`npm run image`) against the S9's ~95 MB firmware partition
// (real-hardware.md §4). qemu.boot_to_share: seconds from starting QEMU (vexpress-a9, 2 vCPUs) to
// the pool accepting the guest agent's first share, three emulated S9 chains on its UARTs.
// Both need the QEMU tier's tools (see .ci/run); without them nothing is reported.
import type { Bench } from './types.js';
import { startTestPool } from '../../test/support/agent-rig.js';
import { bootQemuBoard, ensureImage, guestAgentToml, haveQemuTools, startChainEmulator } from '../../test/support/qemu-board.js';

const S9_FIRMWARE_PARTITION = 95e6;

export const imageBench: Bench = {
  name: 'image',
  async run(report) {
    if (!haveQemuTools()) {
      process.stderr.write('bench image/qemu: qemu-system-arm, mmdebstrap or the cross compiler is missing; skipped\n');
      return;
    }
    const { payloadBytes } = ensureImage();
    report({ name: 'image.size', value: payloadBytes, unit: 'bytes', baseline: S9_FIRMWARE_PARTITION, ratio: payloadBytes / S9_FIRMWARE_PARTITION, target: '<= 1' });
    const cleanups: (() => unknown)[] = [];
    try {
      const pool = await startTestPool();
      cleanups.push(() => pool.stop());
      const emu = await startChainEmulator(cleanups);
      const board = await bootQemuBoard({ chains: emu.chains, files: { 'etc/hashagent/agent.toml': { data: guestAgentToml(pool) } } });
      const t0 = performance.now();
      cleanups.push(() => board.stop());
      const ready = await board.waitFor(/hashagent: payload ready/, 10 * 60_000);
      const started = await board.waitFor(/hashagent: started/, 60_000);
      while (pool.pool.shares.accepted.get() === 0) {
        if (performance.now() - t0 > 20 * 60_000) throw new Error('no share from the guest within 20 min');
        await new Promise((r) => setTimeout(r, 250));
      }
      const seconds = (performance.now() - t0) / 1000;
      report({ name: 'qemu.boot_to_share', value: seconds, unit: 's', payload_ready_s: ready.t, agent_started_s: started.t });
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
  },
};
