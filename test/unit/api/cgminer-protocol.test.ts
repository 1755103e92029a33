// The cgminer wire format on its own: where a request ends, how it parses, how replies render.
import { describe, expect, it } from 'vitest';
import { Code, fail, ok, parseRequest, render, renderJoined, requestEnd } from '../../../agent/api/cgminer-protocol.js';

const env = { when: 1_700_000_000, description: 'hashagent test' };

describe('requestEnd', () => {
  it('a JSON object ends at its closing brace, not at braces or quotes inside strings', () => {
    const req = '{"command":"check","parameter":"a}\\"{b"}';
    expect(requestEnd(req)).toBe(req.length);
    expect(requestEnd(`  ${req}\0trailing`)).toBe(req.length + 2);
    expect(requestEnd('{"command":"sum')).toBeNull();
    expect(requestEnd('{"a":{"b":[1,{}]}')).toBeNull();
  });

  it('plain text ends at a newline or NUL; without one it is not known to be complete', () => {
    expect(requestEnd('summary\n')).toBe(7);
    expect(requestEnd('pools\0')).toBe(5);
    expect(requestEnd('summary')).toBeNull();
    expect(requestEnd('   ')).toBeNull();
  });
});

describe('parseRequest', () => {
  it('JSON: command and a string, integer or real parameter', () => {
    expect(parseRequest('{"command":"asc","parameter":2}')).toEqual({ kind: 'command', json: true, command: 'asc', parameter: '2' });
    expect(parseRequest('{"command":"asc","parameter":"1"}\0')).toMatchObject({ parameter: '1' });
    expect(parseRequest('{"command":"asc","parameter":[1]}')).toMatchObject({ parameter: null });
  });

  it('text: `cmd` and `cmd|param`', () => {
    expect(parseRequest('summary\r\n')).toEqual({ kind: 'command', json: false, command: 'summary', parameter: null });
    expect(parseRequest('switchpool|1')).toEqual({ kind: 'command', json: false, command: 'switchpool', parameter: '1' });
  });

  it('broken JSON: 23, no command: 24, a command that is not a string: 14', () => {
    expect(parseRequest('{"command":}')).toMatchObject({ kind: 'invalid', reply: { code: Code.INVALID_JSON, msg: 'Invalid JSON' } });
    expect(parseRequest('{"x":1}')).toMatchObject({ kind: 'invalid', reply: { code: Code.MISSING_COMMAND, msg: "Missing JSON 'command'" } });
    expect(parseRequest('{"command":7}')).toMatchObject({ kind: 'invalid', reply: { code: Code.INVALID_COMMAND } });
  });
});

describe('render', () => {
  it('JSON: STATUS, the section, id 1, one NUL at the end', () => {
    const b = render(ok(Code.SUMMARY, 'Summary', 'SUMMARY', [{ Elapsed: 5, Accepted: 2 }], true), true, env);
    expect(b.at(-1)).toBe(0);
    expect(JSON.parse(b.subarray(0, -1).toString())).toEqual({
      STATUS: [{ STATUS: 'S', When: env.when, Code: 11, Msg: 'Summary', Description: 'hashagent test' }],
      SUMMARY: [{ Elapsed: 5, Accepted: 2 }],
      id: 1,
    });
  });

  it('text: single sections are named, list sections are not, values are escaped', () => {
    expect(render(ok(Code.SUMMARY, 'Summary', 'SUMMARY', [{ Elapsed: 5 }], true), false, env).toString()).toBe(
      'STATUS=S,When=1700000000,Code=11,Msg=Summary,Description=hashagent test|SUMMARY,Elapsed=5|\0',
    );
    expect(render(ok(Code.POOL, '2 Pool(s)', 'POOLS', [{ POOL: 0, User: 'a,b=c|d\\e' }, { POOL: 1, User: 'f' }]), false, env).toString()).toBe(
      'STATUS=S,When=1700000000,Code=7,Msg=2 Pool(s),Description=hashagent test|POOL=0,User=a\\,b\\=c\\|d\\\\e|POOL=1,User=f|\0',
    );
  });

  it('"Invalid command" carries no description', () => {
    expect(render(fail(Code.INVALID_COMMAND, 'Invalid command'), false, env).toString()).toBe('STATUS=E,When=1700000000,Code=14,Msg=Invalid command|\0');
  });

  it('joined: keyed by command, each an array of one reply; text as CMD=…|', () => {
    const parts = [
      { command: 'version', reply: ok(Code.VERSION, 'CGMiner versions', 'VERSION', [{ API: '3.7' }], true) },
      { command: '__proto__', reply: fail(Code.INVALID_COMMAND, 'Invalid command') },
    ];
    const j = JSON.parse(renderJoined(parts, true, env).subarray(0, -1).toString());
    expect(Object.keys(j)).toEqual(['version', '__proto__', 'id']);
    expect(j.version).toHaveLength(1);
    expect(j.version[0]).toMatchObject({ VERSION: [{ API: '3.7' }], id: 1 });
    expect(renderJoined(parts, false, env).toString()).toBe(
      'CMD=version|STATUS=S,When=1700000000,Code=22,Msg=CGMiner versions,Description=hashagent test|VERSION,API=3.7|CMD=__proto__|STATUS=E,When=1700000000,Code=14,Msg=Invalid command|\0',
    );
  });
});
