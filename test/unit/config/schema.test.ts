import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, locate, type Fields } from '../../../agent/config/schema.js';

const schema = {
  listen_address: { type: 'string', doc: 'where to listen', default: '0.0.0.0:34254' },
  shares_per_minute: { type: 'number', doc: 'vardiff target', default: 6, min: 0.1, max: 600 },
  server_id: { type: 'integer', doc: 'server id', default: 1, min: 0, max: 255 },
  insecure: { type: 'boolean', doc: 'skip the certificate check', default: false },
  mode: { type: 'string', doc: 'mode', default: 'a', enum: ['a', 'b'] },
  tags: { type: 'array', doc: 'tags', items: { type: 'string', doc: 'tag' }, default: [] },
  limits: {
    type: 'table',
    doc: 'limits',
    fields: { max_connections: { type: 'integer', doc: 'max', default: 100, min: 1 } },
  },
  pools: {
    type: 'tables',
    doc: 'pools',
    fields: { url: { type: 'string', doc: 'pool url', required: true }, user: { type: 'string', doc: 'user' } },
  },
} as const satisfies Fields;

function err(text: string): ConfigError {
  try {
    parseConfig(text, schema, 'pool.toml');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config schema', () => {
  it('fills defaults and keeps given values', () => {
    const c = parseConfig('server_id = 7\n[[pools]]\nurl = "x"\n', schema, 'pool.toml');
    expect(c.server_id).toBe(7);
    expect(c.shares_per_minute).toBe(6);
    expect(c.limits.max_connections).toBe(100);
    expect(c.pools).toEqual([{ url: 'x' }]);
    expect(c.pools[0]!.user).toBeUndefined();
  });
  it('names file, line and key of an unknown key', () => {
    const e = err('server_id = 1\n\n[limits]\nmax_conections = 5\n');
    expect(e.file).toBe('pool.toml');
    expect(e.line).toBe(4);
    expect(e.key).toBe('limits.max_conections');
    expect(e.message).toMatch(/^pool\.toml:4: limits\.max_conections: unknown key/);
  });
  it('names wrong types and out-of-range values', () => {
    expect(err('server_id = "one"\n')).toMatchObject({ line: 1, key: 'server_id' });
    expect(err('\n\nserver_id = 300\n').message).toContain('pool.toml:3: server_id: 300 is above the maximum 255');
    expect(err('shares_per_minute = 0.0\n').reason).toContain('below the minimum');
    expect(err('server_id = 1.5\n').reason).toContain('integer');
    expect(err('mode = "c"\n').reason).toContain('must be one of');
    expect(err('tags = [1]\n').key).toBe('tags[0]');
  });
  it('locates keys inside arrays of tables', () => {
    const e = err('[[pools]]\nurl = "a"\n\n[[pools]]\nurl = 5\n');
    expect(e.key).toBe('pools[1].url');
    expect(e.line).toBe(5);
    const m = err('[[pools]]\nurl = "a"\n[[pools]]\nuser = "u"\n');
    expect(m.key).toBe('pools[1].url');
    expect(m.line).toBe(3);
  });
  it('reports TOML syntax errors with their line', () => {
    const e = err('a = 1\nb = [1, 2\n');
    expect(e.line).not.toBeNull();
    expect(e.reason).toMatch(/invalid TOML/);
  });
  it('locate falls back to the enclosing table', () => {
    expect(locate('[a]\nx = 1\n[b]\ny = 2\n', ['b', 'z'])).toBe(3);
    expect(locate('x = 1\n', ['q'])).toBeNull();
  });
});
