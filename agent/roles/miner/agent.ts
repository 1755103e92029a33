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
import { poolListSource, type JobSourceFailover } from '../../upstream/job-source-failover.js';
import type { MiningShare } from '../../channels/mining-job.js';
import { Metrics, serveMetrics } from '../../api/metrics.js';
import { CgminerApi } from '../../api/cgminer.js';
import { describeChainEvent, startBoardSafety, type BoardSafety, type StartSafetyOptions } from '../../safety/runtime.js';
import { ChainWatchdog, type ChainWatchdogOptions } from '../../safety/chain-watchdog.js';
import { registerSafetyMetrics } from '../../safety/metrics.js';
import { untilAborted } from '../../safety/process-guard.js';
import { WorkScheduler } from './scheduler.js';
import type { WorkTag } from './work-generator.js';
import { openChainLink } from './chain-link.js';
import { ChipHealth } from './chip-health.js';
import { registerAgentMetrics } from './agent-metrics.js';
import { CHIP_SAMPLE_MS, chainCounts, chainRate, chainWork, chipWork, freshMeters, type ChainRuntime } from './chain-runtime.js';
import { ShareLedger } from './share-ledger.js';
import type { Server } from 'node:net';
import { listenAs } from '../../net/listen-error.js';
import { splitHostPort } from '../../config/pool.js';
import type { Log, LogLevel } from '../../log.js';
import { ActionRefused, restHandler } from '../../api/rest.js';
import { firstOf, pageHandler } from '../../api/static-page.js';
import { OPENAPI_TEXT } from '../../api/openapi.js';
import { chainsView, configView, eventsView, historyView, poolsView, summaryView } from './api-view.js';
import { EventLog, HISTORY_PERIOD_S, HISTORY_POINTS, Ring, type EventKind } from './history.js';

export type { ChainRuntime } from './chain-runtime.js';


export interface MinerAgentOptions {
  log?: Log;
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
  /** Longest wait between rounds while no pool can be set up (default 1.5 s). */
  retryMaxMs?: number;
  /** How often each chip's nonce count is checked for a chip that stopped (default 60 s). */
  chipCheckMs?: number;
  /** A chain's first initialisation may take this long (default 120 s). */
  initDeadlineMs?: number;
  /** Aborted when the agent must stop (a signal, a fault): bring-up ends at once. */
  signal?: AbortSignal;
  /** Given the board's power-down once the board is open (the process guard's hook); returns its remover. */
  onPowerDown?: (powerDown: () => Promise<unknown>) => () => void;
  /** The REST API's reboot: power down and exit for the service manager to restart (runMiner's). */
  onReboot?: () => void;
}

export class MinerAgent {
  readonly chains = new Map<number, ChainRuntime>();
  /** Which chain each driver (one per initialisation) belongs to. */
  private readonly chainOf = new WeakMap<ChainDriver<WorkTag>, number>();
  readonly scheduler: WorkScheduler;
  readonly metrics = new Metrics();
  /** Every share, followed until its pool answers; per pool (the configured list) and per chain. */
  readonly ledger: ShareLedger;
  source: JobSourceFailover | null = null;
  emulator: EmulatedHashboards | null = null;
  metricsUrl: string | null = null;
  /** Where the cgminer-compatible API listens ([api] cgminer_listen; port 0 picks one). */
  cgminerAddress: { host: string; port: number } | null = null;
  private board: BoardSafety | null = null;
  private watchdog: ChainWatchdog | null = null;
  private health: ChipHealth | null = null;
  private closers: (() => unknown)[] = [];
  private readonly log: Log;
  /** The last safety, chain and pool events (/api/v1/events, the page's event log). */
  readonly events = new EventLog();
  /** The board's 5 s rate every 5 s over the last hour: [epoch ms, H/s] (the page's chart). */
  readonly rateHistory = new Ring<[number, number]>(HISTORY_POINTS);
  private readonly startedAt = performance.now();
  private stopping = false;

  constructor(
    readonly cfg: AgentConfig,
    private readonly o: MinerAgentOptions = {},
  ) {
    this.log = o.log ?? (() => undefined);
    this.ledger = new ShareLedger(cfg.pools.length);
    this.poolEntries = cfg.pools;
    this.scheduler = new WorkScheduler({ onShare: (s, found, driver) => this.onShare(s, found.block, this.chainOf.get(driver) ?? -1) });
    // Standard channels split the version space by the configured chains' positions.
    this.scheduler.laneCount = cfg.chains.length;
  }

