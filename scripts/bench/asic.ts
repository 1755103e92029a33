// asic.*: the agent's side of the hash chains.
// - nonce_intake: nonce replies parsed (resync + CRC), looked up, rebuilt, hashed and classified
//   per second on one core, against three chains' maximum reply rate at 3.125 Mbaud.
// - work_midstate: BM1387 work items (4 midstates, encoded frame; a fresh extranonce and merkle
//   root over 12 levels each time an extranonce's version space is used up) per second, against an
//   S9's need (3 chains × ~345 jobs/s). `rootsPerS` is the same with one root per item.
// - bringup_s9: seconds from the start of bring-up to all three chains of an emulated S9 hashing
//   (first valid nonce on each), the chains brought up together, against bOSminer's documented
//   per-chain bring-up waits (lib.rs reset_and_enumerate_and_init: INIT_DELAY 1 s + 2 s + 1 s around
//   the reset and supply, three 100 ms InactivateFromChain delays).
// - newblock_latency: decoded SetNewPrevHash → first byte of new work written on every chain of
//   an emulated S9, against one job frame's time on the wire at the chain's baud rate (after 300
//   warm-up blocks, whose own p99 and maximum are reported beside it); with the
//   heap bytes allocated per new block (the whole window, the emulated link's copy included; and
//   the scheduler's and drivers' part alone, links swapped for sinks) and the scavenges the run needed.
// `npm run bench -- asic.newblock` runs one of them (a filter with a dot names the benchmark).
import { ChainDriver } from '../../drivers/asic/chain.js';
import { encodeJob } from '../../drivers/asic/job.js';
import { composeNonce, encodeNonceReply } from '../../drivers/asic/nonce.js';
import { CHIP_PROFILES } from '../../drivers/asic/profiles.js';
import { linkedPair } from '../../drivers/transport/in-process-link.js';
import type { SerialLink } from '../../drivers/transport/serial-link.js';
import { EmulatedHashboards } from '../../board/emulated/hashboard.js';
import { WorkGenerator, type WorkTag } from '../../agent/roles/miner/work-generator.js';
import { WorkScheduler } from '../../agent/roles/miner/scheduler.js';
import { ClientChannel } from '../../agent/channels/client-channel.js';
import type { MiningJob } from '../../agent/channels/mining-job.js';
import { decodeFrame, messageFrame } from '../../agent/sv2/codec.js';
import { SetNewPrevHash } from '../../agent/sv2/messages/index.js';
import { FrameDecoder, encodeFrame } from '../../agent/sv2/framing.js';
import { PerformanceObserver } from 'node:perf_hooks';
import { opsPerSecond, type Bench, type Report } from './types.js';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed) & 0xff);

function benchJob(over: Partial<MiningJob> = {}): MiningJob {
  return {
    jobId: 1, version: 0x20000000, versionMask: 0x1fffe000, prevHash: bytes(32, 1), nbits: 0x1703a30c, ntime: 1_761_000_000,
    coinbasePrefix: bytes(45, 2), coinbaseSuffix: bytes(120, 3), extranonceSize: 8,
    merklePath: Array.from({ length: 12 }, (_, i) => bytes(32, 10 + i)), target: new Uint8Array(32).fill(0xff), clean: true, ...over,
  };
}

function nonceIntake(report: Report): void {
  // Header chips (11-byte replies incl. preamble), as three 3.125 Mbaud chains would deliver them.
  const p = CHIP_PROFILES.BM1366;
  const replyBits = (2 + p.replyLength) * 10;
  const chainRate = 3_125_000 / replyBits;
  const [driverEnd] = linkedPair(3_125_000);
  // A scale of 2^40 makes every reply pass the ticket, so each one runs the whole path to the share check.
  const driver = new ChainDriver<WorkTag>({ link: driverEnd, profile: p, expectedChips: 110, difficultyShift: 40 });
  const gen = new WorkGenerator(benchJob());
  const jobs = p.jobIds.map(() => driver.dispatch(gen.next()));
  // 64 replies per read, as a UART read returns a burst; each chunk refers to all 16 jobs.
  const chunks = Array.from({ length: 64 }, (_, c) => {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 64; i++) {
      const nonce = composeNonce(p, { addressStep: 2 }, (c * 64 + i) % 110, i % p.cores, (c * 7919 + i * 104729) % 2 ** 18);
      parts.push(Uint8Array.of(0xaa, 0x55), encodeNonceReply(p, { nonce, jobId: jobs[i % jobs.length]!, slot: i % 8, versionField: (i * 131) & 0xffff }));
    }
    return Buffer.concat(parts);
  });
  let k = 0;
  const ops = opsPerSecond(() => {
    driverEnd.emit('data', chunks[k++ % chunks.length]!);
    // Fresh jobs now and then keep the duplicate filter from seeing the same replies forever.
    if (k % chunks.length === 0) for (let i = 0; i < jobs.length; i++) driver.dispatch(gen.next());
  }, 1500, 4) * 64;
  const need = 3 * chainRate;
  report({ name: 'asic.nonce_intake', value: Math.round(ops), unit: 'replies/s', baseline: Math.round(need), ratio: +(ops / need).toFixed(2), target: '>= 1', hwErrors: driver.stats.hwErrors });
  void driver.close();
}

