// agent.toml: the firmware agent's configuration, modelled on bosminer.toml ([[pools]],
// [hash_chain_global], [hash_chain.N], [temp_control], [fan_control]) plus [board] and [api].
// The schema is built for the board the file names, so chain numbers, frequency and voltage
// bounds and temperature defaults are that board's; every problem is a ConfigError naming the
// file, line and key.
import { parse } from 'smol-toml';
import { BOARDS, BOARD_NAMES } from '../../board/boards.js';
import { detectBoard } from '../../board/detect/detect.js';
import { BoardError, parseLink, type BoardDefinition, type ChainLink, type FanDef, type GpioRef, type I2cBusRef } from '../../board/types.js';
import { safetyConfigFor, type SafetyConfig } from '../safety/policy.js';
import { parsePoolUrl } from '../sv2/keys.js';
import { Sv2Error } from '../sv2/errors.js';
import { ConfigError, locate, type Field, type Fields } from './schema.js';
import { hostPort, parseConfigDoc, readConfigText } from './read.js';
const poolUrl = (v: string) => {
  try {
    parsePoolUrl(v);
    return null;
  } catch (e) {
    return e instanceof Sv2Error ? e.message : String(e);
  }
};
const link = (v: string) => {
  try {
    parseLink(v);
    return null;
  } catch (e) {
    return e instanceof BoardError ? e.message : String(e);
  }
};

