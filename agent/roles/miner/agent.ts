// The firmware agent (`hashagent mine`): opens the board, starts safety, brings the chains up in
// the safe order (fans → voltage → reset → chain init), feeds them from the pool list through the
// work scheduler, submits what they find, watches each chain and chip, and serves /metrics.
// Safety runs on its own timers and never waits on the network.
import type { AgentConfig, PoolConfigEntry } from '../../config/agent.js';
import type { ChainHardware } from '../../../board/open.js';
import { ChainDriver } from '../../../drivers/asic/chain.js';
import { CHIP_PROFILES } from '../../../drivers/asic/profiles.js';
import type { SerialLink } from '../../../drivers/transport/serial-link.js';
import { EmulatedHashboards } from '../../../board/emulated/hashboard.js';
import { emulatedBoard, nominalBoardHashrate } from '../../../board/emulated/chain-profiles.js';
import { poolListSource, type JobSourceFailover } from '../../net/job-source-failover.js';
import type { MiningShare } from '../../channels/mining-job.js';
import { Metrics, serveMetrics } from '../../api/metrics.js';
import { CgminerApi } from '../../api/cgminer.js';
import { startBoardSafety, type BoardSafety, type StartSafetyOptions } from './safety-runtime.js';
import { ChainWatchdog, type ChainWatchdogOptions } from './safety-chains.js';
import { registerSafetyMetrics } from './safety-metrics.js';
import { WorkScheduler } from './scheduler.js';
import type { WorkTag } from './work-generator.js';
import { openChainLink } from './chain-link.js';
import { ChipHealth } from './chip-health.js';
import { registerAgentMetrics } from './agent-metrics.js';

export interface MinerAgentOptions {
  log?: (line: string) => void;
  /** Passed to the safety controller and board opening (tests speed these up). */
  safety?: StartSafetyOptions['safety'];
  board?: StartSafetyOptions['board'];
  watchdog?: ChainWatchdogOptions;
  /** Chain driver knobs: frequency ramp pacing, reply timeout, ticket difficulty. */
  rampIntervalMs?: number;
  replyTimeoutMs?: number;
  ticketDifficulty?: number;
  /** Emulated boards: multiplies the chips' nominal rate (and the emulator's CPU use). */
  hashrateScale?: number;
  /** Pool list: how often a fallback checks whether a better pool is back, connect timeout. */
  retryIntervalMs?: number;
  connectTimeoutMs?: number;
  /** How often each chip's nonce count is checked for a chip that stopped (default 60 s). */
  chipCheckMs?: number;
}

export interface ChainRuntime {
  index: number;
  hw: ChainHardware;
  driver: ChainDriver<WorkTag>;
  link: SerialLink;
  /** Chips found at the last init, the position of the first missing one. */
  found: number;
  missingAt: number | null;
}

export interface ShareCounters {
  submitted: number;
  accepted: number;
  rejected: number;
  blocks: number;
}

export class MinerAgent {
  readonly chains = new Map<number, ChainRuntime>();
  readonly scheduler: WorkScheduler;
  readonly metrics = new Metrics();
  readonly shares: ShareCounters = { submitted: 0, accepted: 0, rejected: 0, blocks: 0 };
  source: JobSourceFailover | null = null;
  emulator: EmulatedHashboards | null = null;
  metricsUrl: string | null = null;
  /** Where the cgminer-compatible API listens ([api] cgminer_listen; port 0 picks one). */
  cgminerAddress: { host: string; port: number } | null = null;
  private board: BoardSafety | null = null;
  private watchdog: ChainWatchdog | null = null;
  private health: ChipHealth | null = null;
  private closers: (() => unknown)[] = [];
  private readonly log: (line: string) => void;
  private readonly startedAt = performance.now();
  private stopping = false;

  constructor(
    readonly cfg: AgentConfig,
    private readonly o: MinerAgentOptions = {},
  ) {
    this.log = o.log ?? (() => undefined);
    this.scheduler = new WorkScheduler({ onShare: (s, found) => this.onShare(s, found.block) });
    // Standard channels split the version space by the configured chains' positions.
    this.scheduler.laneCount = cfg.chains.length;
  }

  get safety() {
    return this.board?.safety ?? null;
  }

  get hardware() {
    return this.board?.hw ?? null;
  }

  /** Difficulty scale of an emulated board (its chips report 2^shift times easier); 0 on hardware. */
  get difficultyShift(): number {
    const e = this.cfg.board.emulation;
    return e ? emulatedBoard(e.chainProfile).difficultyShift : 0;
  }

