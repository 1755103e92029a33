import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig, parseAgentConfig, reloadPools, type PoolConfigEntry } from '../../../agent/config/agent.js';
import { ConfigError } from '../../../agent/config/schema.js';

const EXAMPLES = fileURLToPath(new URL('../../../agent/config/examples/', import.meta.url));
const KEY = '9aoM8W5VskHcf6jZr7ZuNisnD5Be6cj2T6JR4QvVm5VgvAAj1Bm';
const POOL = `[[pools]]\nurl = "stratum2+tcp://127.0.0.1:34254/${KEY}"\nuser = "me"\n`;
const minimal = (board: string, rest = '') => `${POOL}\n[board]\nname = "${board}"\n${rest}`;

function err(text: string, file = 'agent.toml'): ConfigError {
  try {
    parseAgentConfig(text, file);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('agent.toml examples', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.startsWith('agent-'));
  it('there is one per real board, plus the emulated S9 (emulated-* files differ only in name and links)', () => {
    expect(files.sort()).toEqual(
      ['antminer-s9', 'antminer-s19j-pro', 'bitaxe-gamma', 'emulated-antminer-s9', 'gekko-compac-f', 'qemu-vexpress'].map((b) => `agent-${b}.toml`).sort(),
    );
  });
  for (const f of files) {
    it(`${f} loads and spells exactly the defaults`, () => {
      const c = loadAgentConfig(join(EXAMPLES, f));
      const board = f.replace(/^agent-|\.toml$/g, '');
      expect(c.board.name).toBe(board);
      const d = parseAgentConfig(minimal(board), 'minimal.toml');
      expect(c.chains).toEqual(d.chains);
      expect(c.safety).toEqual(d.safety);
      expect(c.api).toEqual(d.api);
      expect(c.asicBoost).toBe(d.asicBoost);
      expect(c.board).toEqual(d.board);
    });
  }
});

describe('agent.toml values', () => {
  it('takes the board\'s defaults and per-chain overrides', () => {
    const c = parseAgentConfig(minimal('antminer-s9', '[hash_chain_global]\nfrequency = 600.0\n[hash_chain.7]\nvoltage = 9.0\nenabled = false\nlink = "tcp://10.0.0.5:5557"\n'), 'a.toml');
    expect(c.chains.map((x) => [x.index, x.enabled, x.frequency, x.voltage])).toEqual([
      [6, true, 600, 8.8],
      [7, false, 600, 9.0],
      [8, true, 600, 8.8],
    ]);
    expect(c.chains[1]!.link).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 5557 });
    expect(c.board.chains[1]!.link).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 5557 });
    expect(c.safety).toMatchObject({ mode: 'auto', targetTemp: 89, hotTemp: 100, dangerousTemp: 110, boardDangerousTemp: 90, minFans: 1, fanSpeed: 100, badReadingLimit: 3 });
    expect(c.pools).toEqual([{ url: `stratum2+tcp://127.0.0.1:34254/${KEY}`, user: 'me', password: '', insecure: false }]);
  });

  it('boards without a settable voltage give voltage null', () => {
    expect(parseAgentConfig(minimal('gekko-compac-f'), 'g.toml').chains[0]!.voltage).toBeNull();
  });

  it('bitaxe control_port moves every tunnelled bus and pin', () => {
    const c = parseAgentConfig(minimal('bitaxe-gamma', 'control_port = "/dev/ttyACM4"\n'), 'b.toml');
    expect(JSON.stringify(c.board)).not.toContain('/dev/ttyACM0');
    expect(c.board.chains[0]!.reset).toMatchObject({ kind: 'bitaxe-raw', control: '/dev/ttyACM4' });
  });

  it('pool entries: SV1 URLs, fallback_sv1, insecure', () => {
    const c = parseAgentConfig(
      `[[pools]]\nurl = "stratum2+tcp://a.example:34254/${KEY}"\nuser = "u"\nfallback_sv1 = "stratum+tcp://b.example:3333"\n[[pools]]\nurl = "stratum+tcp://c.example:3333"\nuser = "u"\n[[pools]]\nurl = "stratum2+tcp://d.example:34254"\nuser = "u"\ninsecure = true\n[board]\nname = "emulated-bitaxe-gamma"\n`,
      'p.toml',
    );
    expect(c.pools.map((p: PoolConfigEntry) => [p.url.split('/')[2], p.fallbackSv1 ?? null, p.insecure])).toEqual([
      ['a.example:34254', 'stratum+tcp://b.example:3333', false],
      ['c.example:3333', null, false],
      ['d.example:34254', null, true],
    ]);
  });
});