/** The schema for a file that names `board` (null: the name is missing or unknown; only [board] name can then be right). */
export function agentSchema(board: BoardDefinition | null) {
  const l = board?.limits;
  const freq = l?.frequency ?? { min: 1, max: 2000, default: 500 };
  const volt = l?.voltage;
  const chainFields: Record<string, Field> = {
    enabled: { type: 'boolean', doc: 'mine on this chain', default: true },
    frequency: { type: 'number', doc: `chip clock, MHz (${freq.min}–${freq.max}; default: hash_chain_global.frequency)`, min: freq.min, max: freq.max },
    link: { type: 'string', doc: "the chain's serial line: /dev/…, tcp://host:port, unix:path or emulated:profile/chain (default: the board's)", check: link },
  };
  if (volt) chainFields.voltage = { type: 'number', doc: `supply, V (${volt.min}–${volt.max}; default: hash_chain_global.voltage)`, min: volt.min, max: volt.max };
  const global: Record<string, Field> = {
    asic_boost: { type: 'boolean', doc: 'version rolling (AsicBoost); off only for pools that refuse it', default: true },
    frequency: { type: 'number', doc: `chip clock for every chain, MHz (${freq.min}–${freq.max})`, default: freq.default, min: freq.min, max: freq.max },
    ramp_step_ms: { type: 'integer', doc: "pause between the PLL steps of the frequency ramp, ms (ESP-Miner's pace; emulated chips need none)", default: 100, min: 0, max: 10_000 },
  };
  if (volt) global.voltage = { type: 'number', doc: `supply for every chain, V (${volt.min}–${volt.max})`, default: volt.default, min: volt.min, max: volt.max };
  const dangerous = l?.dangerousTemp ?? 110;
  return {
    pools: {
      type: 'tables',
      doc: 'ordered failover list: the first pool that works is mined on; better ones are retried',
      required: true,
      minItems: 1,
      maxItems: 16,
      fields: {
        url: { type: 'string', doc: 'stratum2+tcp://HOST:PORT/<authority_pubkey> (SV2) or stratum+tcp://HOST:PORT (SV1, through the built-in translator)', required: true, check: poolUrl },
        user: { type: 'string', doc: 'user (account.worker)', required: true },
        password: { type: 'string', doc: 'password (SV1 pools; most ignore it)', default: '' },
        fallback_sv1: { type: 'string', doc: 'stratum2+tcp entries only: an SV1 pool to mine on while this one cannot be reached', check: poolUrl },
        insecure: { type: 'boolean', doc: 'allow a stratum2+tcp URL without an authority key (the pool is then NOT authenticated)', default: false },
      },
    },
    board: {
      type: 'table',
      doc: 'which board this is, and where its parts are when they differ from the definition',
      fields: {
        name: { type: 'string', doc: `board definition: ${BOARD_NAMES.join(', ')}, or "auto" (what \`hashagent detect\` finds)`, required: true, enum: [...BOARD_NAMES, 'auto'] },
        control_port: { type: 'string', doc: 'bitaxe-raw boards: the control port (default /dev/ttyACM0)' },
        bitaxe_raw_format: { type: 'string', doc: "bitaxe-raw boards: the firmware's response format", default: 'v1', enum: ['v0', 'v1'] },
        fan_hwmon: { type: 'string', doc: 'boards with hwmon fans: the hwmon directory (default /sys/class/hwmon/hwmon0)' },
      },
    },
    hash_chain_global: { type: 'table', doc: 'settings for every chain (bosminer names)', fields: global },
    hash_chain: {
      type: 'table',
      doc: `per-chain settings: [hash_chain.N] for N in ${board ? board.chains.map((c) => c.index).join(', ') : '(the board\'s chains)'}`,
      fields: Object.fromEntries((board?.chains ?? []).map((c) => [String(c.index), { type: 'table', doc: `chain ${c.index}`, fields: chainFields } satisfies Field])),
    },
    temp_control: {
      type: 'table',
      doc: 'temperature limits for the hottest chip; board and VR sensors keep the definition\'s limits',
      fields: {
        mode: { type: 'string', doc: 'auto: fans regulate towards target_temp; manual and disabled: fans hold fan_control.speed. hot/dangerous always apply', default: 'auto', enum: ['auto', 'manual', 'disabled'] },
        target_temp: { type: 'number', doc: 'chip temperature the fans aim for, °C', default: l?.targetTemp ?? 89, min: 20, max: dangerous },
        hot_temp: { type: 'number', doc: 'fans 100 % from here, °C', default: l?.hotTemp ?? 100, min: 20, max: dangerous },
        dangerous_temp: { type: 'number', doc: `hashing stops and voltage is cut from here, °C (at most the board's ${dangerous})`, default: dangerous, min: 20, max: dangerous },
      },
    },
    safety: {
      type: 'table',
      doc: 'what keeps the board safe when the agent itself fails',
      fields: {
        watchdog_device: { type: 'string', doc: 'Linux hardware watchdog fed by the safety loop (e.g. /dev/watchdog): a hung agent reboots the board; unset: none' },
      },
    },
    fan_control: {
      type: 'table',
      doc: 'fans',
      fields: {
        speed: { type: 'integer', doc: 'duty in manual/disabled mode, % (bosminer\'s default 100)', default: 100, min: 0, max: 100 },
        min_fans: { type: 'integer', doc: 'fans that must spin while hashing, else shutdown', default: l?.minFans ?? 1, min: 0, max: board?.fans.length ?? 16 },
      },
    },
    api: {
      type: 'table',
      doc: 'monitoring',
      fields: {
        http_enabled: { type: 'boolean', doc: 'HTTP server with /metrics (Prometheus)', default: true },
        http_listen: { type: 'string', doc: 'HTTP listener', default: '0.0.0.0:8080', check: hostPort },
        cgminer_enabled: { type: 'boolean', doc: 'cgminer-compatible JSON API (summary, devs, pools, temps, fans…)', default: true },
        cgminer_listen: { type: 'string', doc: 'cgminer API listener', default: '0.0.0.0:4028', check: hostPort },
        cgminer_writable: { type: 'boolean', doc: 'allow commands that change anything (switchpool, enablepool…); read-only by default', default: false },
      },
    },
  } satisfies Fields;
}

export interface PoolConfigEntry {
  url: string;
  user: string;
  password: string;
  fallbackSv1?: string;
  insecure: boolean;
}

export interface ChainConfig {
  index: number;
  enabled: boolean;
  frequency: number;
  /** null when the board cannot set its chains' voltage. */
  voltage: number | null;
  link: ChainLink;
}

