import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { consoleLog, safeWrite } from '../../agent/log.js';
import { logFromFlags } from '../../agent/cli/log-options.js';
import { parseArgs, UsageError } from '../../agent/cli/command.js';
import { Ring, EventLog } from '../../agent/roles/miner/history.js';

const at = () => new Date(Date.UTC(2026, 11, 5, 6, 7, 8, 9));
const capture = () => {
  const s = new PassThrough();
  const chunks: string[] = [];
  s.on('data', (c) => chunks.push(String(c)));
  return { s, lines: () => chunks.join('').split('\n').filter(Boolean) };
};

describe('the log module', () => {
  it('text: ISO 8601 UTC time with ms, level, message; below the level nothing', () => {
    const c = capture();
    const log = consoleLog({ stream: c.s, level: 'warn', now: at });
    log('hidden');
    log('hidden too', 'debug');
    log('fans up', 'warn');
    log('voltage off', 'error', { chain: 6 });
    expect(c.lines()).toEqual(['2026-12-05T06:07:08.009Z WARN  fans up', '2026-12-05T06:07:08.009Z ERROR voltage off {"chain":6}']);
  });

  it('json: one object a line with time, level, role, msg, fields', () => {
    const c = capture();
    const log = consoleLog({ stream: c.s, format: 'json', role: 'agent', level: 'debug', now: at });
    log('pool up', 'info', { url: 'x' });
    log('tick', 'debug');
    const [a, b] = c.lines().map((l) => JSON.parse(l));
    expect(a).toEqual({ time: '2026-12-05T06:07:08.009Z', level: 'info', role: 'agent', msg: 'pool up', fields: { url: 'x' } });
    expect(b).toEqual({ time: '2026-12-05T06:07:08.009Z', level: 'debug', role: 'agent', msg: 'tick' });
  });

  it('a closed stream takes nothing and throws nothing', () => {
    const c = capture();
    c.s.destroy();
    expect(safeWrite(c.s, 'x')).toBe(false);
    expect(() => consoleLog({ stream: c.s })('x')).not.toThrow();
  });

  it('--log-level/--log-format win over [log]; a bad value is a usage error', () => {
    const { flags } = parseArgs(['--log-level', 'nope'], ['log-level', 'log-format']);
    expect(() => logFromFlags(flags, 'agent', { level: 'info', format: 'text' })).toThrow(UsageError);
    const ok = parseArgs(['--log-format=json'], ['log-level', 'log-format']);
    expect(typeof logFromFlags(ok.flags, 'agent', { level: 'debug', format: 'text' })).toBe('function');
  });
});

describe('history rings', () => {
  it('keeps the last N, oldest first', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect(r.toArray(2)).toEqual([4, 5]);
    expect(new Ring<number>(3).toArray()).toEqual([]);
  });
  it('events are numbered; a poller gets what came after its last', () => {
    const e = new EventLog(2);
    e.add('pool', 'info', 'a');
    e.add('pool', 'warn', 'b');
    e.add('safety', 'error', 'c');
    expect(e.list(10).map((x) => [x.seq, x.msg])).toEqual([[2, 'b'], [3, 'c']]);
    expect(e.list(10, 2).map((x) => x.msg)).toEqual(['c']);
  });
});