  /** Brings everything up; resolves once every chain has been brought up (mining starts with the
   * first) and the pool list is running. Throws PoolEntryError before any voltage for a bad pool list. */
  async start(): Promise<void> {
    this.board = await startBoardSafety(this.cfg, {
      stopHashing: () => this.stopHashing(),
      log: this.log,
      ...(this.o.safety ? { safety: this.o.safety } : {}),
      ...(this.o.board ? { board: this.o.board } : {}),
    });
    this.closers.push(() => this.board?.close());
    const hw = this.board.hw;
    // Chains whose link is the in-process emulator (agent.toml may point others at a pty or socket).
    const inProcess = new Set(this.cfg.chains.flatMap((c) => (c.link.kind === 'emulated' ? [c.link.chain] : [])));
    if (hw.emulated && this.cfg.board.emulation && inProcess.size) {
      const e = this.cfg.board.emulation;
      const profile = emulatedBoard(e.chainProfile);
      const scale = this.o.hashrateScale ?? 1;
      const perChain = nominalBoardHashrate(profile, scale) / profile.chains;
      const { boards, links } = EmulatedHashboards.inProcess(profile, {
        hashrateScale: scale,
        board: (n) => {
          if (!inProcess.has(n)) return undefined;
          const h = hw.emulated!.chainHooks(n);
          return { isPowered: h.isPowered, inReset: h.inReset, setLoad: h.setLoad, wattsAtNominal: e.chainWatts, nominal: perChain };
        },
      });
      this.emulator = boards;
      this.emulatedLinks = links;
      this.closers.push(() => boards.close());
    }
    registerSafetyMetrics(this.metrics, this.board.safety, hw);
    registerAgentMetrics(this.metrics, this);

    this.watchdog = new ChainWatchdog({ reinit: (i) => this.reinitChain(i) }, this.board.safety, this.o.watchdog ?? {}, (ev) => {
      if (ev.type === 'chain-silent') this.log(`chain ${ev.chain}: silent for ${Math.round(ev.silentMs)} ms; re-initialising`);
      else if (ev.type === 'chain-reinit') this.log(`chain ${ev.chain}: re-initialisation ${ev.ok ? 'succeeded' : `failed${ev.error ? `: ${ev.error}` : ''}`}`);
      else this.log(`chain ${ev.chain} disabled: ${ev.reason}`);
    });
    // The pool list is checked before any voltage is applied; mining starts with the first chain
    // that comes up, while the others are still being brought up one after another.
    const source = this.poolSource(this.cfg.pools, true);
    const results = await this.board.bringUp(
      (c) => this.initChain(c),
      () => {
        if (!this.stopping && !this.safety?.latched) this.startMining(source);
      },
    );
    const running = results.filter((r) => r.state === 'running');
    if (!running.length) throw new Error(`no chain came up: ${results.map((r) => `chain ${r.index} ${r.state}${r.error ? ` (${r.error})` : ''}`).join('; ')}`);
    this.watchdog.start();
    this.closers.push(() => this.watchdog?.stop());
    this.health = new ChipHealth(this, {
      checkMs: this.o.chipCheckMs ?? 60_000,
      hashrateScale: this.o.hashrateScale ?? 1,
      // Silence only means something while there is work and nothing stops the chips.
      canJudge: () => this.scheduler.currentJob !== null && !this.safety?.latched && this.poolState !== null,
      log: this.log,
      reinit: (i) => this.reinitChain(i),
    });
    this.closers.push(() => this.health?.stop());
    // Feeds the watchdog: a chain that said anything in the last second is alive.
    const alive = setInterval(() => {
      for (const c of this.chains.values()) if (c.driver.silentForMs < 1500) this.watchdog?.replied(c.index);
    }, 1000);
    alive.unref();
    this.closers.push(() => clearInterval(alive));

    if (this.cfg.api.http.enabled) {
      const [host, port] = splitHostPort(this.cfg.api.http.listen);
      const { server, port: bound } = await serveMetrics(this.metrics, host, port);
      this.metricsUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/metrics`;
      this.closers.push(() => new Promise((r) => server.close(() => r(null))));
    }
    if (this.cfg.api.cgminer.enabled) {
      const [host, port] = splitHostPort(this.cfg.api.cgminer.listen);
      // A busy port costs the monitoring API, not the mining (cgminer carries on without it too).
      const api = await CgminerApi.listen(this, { host, port, writable: this.cfg.api.cgminer.writable, log: this.log }).catch((e: unknown) => {
        this.log(`cgminer API not available on ${this.cfg.api.cgminer.listen}: ${(e as Error).message}`);
        return null;
      });
      if (api) {
        this.cgminerAddress = api.address;
        this.closers.push(() => api.close());
      }
    }
    this.startMining(source);
  }

  private miningStarted = false;

  /** Once: the scheduler runs and the pool list starts (unless a reload already put one in place). */
  private startMining(source: JobSourceFailover): void {
    if (this.miningStarted) return;
    this.miningStarted = true;
    this.scheduler.start();
    if (!this.source) this.useSource(source);
  }

  private emulatedLinks: SerialLink[] = [];

  /** What the pool is told: the hash rate its share targets must suit (real hashes on emulated
   * boards). `pending`: chains not yet up count with the chips they should have (bring-up). */
  declaredHashrate(pending = false): number {
    let sum = 0;
    for (const c of this.chains.values()) {
      const p = c.driver.profile;
      sum += c.driver.frequencyMHz * 1e6 * p.hashesPerClock * c.found;
    }
    if (pending) {
      for (const cc of this.cfg.chains) {
        const def = this.cfg.board.chains.find((d) => d.index === cc.index);
        if (!cc.enabled || this.chains.has(cc.index) || !def) continue;
        sum += cc.frequency * 1e6 * CHIP_PROFILES[def.chip].hashesPerClock * def.expectedChips;
      }
    }
    return (sum * (this.o.hashrateScale ?? 1)) / 2 ** this.difficultyShift;
  }

  /** Replaces the pool list (SIGHUP); the chains keep running. Throws PoolEntryError. */
  setPools(entries: PoolConfigEntry[]): void {
    this.useSource(this.poolSource(entries, false));
  }

  /** The pool list as a job source (not started); throws PoolEntryError for a bad entry. */
  private poolSource(entries: PoolConfigEntry[], bringingUp: boolean): JobSourceFailover {
    const first = entries[0]!;
    return poolListSource(entries, {
        user: first.user,
        password: first.password,
        nominalHashrate: Math.max(1, this.declaredHashrate(bringingUp)),
        versionRolling: this.cfg.asicBoost,
        log: (l) => this.log(`pool: ${l}`),
        ...(this.o.retryIntervalMs !== undefined ? { retryIntervalMs: this.o.retryIntervalMs } : {}),
        ...(this.o.connectTimeoutMs !== undefined ? { connectTimeoutMs: this.o.connectTimeoutMs } : {}),
    });
  }

  private useSource(source: JobSourceFailover): void {
    const old = this.source;
    source.on('job', (job) => {
      if (this.source === source && !this.safety?.latched) this.scheduler.setJob(job);
    });
    source.on('target', (t) => this.source === source && this.scheduler.setTarget(t));
    source.on('state', (s, info) => {
      if (this.source !== source) return;
      this.log(`pool ${s}: ${info.url} (${info.protocol})`);
      this.poolState = s === 'up' ? info : null;
      if (s === 'down') this.scheduler.clearJob();
    });
    source.on('result', (r) => {
      this.shares.accepted += r.accepted;
      this.shares.rejected += r.rejected;
      if (r.error) this.log(`share rejected: ${r.error}`);
    });
    this.source = source;
    old?.stop();
    source.start().catch((e: unknown) => this.log(`pool list: ${(e as Error).message}`));
  }

  poolState: { url: string; protocol: 'sv2' | 'sv1' } | null = null;

  private onShare(s: MiningShare, block: boolean): void {
    if (!this.source || this.safety?.latched) return;
    this.shares.submitted++;
    if (block) {
      this.shares.blocks++;
      this.log(`BLOCK candidate: job ${s.job.jobId} nonce ${s.nonce.toString(16).padStart(8, '0')}`);
    }
    this.source.submit(s);
  }

  /** Safety's hook: nothing more goes to the chips; the rings are voided. */
  private stopHashing(): void {
    this.scheduler.stop();
    for (const c of this.chains.values()) c.driver.invalidateAll();
  }

  private async initChain(hw: ChainHardware): Promise<void> {
    const cc = this.cfg.chains.find((c) => c.index === hw.index)!;
    const link = await openChainLink(cc.link, (profile, chain) => {
      const l = this.emulatedLinks[chain];
      if (!this.emulator || this.emulator.profile.name !== profile.replace(/^emulated-/, '') || !l) throw new Error('no such chain in the in-process emulator');
      return l;
    });
    const profile = CHIP_PROFILES[hw.def.chip];
    const driver = new ChainDriver<WorkTag>({
      link,
      profile,
      expectedChips: hw.def.expectedChips,
      frequencyMHz: cc.frequency,
      ...('baud' in cc.link && cc.link.baud ? { maxBaud: cc.link.baud } : {}),
      difficultyShift: this.difficultyShift,
      versionMask: this.cfg.asicBoost ? 0x1fffe000 : 0,
      ...(hw.reset
        ? {
            reset: async (held: boolean) => {
              // A shutdown latched while the chain was initialising keeps it in reset.
              if (!held && this.safety?.latched) throw new Error('safety shutdown latched: the chain stays in reset');
              await (held ? hw.reset!.hold() : hw.reset!.release());
            },
          }
        : {}),
      ...(this.o.rampIntervalMs !== undefined ? { rampIntervalMs: this.o.rampIntervalMs } : {}),
      ...(this.o.replyTimeoutMs !== undefined ? { replyTimeoutMs: this.o.replyTimeoutMs } : {}),
      ...(this.o.ticketDifficulty !== undefined ? { ticketDifficulty: this.o.ticketDifficulty } : {}),
      log: (l) => this.log(`chain ${hw.index}: ${l}`),
    });
    let report;
    try {
      report = await driver.init();
    } catch (e) {
      await driver.close();
      await link.close();
      throw e;
    }
    this.log(`chain ${hw.index}: ${report.found} × ${profile.name} at ${report.frequencyMHz.toFixed(1)} MHz, ${Math.round(report.baud)} baud${report.missingAt !== null ? `; chip ${report.missingAt} missing` : ''}`);
    // Sensors behind a chip's own I2C master (S9: chip 61) become readable now.
    this.board?.hw.attachChipRegisters(hw.index, {
      readRegister: (chip, reg) => driver.readChipRegister(chip, reg),
      writeRegister: (chip, reg, value) => driver.writeChipRegister(chip, reg, value),
    });
    const rt: ChainRuntime = { index: hw.index, hw, driver, link, found: report.found, missingAt: report.missingAt };
    this.chains.set(hw.index, rt);
    this.closers.push(() => driver.close().then(() => link.close()));
    this.watchdog?.started(hw.index);
    this.scheduler.addChain(driver, this.cfg.chains.findIndex((c) => c.index === hw.index));
  }

  private readonly reiniting = new Map<number, Promise<boolean>>();

  /** The watchdog's and chip health's hook: reset and re-enumerate one chain, then resume work.
   * Both may ask at once: they share the one re-initialisation in flight. */
  reinitChain(index: number): Promise<boolean> {
    const running = this.reiniting.get(index);
    if (running) return running;
    const p = this.reinitOnce(index).finally(() => this.reiniting.delete(index));
    this.reiniting.set(index, p);
    return p;
  }

  private async reinitOnce(index: number): Promise<boolean> {
    const c = this.chains.get(index);
    if (!c || this.safety?.latched || this.stopping) return false;
    this.scheduler.removeChain(c.driver);
    // Sensors read through the chain (S9: chip 61) wait for it instead of counting as failures.
    this.safety?.chainRestarting(index);
    try {
      const r = await c.driver.init();
      if (this.safety?.latched || this.stopping) return false;
      c.found = r.found;
      c.missingAt = r.missingAt;
      this.log(`chain ${index}: re-initialised with ${r.found} of ${r.expected} chips${r.missingAt !== null ? `; chip ${r.missingAt} (address 0x${(r.missingAt * c.driver.addressStep).toString(16)}) is the first missing` : ''}`);
      this.safety?.chainReady(index);
      this.scheduler.addChain(c.driver);
      this.health?.reset(index);
      return true;
    } catch (e) {
      this.log(`chain ${index}: re-initialisation failed: ${(e as Error).message}`);
      return false;
    }
  }

  /** Measured hash rate, H/s (nominal scale: what the chips would do on real hardware). */
  measuredHashrate(): number {
    let s = 0;
    for (const c of this.chains.values()) s += c.driver.hashrate();
    return s;
  }

  /** Nominal hash rate, H/s, of the chips found at their programmed clocks. */
  nominalHashrate(): number {
    return this.declaredHashrate() * 2 ** this.difficultyShift;
  }

  get uptimeS(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  /** SIGTERM/SIGINT: hashing stopped, voltage off, resets held, fans at a safe speed. */
  async stop(): Promise<boolean> {
    if (this.stopping) return false;
    this.stopping = true;
    this.source?.stop();
    this.scheduler.stop();
    // Nothing may start a re-initialisation once the power goes.
    this.watchdog?.stop();
    this.health?.stop();
    const allOff = (await this.safety?.powerDown()) ?? true;
    for (const c of this.closers.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
    return allOff;
  }
}

function splitHostPort(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i).replace(/^\[|\]$/g, ''), Number(s.slice(i + 1))];
}