export interface AgentConfig {
  file: string;
  /** The board definition with [board] and [hash_chain.N] link overrides applied. */
  board: BoardDefinition;
  /** bitaxe-raw boards: the firmware's response format. */
  bitaxeRawFormat: 'v0' | 'v1';
  pools: PoolConfigEntry[];
  asicBoost: boolean;
  /** Pause between PLL steps of the frequency ramp, ms. */
  rampStepMs: number;
  chains: ChainConfig[];
  /** Ready for SafetyController. */
  safety: SafetyConfig;
  /** [safety] watchdog_device, or null. */
  watchdogDevice: string | null;
  api: {
    http: { enabled: boolean; listen: string };
    cgminer: { enabled: boolean; listen: string; writable: boolean };
  };
}

function boardNamed(text: string, detectRoot: string): { board: BoardDefinition | null; auto: boolean } {
  let name: unknown;
  try {
    name = (parse(text) as { board?: { name?: unknown } }).board?.name;
  } catch {
    return { board: null, auto: false }; // parseConfig reports the TOML error with its line
  }
  // "auto": the board `hashagent detect` identifies from /proc, /sys and /dev.
  const auto = name === 'auto';
  if (auto) name = detectBoard(detectRoot).board;
  return { board: BOARDS.find((b) => b.name === name) ?? null, auto };
}

interface Raw {
  pools: { url: string; user: string; password: string; fallback_sv1?: string; insecure: boolean }[];
  board: { name: string; control_port?: string; bitaxe_raw_format: string; fan_hwmon?: string };
  hash_chain_global: { asic_boost: boolean; frequency: number; ramp_step_ms: number; voltage?: number };
  hash_chain: Record<string, { enabled: boolean; frequency?: number; voltage?: number; link?: string }>;
  temp_control: { mode: 'auto' | 'manual' | 'disabled'; target_temp: number; hot_temp: number; dangerous_temp: number };
  fan_control: { speed: number; min_fans: number };
  safety: { watchdog_device?: string };
  api: { http_enabled: boolean; http_listen: string; cgminer_enabled: boolean; cgminer_listen: string; cgminer_writable: boolean };
}

/** Parses and validates agent.toml text; throws ConfigError. */
export function parseAgentConfig(text: string, file: string, opts: { detectRoot?: string } = {}): AgentConfig {
  const { board, auto } = boardNamed(text, opts.detectRoot ?? '/');
  if (auto && !board) throw new ConfigError(file, locate(text, ['board', 'name']), 'board.name', 'board.name = "auto", but no board definition fits this system (run `hashagent detect` to see what was found)');
  const doc = parseConfigDoc(text, agentSchema(board), file);
  const raw = doc.config as unknown as Raw;
  const def = board!; // the schema has checked board.name against the known boards
  const fail = doc.fail;

  const t = raw.temp_control;
  if (!(t.target_temp < t.hot_temp)) fail(['temp_control', 'hot_temp'], `hot_temp (${t.hot_temp}) must be above target_temp (${t.target_temp})`);
  if (!(t.hot_temp < t.dangerous_temp)) fail(['temp_control', 'dangerous_temp'], `dangerous_temp (${t.dangerous_temp}) must be above hot_temp (${t.hot_temp})`);

  const pools = raw.pools.map((p, i): PoolConfigEntry => {
    const u = parsePoolUrl(p.url);
    if (u.scheme === 'stratum2+tcp' && !u.authorityKey && !p.insecure) fail(['pools', i, 'url'], 'a stratum2+tcp URL needs the pool\'s authority key (…/<authority_pubkey>), or insecure = true');
    if (p.fallback_sv1 !== undefined) {
      if (u.scheme !== 'stratum2+tcp') fail(['pools', i, 'fallback_sv1'], 'fallback_sv1 belongs to stratum2+tcp entries; this one is already SV1');
      if (parsePoolUrl(p.fallback_sv1).scheme !== 'stratum+tcp') fail(['pools', i, 'fallback_sv1'], 'fallback_sv1 must be a stratum+tcp:// URL');
    }
    return { url: p.url, user: p.user, password: p.password, insecure: p.insecure, ...(p.fallback_sv1 !== undefined ? { fallbackSv1: p.fallback_sv1 } : {}) };
  });

  const g = raw.hash_chain_global;
  const chains = def.chains.map((c): ChainConfig => {
    const o = raw.hash_chain[String(c.index)];
    return {
      index: c.index,
      enabled: o?.enabled ?? true,
      frequency: o?.frequency ?? g.frequency,
      voltage: def.limits.voltage ? (o?.voltage ?? g.voltage ?? def.limits.voltage.default) : null,
      link: o?.link !== undefined ? withBaud(parseLink(o.link), c.link) : c.link,
    };
  });
  if (!chains.some((c) => c.enabled)) fail(['hash_chain'], 'every chain is disabled');

  const effective = applyOverrides(def, raw.board, chains);
  const f = raw.fan_control;
  return {
    file,
    board: effective,
    bitaxeRawFormat: raw.board.bitaxe_raw_format as 'v0' | 'v1',
    pools,
    asicBoost: g.asic_boost,
    rampStepMs: g.ramp_step_ms,
    chains,
    watchdogDevice: raw.safety.watchdog_device ?? null,
    safety: safetyConfigFor(def.limits, { mode: t.mode, targetTemp: t.target_temp, hotTemp: t.hot_temp, dangerousTemp: t.dangerous_temp, fanSpeed: f.speed, minFans: f.min_fans }),
    api: {
      http: { enabled: raw.api.http_enabled, listen: raw.api.http_listen },
      cgminer: { enabled: raw.api.cgminer_enabled, listen: raw.api.cgminer_listen, writable: raw.api.cgminer_writable },
    },
  };
}