function workMidstate(report: Report): void {
  const p = CHIP_PROFILES.BM1387;
  const gen = new WorkGenerator(benchJob());
  let id = 0;
  const ops = opsPerSecond(() => {
    encodeJob(p, id++ & 0x7f, gen.next(4));
  }, 1500, 50);
  // An S9 chain takes a job every ~2.9 ms (0.9 × 4 midstates × 2^19 / 650 MHz, bOSminer).
  // The worst case: a root per item (a pool mask of two bits: four versions, one item).
  const fixed = new WorkGenerator(benchJob({ versionMask: 0x00006000 }));
  const roots = opsPerSecond(() => {
    encodeJob(p, id++ & 0x7f, fixed.next(4));
  }, 1000, 50);
  const need = 3 * (1 / (0.9 * ((4 * 2 ** 19) / 650e6)));
  report({ name: 'asic.work_midstate', value: Math.round(ops), unit: 'work items/s', baseline: Math.round(need), ratio: +(ops / need).toFixed(1), target: '>= 20', rootsPerS: Math.round(roots), rootsRatio: +(roots / need).toFixed(1) });
}

async function bringupS9(report: Report): Promise<void> {
  const { boards, links } = EmulatedHashboards.inProcess('antminer-s9', { hashrateScale: 0.05 });
  const p = CHIP_PROFILES.BM1387;
  const t0 = performance.now();
  const drivers = links.map((link) => new ChainDriver<WorkTag>({ link, profile: p, expectedChips: 63, difficultyShift: 27, ticketDifficulty: 1 }));
  const hashing = drivers.map((d) => new Promise<number>((resolve) => {
    const poll = setInterval(() => {
      if (d.stats.nonces > 0) {
        clearInterval(poll);
        resolve(performance.now());
      }
    }, 2);
  }));
  await Promise.all(drivers.map((d) => d.init()));
  const initS = (performance.now() - t0) / 1000;
  const sched = new WorkScheduler({ onShare: () => {} });
  drivers.forEach((d) => sched.addChain(d));
  sched.start();
  sched.setJob(benchJob());
  const secs = (Math.max(...(await Promise.all(hashing))) - t0) / 1000;
  sched.stop();
  await boards.close();
  const bosminer = 1 + 2 + 1 + 3 * 0.1;
  report({ name: 'asic.bringup_s9', value: +secs.toFixed(2), unit: 's', init: +initS.toFixed(2), baseline: bosminer, ratio: +(secs / bosminer).toFixed(2), target: '<= 1', chains: 3 });
}

