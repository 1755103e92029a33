// `hashagent mine` with bad agent.toml files: exit 2, and the message names file, line and key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
afterAll(() => rmSync(dir, { recursive: true }));
const POOL = '[[pools]]\nurl = "stratum+tcp://127.0.0.1:3333"\nuser = "u"\n\n[board]\nname = "emulated-antminer-s9"\n';

function mineWith(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  return { file, r: runCli(['mine', '--config', file, '--seconds', '1']) };
}

describe('hashagent mine: bad agent.toml ⇒ exit 2 with file, line and key', () => {
  const cases: [string, string, RegExp][] = [
    ['unknown key', `${POOL}\n[fan_control]\nmin_fan = 1\n`, /:9: fan_control\.min_fan: unknown key/],
    ['wrong type', `${POOL}[temp_control]\ntarget_temp = "warm"\n`, /:8: temp_control\.target_temp: expected a number/],
    ['out of range', `${POOL}[hash_chain.7]\nvoltage = 10.5\n`, /:8: hash_chain\.7\.voltage: 10\.5 is above the maximum 9\.4/],
    ['unknown chain', `${POOL}[hash_chain.2]\nenabled = false\n`, /:7: hash_chain\.2: unknown key \(expected one of: 6, 7, 8\)/],
    ['limits out of order', `${POOL}[temp_control]\nhot_temp = 80.0\n`, /:8: temp_control\.hot_temp: hot_temp \(80\) must be above target_temp \(89\)/],
    ['invalid TOML', `${POOL}[api\n`, /:7: invalid TOML/],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => {
      const { file, r } = mineWith(`${what.replace(/\s+/g, '-')}.toml`, text);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(message);
    });
  }

  it('a file that is not there', () => {
    const r = runCli(['mine', '--config', join(dir, 'missing.toml')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing\.toml: cannot read: ENOENT/);
  });
});
