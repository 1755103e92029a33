// The README's "The examples together" block, run as written: the shipped example files, a key
// made by `hashagent keygen --out`, the pool, the agent on an emulated S9, the translator and a
// CPU miner behind it — and they mine. The only change to what a user runs: every fixed port
// (34254, 34255, 9090, 9092, 8080, 4028) becomes a free one, so the test never collides.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from '../support/cli.js';
import { freePort, waitFor } from '../support/sv1-stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];
const root = mkdtempSync(join(tmpdir(), 'hashagent-examples-'));
afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  rmSync(root, { recursive: true, force: true });
});

/** The shell block after the README's examples-together marker. */
function readmeBlock(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('<!-- examples-together:');
  expect(at).toBeGreaterThan(0);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
  return block.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
}

const LONG_RUNNING = /^hashagent (pool|mine|translate|cpu-miner)\b/;

async function metric(url: string, pattern: RegExp): Promise<number> {
  const text = await fetch(url).then((r) => r.text()).catch(() => '');
  let sum = 0;
  for (const line of text.split('\n')) if (pattern.test(line)) sum += Number(line.split(' ').pop());
  return sum;
}

describe('README: the examples together', () => {
  it('keygen, pool, agent, translator and a CPU miner from the shipped examples: both miners get shares accepted', async () => {
    const lines = readmeBlock();
    const first = lines.findIndex((l) => LONG_RUNNING.test(l));
    expect(first).toBeGreaterThan(0);
    mkdirSync(join(root, 'agent/config'), { recursive: true });
    cpSync(join(ROOT, 'agent/config/examples'), join(root, 'agent/config/examples'), { recursive: true });
    const env = { ...process.env, HASHAGENT_NODE: process.execPath, HASHAGENT_CLI: CLI };
    const preamble = 'hashagent() { "$HASHAGENT_NODE" "$HASHAGENT_CLI" "$@"; }\nset -e\n';
    const setup = spawnSync('sh', ['-c', preamble + lines.slice(0, first).join('\n')], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    expect(setup.stderr).toBe('');
    expect(setup.status).toBe(0);
    const demo = join(root, 'demo');
    // The secret stays in its file: keygen --out printed only the public key.
    const secret = readFileSync(join(demo, 'pool-authority.key'), 'utf8').trim();
    expect(setup.stdout).not.toContain(secret);
    expect(setup.stdout).toMatch(/^public_key: 9\w+$/m);

    const ports = new Map<string, string>();
    for (const p of ['34254', '34255', '9090', '9092', '8080', '4028']) ports.set(p, String(await freePort()));
    const free = (text: string) => text.replace(/:(34254|34255|9090|9092|8080|4028)\b/g, (_, p: string) => `:${ports.get(p)}`);
    for (const f of readdirSync(demo).filter((f) => f.endsWith('.toml'))) writeFileSync(join(demo, f), free(readFileSync(join(demo, f), 'utf8')));

    const output = new Map<string, string>();
    for (const line of lines.slice(first)) {
      const cmd = free(line.replace(/\s*&\s*$/, '')).replace(/^hashagent /, 'exec "$HASHAGENT_NODE" "$HASHAGENT_CLI" ');
      const child = spawn('sh', ['-c', cmd], { cwd: demo, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      output.set(line, '');
      const add = (d: Buffer) => output.set(line, output.get(line)! + d.toString());
      child.stdout!.on('data', add);
      child.stderr!.on('data', add);
      // What a user in separate terminals does: start the next one once this one listens.
      if (line.startsWith('hashagent pool')) await waitFor(() => /pool listening/.test(output.get(line)!), 30_000, 'the pool');
      if (line.startsWith('hashagent translate')) await waitFor(() => /translator listening/.test(output.get(line)!), 30_000, 'the translator');
    }
    const pool = `http://127.0.0.1:${ports.get('9090')}/metrics`;
    const translator = `http://127.0.0.1:${ports.get('9092')}/metrics`;
    const agent = `http://127.0.0.1:${ports.get('8080')}/metrics`;
    let agentShares = 0;
    let viaTranslator = 0;
    const t0 = Date.now();
    while ((agentShares === 0 || viaTranslator === 0) && Date.now() - t0 < 90_000) {
      await new Promise((r) => setTimeout(r, 1000));
      agentShares = await metric(agent, /^hashagent_shares_total\{.*result="accepted"/);
      viaTranslator = await metric(translator, /^hashagent_translator_upstream_shares_total\{result="accepted"\}/);
    }
    const log = [...output].map(([l, o]) => `$ ${l}\n${o.slice(-2000)}`).join('\n');
    expect(agentShares, log).toBeGreaterThan(0);
    expect(viaTranslator, log).toBeGreaterThan(0);
    expect(await metric(pool, /^hashagent_pool_shares_total\{result="accepted"\}/), log).toBeGreaterThan(0);
    expect(await metric(pool, /^hashagent_pool_shares_total\{result="rejected"\}/), log).toBe(0);
  }, 180_000);
});