async function newblockLatency(report: Report): Promise<void> {
  const { boards, links } = EmulatedHashboards.inProcess('antminer-s9', { hashrateScale: 0.05 });
  const p = CHIP_PROFILES.BM1387;
  const drivers = links.map((link) => new ChainDriver<WorkTag>({ link, profile: p, expectedChips: 63, difficultyShift: 27, rampIntervalMs: 0, replyTimeoutMs: 200 }));
  const init = await Promise.all(drivers.map((d) => d.init()));
  // Time of the first write on each chain after the block arrives.
  let armed = false;
  const firstWrite: number[] = [];
  links.forEach((l: SerialLink, i) => {
    const write = l.write.bind(l);
    l.write = (b: Uint8Array) => {
      if (armed && firstWrite[i] === undefined) firstWrite[i] = performance.now();
      return write(b);
    };
  });
  const sched = new WorkScheduler({ onShare: () => {} });
  drivers.forEach((d) => sched.addChain(d));
  sched.start();
  const channel = new ClientChannel(1, 'extended', 0, new Uint8Array(32).fill(0xff), bytes(4, 7), 8);
  const base = benchJob();
  const latencies: number[] = [];
  const allocated: number[] = [];
  // Garbage collections during the run (each one a pause the new-block path may land in).
  const gcs = { scavenge: 0, other: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // detail.kind 1 is a scavenge (NODE_PERFORMANCE_GC_MINOR).
      if ((e as { detail?: { kind?: number } }).detail?.kind === 1) gcs.scavenge++;
      else gcs.other++;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const heap = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  // What reading the heap costs itself, subtracted from each sample.
  const probe = Array.from({ length: 20 }, () => -heap() + heap()).sort((a, b) => a - b)[10]!;
  // The first 300 blocks run the path while V8 still tiers its functions up: each TurboFan
  // tier-up that lands inside a block costs 1.5–4.5 ms once (seen with --trace-opt), which an
  // agent pays once in its life. They are reported apart (coldP99, coldMax); the figure is the
  // 300 blocks after them.
  const WARM = 300;
  const cold: number[] = [];
  for (let i = 0; i < WARM + 300; i++) {
    channel.addJob({ jobId: i, version: base.version, merkleRoot: null, minNtime: null, extended: { coinbasePrefix: base.coinbasePrefix, coinbaseSuffix: base.coinbaseSuffix, merklePath: [...base.merklePath], versionRollingAllowed: true } });
    const wire = encodeFrame(messageFrame(SetNewPrevHash, { channel_id: 1, job_id: i, prev_hash: bytes(32, i), min_ntime: 1_761_000_000 + i, nbits: 0x1703a30c }));
    const [frame] = new FrameDecoder().push(wire);
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
    const m = decodeFrame(frame!);
    // The clock starts with the decoded message, as the agent's upstream hands it over.
    firstWrite.length = 0;
    const h0 = heap();
    armed = true;
    const t0 = performance.now();
    if (m.key !== 'SetNewPrevHash') throw new Error('bench: decode failed');
    const active = channel.setPrevHash({ jobId: m.fields.job_id, prevHash: m.fields.prev_hash, minNtime: m.fields.min_ntime, nbits: m.fields.nbits })!;
    const ext = active.job.extended!;
    sched.setJob({ ...base, jobId: active.job.jobId, prevHash: active.prev.prevHash, nbits: active.prev.nbits, ntime: active.ntime, coinbasePrefix: ext.coinbasePrefix, merklePath: ext.merklePath, clean: true });
    armed = false;
    const h1 = heap();
    if (firstWrite.length === 3) (i < WARM ? cold : latencies).push((Math.max(...firstWrite) - t0) * 1000);
    // A collection inside the window makes the difference meaningless (negative): skipped.
    if (i >= WARM && h1 >= h0) allocated.push(h1 - h0 - probe);
  }
  gcObserver.disconnect();
  allocated.sort((a, b) => a - b);
  // The agent's own part alone: the same new blocks with the links swapped for sinks that keep
  // nothing (the emulated link copies every write, a real serialport does not), from the job to
  // the frames handed to the links.
  const done = Promise.resolve();
  for (const l of links) {
    l.write = () => done;
    l.flush = () => done;
  }
  const pathAllocated: number[] = [];
  const job = { ...base, prevHash: bytes(32, 0), clean: true };
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 2));
    const h0 = heap();
    sched.setJob(job);
    const h1 = heap();
    if (i >= 20 && h1 >= h0) pathAllocated.push(h1 - h0 - probe);
  }
  pathAllocated.sort((a, b) => a - b);
  sched.stop();
  await boards.close();
  latencies.sort((a, b) => a - b);
  cold.sort((a, b) => a - b);
  const pct = (q: number, of = latencies) => of[Math.min(of.length - 1, Math.floor(q * of.length))]!;
  // One 4-midstate BM1387 job frame (150 bytes, 10 bits each) at the chain's switched rate.
  const frameUs = ((150 * 10) / init[0]!.baud) * 1e6;
  report({ name: 'asic.newblock_latency', value: +pct(0.99).toFixed(1), unit: 'µs p99', p50: +pct(0.5).toFixed(1), p99: +pct(0.99).toFixed(1), baseline: +frameUs.toFixed(1), ratio: +(pct(0.99) / frameUs).toFixed(3), target: '<= 1', samples: latencies.length, coldP99: +pct(0.99, cold).toFixed(1), coldMax: +(cold[cold.length - 1] ?? 0).toFixed(1), allocBytesP50: allocated[allocated.length >> 1] ?? null, pathAllocBytesP50: pathAllocated[pathAllocated.length >> 1] ?? null, scavenges: gcs.scavenge, majorGcs: gcs.other });
}

/** A filter with a dot (asic.newblock) picks one benchmark of the group; without one, all run. */
const wanted = (name: string) => {
  const named = process.argv.slice(2).filter((a) => a.startsWith('asic.'));
  return named.length === 0 || named.some((f) => name.startsWith(f));
};

export const asicBench: Bench = {
  name: 'asic',
  async run(report) {
    if (wanted('asic.nonce_intake')) nonceIntake(report);
    if (wanted('asic.work_midstate')) workMidstate(report);
    if (wanted('asic.bringup_s9')) await bringupS9(report);
    if (wanted('asic.newblock_latency')) await newblockLatency(report);
  },
};