/** A serial path given in the file keeps the definition's line rate. */
function withBaud(l: ChainLink, def: ChainLink): ChainLink {
  const baud = def.kind === 'serial' || def.kind === 'emulated' ? def.baud : undefined;
  return l.kind === 'serial' && baud !== undefined && l.baud === undefined ? { ...l, baud } : l;
}

function applyOverrides(def: BoardDefinition, b: Raw['board'], chains: ChainConfig[]): BoardDefinition {
  const port = b.control_port;
  const bus = (r: I2cBusRef): I2cBusRef => (port && r.kind === 'bitaxe-raw' ? { ...r, control: port } : r);
  const pin = (r: GpioRef): GpioRef => (port && r.kind === 'bitaxe-raw' ? { ...r, control: port } : r);
  const fan = (f: FanDef): FanDef => (f.kind === 'hwmon' && b.fan_hwmon ? { ...f, dir: b.fan_hwmon } : f.kind === 'emc2101' ? { ...f, bus: bus(f.bus) } : f);
  return {
    ...def,
    chains: def.chains.map((c) => ({
      ...c,
      link: chains.find((x) => x.index === c.index)!.link,
      ...(c.reset ? { reset: pin(c.reset) } : {}),
      power: c.power.kind === 'none' ? c.power : c.power.kind === 'ds4432u' ? { ...c.power, bus: bus(c.power.bus), enable: pin(c.power.enable) } : { ...c.power, bus: bus(c.power.bus) },
    })),
    sensors: def.sensors.map((s) => ('bus' in s ? { ...s, bus: bus(s.bus) } : s)),
    fans: def.fans.map(fan),
  };
}

/** Reads and validates an agent.toml; throws ConfigError (the CLI exits 2 on it). */
export function loadAgentConfig(file: string): AgentConfig {
  return parseAgentConfig(readConfigText(file), file);
}

/**
 * SIGHUP's reload: re-reads the file and hands over its pool list; chains, board and safety
 * settings are not touched (they need a restart). A bad file is reported and the running list kept.
 */
export function reloadPools(file: string, apply: (pools: PoolConfigEntry[]) => void, onError: (e: ConfigError) => void): void {
  try {
    apply(loadAgentConfig(file).pools);
  } catch (e) {
    if (e instanceof ConfigError) onError(e);
    else throw e;
  }
}
