// The tool check behind every socat test: off CI a missing tool skips (and is counted as
// skipped), with CI set it throws so the run fails instead of losing the tests.
import { describe, expect, it } from 'vitest';
import { needTool } from '../../support/tools.js';

describe('needTool', () => {
  const missing = 'hashagent-no-such-tool';
  it('a missing tool is reported as missing off CI, and fails the run on CI', () => {
    expect(needTool(missing, '-V', {})).toBe(false);
    expect(() => needTool(missing, '-V', { CI: '1' })).toThrow(/CI is set and 'hashagent-no-such-tool' is missing/);
  });
  it('a tool that runs is found either way', () => {
    expect(needTool(process.execPath, '--version', {})).toBe(true);
    expect(needTool(process.execPath, '--version', { CI: '1' })).toBe(true);
  });
});