describe('bad agent.toml files: ConfigError with file, line and key', () => {
  it('unknown key', () => {
    const e = err(minimal('antminer-s9', '\n[fan_control]\nmin_fan = 2\n'));
    expect(e).toMatchObject({ file: 'agent.toml', line: 9, key: 'fan_control.min_fan' });
    expect(e.message).toMatch(/^agent\.toml:9: fan_control\.min_fan: unknown key \(expected one of: speed, min_fans\)/);
  });

  it('wrong type', () => {
    expect(err(minimal('antminer-s9', '[temp_control]\ntarget_temp = "hot"\n'))).toMatchObject({ line: 8, key: 'temp_control.target_temp', reason: expect.stringMatching(/expected a number/) });
  });

  it('out of the board\'s range (bosminer: 200–900 MHz, 7.95–9.4 V on the S9)', () => {
    expect(err(minimal('antminer-s9', '[hash_chain_global]\nfrequency = 950.0\n'))).toMatchObject({ line: 8, key: 'hash_chain_global.frequency', reason: '950 is above the maximum 900' });
    expect(err(minimal('antminer-s9', '[hash_chain.8]\nvoltage = 7.5\n'))).toMatchObject({ line: 8, key: 'hash_chain.8.voltage', reason: '7.5 is below the minimum 7.95' });
    expect(err(minimal('bitaxe-gamma', '[hash_chain.0]\nvoltage = 1.6\n'))).toMatchObject({ key: 'hash_chain.0.voltage' });
    expect(err(minimal('antminer-s9', '[temp_control]\ndangerous_temp = 130.0\n'))).toMatchObject({ key: 'temp_control.dangerous_temp', reason: '130 is above the maximum 110' });
    expect(err(minimal('antminer-s9', '[fan_control]\nmin_fans = 3\n'))).toMatchObject({ key: 'fan_control.min_fans', reason: '3 is above the maximum 2' });
  });

  it('a chain the board does not have, a voltage the board cannot set', () => {
    expect(err(minimal('antminer-s9', '[hash_chain.5]\nenabled = false\n'))).toMatchObject({ line: 7, key: 'hash_chain.5', reason: expect.stringMatching(/unknown key \(expected one of: 6, 7, 8\)/) });
    expect(err(minimal('gekko-compac-f', '[hash_chain_global]\nvoltage = 1.2\n'))).toMatchObject({ line: 8, key: 'hash_chain_global.voltage', reason: expect.stringMatching(/unknown key/) });
  });

  it('unknown or missing board', () => {
    expect(err(minimal('antminer-s7'))).toMatchObject({ line: 6, key: 'board.name', reason: expect.stringMatching(/must be one of "antminer-s9"/) });
    expect(err(POOL)).toMatchObject({ key: 'board.name', reason: expect.stringMatching(/missing required key/) });
  });

  it('limits out of order', () => {
    expect(err(minimal('antminer-s9', '[temp_control]\ntarget_temp = 95.0\nhot_temp = 94.0\n'))).toMatchObject({ line: 9, key: 'temp_control.hot_temp', reason: 'hot_temp (94) must be above target_temp (95)' });
    expect(err(minimal('antminer-s9', '[temp_control]\nhot_temp = 110.0\n'))).toMatchObject({ line: 7, key: 'temp_control.dangerous_temp' });
  });

  it('pools: bad URL, missing key, SV1 fallback on an SV1 entry, no pools', () => {
    expect(err('[[pools]]\nurl = "http://x:1"\nuser = "u"\n[board]\nname = "antminer-s9"\n')).toMatchObject({ line: 2, key: 'pools[0].url' });
    expect(err('[[pools]]\nurl = "stratum2+tcp://x.example:34254"\nuser = "u"\n[board]\nname = "antminer-s9"\n')).toMatchObject({ line: 2, key: 'pools[0].url', reason: expect.stringMatching(/authority key/) });
    expect(err(`${POOL}[[pools]]\nurl = "stratum+tcp://x.example:3333"\nuser = "u"\nfallback_sv1 = "stratum+tcp://y.example:3333"\n[board]\nname = "antminer-s9"\n`)).toMatchObject({ line: 7, key: 'pools[1].fallback_sv1' });
    expect(err(`${POOL}[[pools]]\nurl = "stratum+tcp://x.example:3333"\n[board]\nname = "antminer-s9"\n`)).toMatchObject({ key: 'pools[1].user', reason: expect.stringMatching(/missing required key/) });
    expect(err('[board]\nname = "antminer-s9"\n')).toMatchObject({ key: 'pools' });
  });

  it('bad chain link, every chain disabled', () => {
    expect(err(minimal('gekko-compac-f', '[hash_chain.0]\nlink = "COM3"\n'))).toMatchObject({ line: 8, key: 'hash_chain.0.link', reason: expect.stringMatching(/not a chain link/) });
    expect(err(minimal('gekko-compac-f', '[hash_chain.0]\nenabled = false\n'))).toMatchObject({ key: 'hash_chain', reason: 'every chain is disabled' });
  });

  it('invalid TOML and unreadable files', () => {
    expect(err(minimal('antminer-s9', '[api\n'))).toMatchObject({ line: 7, key: null, reason: expect.stringMatching(/invalid TOML/) });
    expect(() => loadAgentConfig('/nonexistent/agent.toml')).toThrow(/agent\.toml: cannot read: ENOENT/);
  });
});

describe('SIGHUP reload', () => {
  it('re-reads the pool list; a broken file is reported and changes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const file = join(dir, 'agent.toml');
    try {
      writeFileSync(file, minimal('emulated-antminer-s9'));
      const got: PoolConfigEntry[][] = [];
      const errors: ConfigError[] = [];
      const reload = () => reloadPools(file, (p) => got.push(p), (e) => errors.push(e));
      writeFileSync(file, minimal('emulated-antminer-s9').replace('user = "me"', 'user = "other"'));
      reload();
      expect(got.at(-1)![0]!.user).toBe('other');
      writeFileSync(file, minimal('emulated-antminer-s9').replace('user = "me"', 'usr = "x"'));
      reload();
      expect(got).toHaveLength(1);
      expect(errors[0]).toMatchObject({ file, key: 'pools[0].usr' });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