  /** Totals over every pool and chain (the ledger has them per pool and per chain). */
  get shares(): { submitted: number; accepted: number; rejected: number; unconfirmed: number; pending: number; blocks: number } {
    const t = this.ledger.total;
    return { submitted: t.submitted, accepted: t.accepted, rejected: t.rejected, unconfirmed: t.unconfirmed, pending: t.submitted - t.accepted - t.rejected - t.unconfirmed, blocks: this.ledger.blocks };
  }

  get safety() {
    return this.board?.safety ?? null;
  }

  get hardware() {
    return this.board?.hw ?? null;
  }

  /** Difficulty scale of an emulated board or of host-emulated chains (their chips report 2^shift times easier); 0 on hardware. */
  get difficultyShift(): number {
    const profile = this.cfg.board.emulation?.chainProfile ?? this.cfg.board.hostEmulatedChains;
    return profile ? emulatedBoard(profile).difficultyShift : 0;
  }

  /** Brings everything up; resolves once every chain has been brought up (mining starts with the
   * first) and the pool list is running. Everything external is checked before any hardware is
   * touched: a bad pool list throws PoolEntryError, a busy port ListenError. With `signal`
   * aborted, bring-up ends at once (the power-down is the caller's: `stop`). */
  async start(): Promise<void> {
    const signal = this.o.signal;
    const source = this.poolSource(this.cfg.pools, true);
    await this.listen();
    const opening = startBoardSafety(this.cfg, {
      stopHashing: () => this.stopHashing(),
      log: (l) => this.note('safety', 'info', l),
      ...(this.o.safety ? { safety: this.o.safety } : {}),
      ...(this.o.board ? { board: this.o.board } : {}),
    });
    try {
      this.board = await untilAborted(opening, signal);
    } catch (e) {
      // Stopped while the board was opening: close it once it is open (nothing is powered yet).
      void opening.then((b) => b.close(), () => undefined);
      throw e;
    }
    const board = this.board;
    const unguard = this.o.onPowerDown?.(() => board.safety.powerDown());
    this.closers.push(() => this.board?.close());
    if (unguard) this.closers.push(unguard);
    const hw = board.hw;
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
        // Sensors behind a chip (S9: TMP451 at chip 61) are reached through the emulated chip's I2C master.
        i2cMaster: (n) => (inProcess.has(n) ? hw.emulated!.chainHooks(n).i2cMaster : null),
      });
      this.emulator = boards;
      this.emulatedLinks = links;
      this.closers.push(() => boards.close());
    }
    registerSafetyMetrics(this.metrics, board.safety, hw);
    registerAgentMetrics(this.metrics, this);

    this.watchdog = new ChainWatchdog({ reinit: (i, sig) => this.reinitChain(i, sig) }, board.safety, this.o.watchdog ?? {}, (ev) => {
      this.note('chain', ev.type === 'chain-disabled' ? 'error' : 'warn', describeChainEvent(ev));
      const c = this.chains.get(ev.chain);
      if (ev.type === 'chain-disabled' && c) {
        c.state = 'disabled';
        c.reason = ev.reason;
        this.scheduler.removeChain(c.driver);
      }
    });
    this.watchdog.start();
    this.closers.push(() => this.watchdog?.stop());
    // Once a second: rate windows sampled, the watchdog told who answered and who has work.
    let tick = 0;
    const ticker = setInterval(() => this.everySecond(tick++), 1000);
    ticker.unref();
    this.closers.push(() => clearInterval(ticker));

    // The pool list was checked above, before any voltage; mining starts with the first chain
    // that comes up, while the others are still being brought up one after another.
    const results = await board.bringUp(
      (c) => this.initChain(c),
      () => {
        if (!this.stopping && !board.safety.halted) this.startMining(source);
      },
      signal,
    );
    const running = results.filter((r) => r.state === 'running');
    if (!running.length) throw new Error(`no chain came up: ${results.map((r) => `chain ${r.index} ${r.state}${r.error ? ` (${r.error})` : ''}`).join('; ')}`);
    this.health = new ChipHealth(this, {
      checkMs: this.o.chipCheckMs ?? 60_000,
      hashrateScale: this.o.hashrateScale ?? 1,
      // Silence only means something while work has been going out all along.
      fedSince: () => (this.safety?.halted ? null : this.fedSince),
      log: (l: string) => this.note('chain', 'warn', l),
      reinit: (i) => this.reinitChain(i),
    });
    this.closers.push(() => this.health?.stop());
    this.startMining(source);
  }

  /** Binds the HTTP and cgminer ports before anything else: a busy one is the operator's to fix. */
  private async listen(): Promise<void> {
    if (this.cfg.api.http.enabled) {
      const { host, port } = splitHostPort(this.cfg.api.http.listen);
      const { server, port: bound } = await listenAs('[api] http_listen', this.cfg.api.http.listen, serveMetrics(this.metrics, host, port, { handle: this.httpRoutes() }));
      this.metricsUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/metrics`;
      this.closers.push(() => closeServer(server));
    }
    if (this.cfg.api.cgminer.enabled) {
      const { host, port } = splitHostPort(this.cfg.api.cgminer.listen);
      const api = await listenAs('[api] cgminer_listen', this.cfg.api.cgminer.listen, CgminerApi.listen(this, { host, port, writable: this.cfg.api.cgminer.writable, log: this.log }));
      this.cgminerAddress = api.address;
      this.closers.push(() => api.close());
    }
  }

  /** What the HTTP port serves besides /metrics: the REST API and the page. */
  private httpRoutes() {
    const rest = restHandler({
      token: this.cfg.api.token,
      openapi: () => OPENAPI_TEXT,
      view: {
        summary: () => summaryView(this),
        chains: () => chainsView(this),
        pools: () => poolsView(this),
        events: (n, after) => eventsView(this, n, after),
        history: () => historyView(this),
        config: () => configView(this),
      },
      actions: {
        switchPool: (i) => this.switchPool(i),
        restartChain: (i) => this.restartChain(i),
        setChainFrequency: (i, mhz) => this.setChainFrequency(i, mhz),
        reboot: () => {
          if (!this.o.onReboot) throw new ActionRefused(501, 'this agent was not started by `hashagent mine`: nothing would start it again');
          this.note('safety', 'warn', 'API: reboot requested: powering down, then exiting for the service manager to restart the agent');
          this.o.onReboot();
        },
      },
    });
    return firstOf(rest, pageHandler('agent'));
  }

  /** Since when work has gone to the chains without a break; null while there is none. */
  private fedSince: number | null = null;

  private setFed(on: boolean): void {
    if (on && this.fedSince === null) this.fedSince = performance.now();
    if (!on) this.fedSince = null;
    for (const c of this.chains.values()) this.watchdog?.fed(c.index, on && c.state === 'running');
  }

  /** Logs an event and keeps it for the API and the page. */
  note(kind: EventKind, level: LogLevel, msg: string): void {
    this.events.add(kind, level, msg);
    this.log(msg, level);
  }

  private everySecond(tick: number): void {
    const now = performance.now();
    if (tick % HISTORY_PERIOD_S === HISTORY_PERIOD_S - 1) this.rateHistory.push([Date.now(), this.rate(HISTORY_PERIOD_S)]);
    const fed = this.fedSince !== null && !this.safety?.halted;
    for (const c of this.chains.values()) {
      c.meter.sample(now, () => chainWork(c));
      if (tick % (CHIP_SAMPLE_MS / 1000) === 0) c.chipMeter.sample(now, (i) => chipWork(c, i));
      if (c.state !== 'running') continue;
      // A chain that said anything in the last second and a half is alive.
      if (c.driver.silentForMs < 1500) this.watchdog?.replied(c.index);
      this.watchdog?.fed(c.index, fed);
      this.watchdog?.expect(c.index, this.expectedNonceRate(c));
    }
  }

  /** Valid nonces a second chain `c` should report at its clock (emulated: at the emulated rate). */
  private expectedNonceRate(c: ChainRuntime): number {
    const d = c.driver;
    const perChip = d.frequencyMHz * 1e6 * d.profile.hashesPerClock * (this.o.hashrateScale ?? 1);
    return (perChip * c.found) / (2 ** 32 * d.ticket);
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
    this.poolEntries = entries;
    this.useSource(this.poolSource(entries, false));
  }

  /** The pool list in force (agent.toml's, or the last SIGHUP's). */
  private poolEntries: PoolConfigEntry[];

  /** The API's switch: pool `i` of the list goes first, the others keep their order after it as
   * fallbacks; the chains keep hashing. Throws ActionRefused for a pool not in the list. */
  switchPool(i: number): void {
    const list = this.poolEntries;
    if (!Number.isInteger(i) || i < 0 || i >= list.length) throw new ActionRefused(400, `no pool ${i}: the list has ${list.length}`);
    const order = [i, ...list.map((_, k) => k).filter((k) => k !== i)];
    this.note('pool', 'info', `API: switching to pool ${i} (${list[i]!.url})`);
    this.useSource(this.poolSource(order.map((k) => list[k]!), false), order);
  }

  /** The API's frequency: within the board's limits, applied by re-initialising the chain (the
   * driver ramps the PLL there, under the same checks as every re-initialisation). */
  async setChainFrequency(index: number, mhz: number): Promise<void> {
    const lim = this.cfg.board.limits.frequency;
    const cc = this.cfg.chains.find((c) => c.index === index);
    if (!cc || !this.chains.has(index)) throw new ActionRefused(404, `no chain ${index}`);
    if (!(Number.isFinite(mhz) && mhz >= lim.min && mhz <= lim.max)) throw new ActionRefused(400, `frequency ${mhz} MHz is outside this board's limits (${lim.min}–${lim.max} MHz)`);
    const before = cc.frequency;
    cc.frequency = mhz;
    this.note('chain', 'info', `API: chain ${index} to ${mhz} MHz`);
    if (!(await this.reinitChain(index))) {
      cc.frequency = before;
      throw new ActionRefused(409, `chain ${index} was not re-initialised (${this.chains.get(index)?.reason ?? (this.safety?.halted ? 'safety shutdown' : 'disabled or stopping')})`);
    }
  }

  /** The API's restart of one chain: the watchdog's own re-initialisation. */
  async restartChain(index: number): Promise<void> {
    if (!this.chains.has(index)) throw new ActionRefused(404, `no chain ${index}`);
    this.note('chain', 'info', `API: restarting chain ${index}`);
    if (!(await this.reinitChain(index))) throw new ActionRefused(409, `chain ${index} was not re-initialised (${this.chains.get(index)?.reason ?? (this.safety?.halted ? 'safety shutdown' : 'disabled or stopping')})`);
  }

  /** Chips chip health found silent on a chain. */
  stoppedChips(chain: number): number[] {
    return this.health?.stoppedChips(chain) ?? [];
  }

  /** Position in the configured list of the pool in use (or last used). */
  get activePool(): number {
    return this.poolIndex;
  }

  /** The pool list as a job source (not started); throws PoolEntryError for a bad entry. */
  private poolSource(entries: PoolConfigEntry[], bringingUp: boolean): JobSourceFailover {
    const first = entries[0]!;
    return poolListSource(entries, {
        user: first.user,
        password: first.password,
        nominalHashrate: Math.max(1, this.declaredHashrate(bringingUp)),
        versionRolling: this.cfg.asicBoost,
        // Back within ~2 s of a pool's return: a connect attempt every ≤ 1.5 s while none answers.
        retryMaxMs: this.o.retryMaxMs ?? 1500,
        log: (l) => this.log(`pool: ${l}`),
        ...(this.o.retryIntervalMs !== undefined ? { retryIntervalMs: this.o.retryIntervalMs } : {}),
        ...(this.o.connectTimeoutMs !== undefined ? { connectTimeoutMs: this.o.connectTimeoutMs } : {}),
    });
  }

  /** `order`: the configured position of each entry of the source's list. */
  private useSource(source: JobSourceFailover, order: number[] = this.poolEntries.map((_, k) => k)): void {
    this.poolOrder = order;
    const old = this.source;
    source.on('job', (job) => {
      if (this.source !== source || this.safety?.halted) return;
      this.scheduler.setJob(job);
      this.setFed(true);
    });
    source.on('target', (t) => this.source === source && this.scheduler.setTarget(t));
    source.on('state', (s, info) => {
      if (this.source !== source) return;
      this.note('pool', s === 'down' ? 'warn' : 'info', `pool ${s}: ${info.url} (${info.protocol})`);
      // A fallback_sv1 counts under its entry; `order` maps the source's list back to the configured one.
      if (s === 'up') this.poolIndex = this.configuredIndex(source.activeEntry);
      this.poolState = s === 'up' ? info : null;
      if (s === 'down') {
        this.scheduler.clearJob();
        this.setFed(false);
        this.ledger.disconnected(this.poolIndex);
      }
    });
    source.on('result', (r) => {
      this.ledger.result(this.poolIndex, r);
      if (r.error) this.log(`share rejected: ${r.error}`, 'warn');
    });
    this.source = source;
    if (old) {
      old.stop();
      this.ledger.disconnected(this.poolIndex);
    }
    source.start().catch((e: unknown) => this.note('pool', 'error', `pool list: ${(e as Error).message}`));
  }

  poolState: { url: string; protocol: 'sv2' | 'sv1' } | null = null;
  /** Index in the configured list of the pool in use (or last used); its fallback_sv1 included. */
  private poolIndex = 0;

  /** The configured position of an entry of the source's list (switch-pool reorders the list). */
  private poolOrder: number[] = [];
  private configuredIndex(entry: number): number {
    return this.poolOrder[entry] ?? entry;
  }

  private onShare(s: MiningShare, block: boolean, chain: number): void {
    if (!this.source || this.safety?.halted) return;
    if (block) {
      this.ledger.blocks++;
      this.log(`BLOCK candidate: job ${s.job.jobId} nonce ${s.nonce.toString(16).padStart(8, '0')}`);
    }
    const seq = this.source.submit(s);
    if (seq !== null) this.ledger.submitted(this.configuredIndex(this.source.activeEntry), chain, seq);
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
    const driver = this.newDriver(hw, link);
    let report;
    let deadline: NodeJS.Timeout | undefined;
    try {
      // Nothing waits for ever on a link: a chain that does not come up in time fails (and bring-up
      // switches it off again), whatever its link is doing.
      const limitMs = this.o.initDeadlineMs ?? 120_000;
      const timedOut = new Promise<never>((_, reject) => {
        deadline = setTimeout(() => reject(new Error(`initialisation gave no result within ${Math.round(limitMs / 1000)} s`)), limitMs);
      });
      report = await untilAborted(Promise.race([driver.init(), timedOut]), this.o.signal);
    } catch (e) {
      await driver.close();
      await link.close();
      throw e;
    } finally {
      clearTimeout(deadline);
    }
    const profile = driver.profile;
    this.log(`chain ${hw.index}: ${report.found} × ${profile.name} at ${report.frequencyMHz.toFixed(1)} MHz, ${Math.round(report.baud)} baud${report.missingAt !== null ? `; chip ${report.missingAt} missing` : ''}`);
    const retired = { work: 0, nonces: 0, hwErrors: 0, crcErrors: 0 };
    const rt: ChainRuntime = {
      index: hw.index, hw, driver, link, found: report.found, missingAt: report.missingAt, state: 'running', reason: null, retired,
      ...freshMeters({ found: report.found, driver, retired }, performance.now()),
    };
    this.chains.set(hw.index, rt);
    this.attach(rt);
    this.closers.push(() => rt.driver.close().then(() => rt.link.close()));
    this.watchdog?.started(hw.index, this.fedSince !== null);
    this.scheduler.addChain(driver, this.lane(hw.index));
  }

  /** A chain driver for `hw` on `link` with the configured knobs. */
  private newDriver(hw: ChainHardware, link: SerialLink): ChainDriver<WorkTag> {
    const cc = this.cfg.chains.find((c) => c.index === hw.index)!;
    const driver = new ChainDriver<WorkTag>({
      link,
      profile: CHIP_PROFILES[hw.def.chip],
      expectedChips: hw.def.expectedChips,
      frequencyMHz: cc.frequency,
      // A link whose firmware fixes the host rate (bitaxe-raw bridge) caps it below the board's.
      ...(hw.maxBaud ? { maxBaud: hw.maxBaud } : 'baud' in cc.link && cc.link.baud ? { maxBaud: cc.link.baud } : {}),
      difficultyShift: this.difficultyShift,
      versionMask: this.cfg.asicBoost ? 0x1fffe000 : 0,
      ...(hw.reset
        ? {
            reset: async (held: boolean) => {
              // A shutdown latched (or the agent stopping) while the chain initialises keeps it in reset.
              if (!held && this.safety?.halted) throw new Error('safety shutdown: the chain stays in reset');
              await (held ? hw.reset!.hold() : hw.reset!.release());
            },
          }
        : {}),
      rampIntervalMs: this.o.rampIntervalMs ?? this.cfg.rampStepMs,
      ...(this.o.replyTimeoutMs !== undefined ? { replyTimeoutMs: this.o.replyTimeoutMs } : {}),
      ...(this.o.ticketDifficulty !== undefined ? { ticketDifficulty: this.o.ticketDifficulty } : {}),
      log: (l) => this.log(`chain ${hw.index}: ${l}`),
    });
    this.chainOf.set(driver, hw.index);
    return driver;
  }

  /** The chain's fixed lane: its position in the configuration. */
  private lane(index: number): number {
    return this.cfg.chains.findIndex((c) => c.index === index);
  }

  /** Sensors behind a chip's own I2C master (S9: chip 61) are read through the current driver. */
  private attach(rt: ChainRuntime): void {
    this.board?.hw.attachChipRegisters(rt.index, {
      readRegister: (chip, reg) => rt.driver.readChipRegister(chip, reg),
      writeRegister: (chip, reg, value) => rt.driver.writeChipRegister(chip, reg, value),
    });
  }

  private readonly reiniting = new Map<number, Promise<boolean>>();

  /** The watchdog's and chip health's hook: reset and re-enumerate one chain, then resume work.
   * Both may ask at once: they share the one re-initialisation in flight. Each attempt gets a
   * new driver on the same link, so one that hangs on a stalled link (its peer stopped) is simply
   * let go when `signal` aborts: closed, it writes nothing more. */
  reinitChain(index: number, signal?: AbortSignal): Promise<boolean> {
    const running = this.reiniting.get(index);
    if (running) return running;
    const p = this.reinitOnce(index, signal).finally(() => this.reiniting.delete(index));
    this.reiniting.set(index, p);
    return p;
  }

  private async reinitOnce(index: number, signal?: AbortSignal): Promise<boolean> {
    const c = this.chains.get(index);
    if (!c || c.state === 'disabled' || this.safety?.halted || this.stopping) return false;
    const old = c.driver;
    this.scheduler.removeChain(old);
    // What the old driver counted stays in the chain's lifetime totals.
    c.retired.work += old.stats.nonces * old.ticket;
    c.retired.nonces += old.stats.nonces;
    c.retired.hwErrors += old.stats.hwErrors;
    c.retired.crcErrors += old.stats.crcErrors;
    await old.close();
    const driver = this.newDriver(c.hw, c.link);
    c.driver = driver;
    c.state = 'reinitialising';
    // Sensors read through the chain (S9: chip 61) wait for it instead of counting as failures.
    this.safety?.chainRestarting(index);
    const onAbort = () => void driver.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await untilAborted(driver.init(), signal);
      if (this.safety?.halted || this.stopping) return false;
      c.found = r.found;
      c.missingAt = r.missingAt;
      c.state = 'running';
      c.reason = null;
      Object.assign(c, freshMeters(c, performance.now()));
      this.note('chain', 'info', `chain ${index}: re-initialised with ${r.found} of ${r.expected} chips${r.missingAt !== null ? `; chip ${r.missingAt} (address 0x${(r.missingAt * c.driver.addressStep).toString(16)}) is the first missing` : ''}`);
      this.safety?.chainReady(index);
      this.attach(c);
      this.scheduler.addChain(driver, this.lane(index));
      this.health?.reset(index);
      return true;
    } catch (e) {
      c.reason = `re-initialisation failed: ${(e as Error).message}`;
      this.note('chain', 'error', `chain ${index}: ${c.reason}`);
      await driver.close();
      return false;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Measured hash rate of one chain, or the board (`chain` undefined), over a window (Infinity:
   * since each chain's last init), H/s in nominal scale (what the chips would do on real hardware). */
  rate(windowS: number, chain?: number): number {
    const now = performance.now();
    let s = 0;
    for (const c of this.chains.values()) if (c.state !== 'disabled' && (chain === undefined || c.index === chain)) s += chainRate(c, windowS, now);
    return s;
  }

  /** Lifetime nonce, hardware-error and CRC counts of a chain (across re-initialisations). */
  chainCounts(chain: number): { nonces: number; hwErrors: number; crcErrors: number } {
    const c = this.chains.get(chain);
    return c ? chainCounts(c) : { nonces: 0, hwErrors: 0, crcErrors: 0 };
  }

  /** Diff-1 work a chain has done in its life. */
  chainWork(chain: number): number {
    const c = this.chains.get(chain);
    return c ? chainWork(c) : 0;
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

function closeServer(server: Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}

