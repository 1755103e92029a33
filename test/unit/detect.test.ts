// `hashagent detect` on fixture trees of each control board (test/fixtures/boards/README.md says
// where each value comes from): the fitting definition, what it is missing, its unverified list;
// and agent.toml's board = "auto" picking the same definition.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { detectBoard, formatReport } from '../../board/detect/detect.js';
import { parseAgentConfig } from '../../agent/config/agent.js';
import { ConfigError } from '../../agent/config/schema.js';
import { CLI } from '../support/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/boards/${name}`, import.meta.url));

describe('detectBoard', () => {
  it.each([
    ['s9-braiins-os', 'antminer-s9', /Braiins OS board_name "am1-s9"/],
    ['s19j-pro-beaglebone', 'antminer-s19j-pro-bbb', /AM335x/],
    ['s19j-pro-amlogic', 'antminer-s19j-pro-amlogic', /Amlogic/],
    ['host-compac-f', 'gekko-compac-f', /0403:6015/],
  ])('%s → %s', (tree, board, because) => {
    const r = detectBoard(fixture(tree));
    expect(r.board).toBe(board);
    expect(r.because.join('; ')).toMatch(because);
    expect(r.missing).toEqual([]);
    expect(r.unverified.length).toBeGreaterThan(0);
  });

  it('names what the definition needs and the box lacks', () => {
    const r = detectBoard(fixture('s9-missing-chain8'));
    expect(r.board).toBe('antminer-s9');
    expect(r.missing).toEqual(expect.arrayContaining(['chain 8 s9io window: UIO device "chain8-common"', 'fan fan1 controller: UIO device "fan-control"']));
    expect(r.missing.some((m) => /chain 6/.test(m))).toBe(false);
    expect(formatReport(r)).toMatch(/missing:\n {2}- chain 8/);
  });

  it('an empty tree fits nothing', () => {
    const r = detectBoard(fixture('does-not-exist'));
    expect(r).toMatchObject({ board: null, missing: [], found: { model: null, uio: [], usb: [] } });
  });

  it('hashagent detect --root DIR --json prints the report and exits 0 only when nothing is missing', () => {
    const ok = spawnSync(process.execPath, [CLI, 'detect', '--root', fixture('s19j-pro-amlogic'), '--json'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ board: 'antminer-s19j-pro-amlogic', missing: [], found: { ttys: ['ttyS0', 'ttyS1', 'ttyS2', 'ttyS4'], i2c: [0, 1] } });
    const partial = spawnSync(process.execPath, [CLI, 'detect', '--root', fixture('s9-missing-chain8')], { encoding: 'utf8' });
    expect(partial.status).toBe(1);
    expect(partial.stdout).toMatch(/^board: antminer-s9 /m);
  });
});

describe('board = "auto"', () => {
  const toml = '[[pools]]\nurl = "stratum+tcp://127.0.0.1:3333"\nuser = "u"\n[board]\nname = "auto"\n';
  it('takes the detected definition', () => {
    expect(parseAgentConfig(toml, 'agent.toml', { detectRoot: fixture('s19j-pro-beaglebone') }).board.name).toBe('antminer-s19j-pro-bbb');
  });
  it('is a ConfigError naming board.name when nothing fits', () => {
    expect(() => parseAgentConfig(toml, 'agent.toml', { detectRoot: fixture('does-not-exist') })).toThrow(ConfigError);
    expect(() => parseAgentConfig(toml, 'agent.toml', { detectRoot: fixture('does-not-exist') })).toThrow(/board\.name.*auto.*hashagent detect/);
  });
});
