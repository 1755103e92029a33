// The layer rules of the design (README "Architecture"), read from the imports themselves so they
// cannot silently break: which folder may import which, safety never reaching the network, the
// pure protocol and Bitcoin libraries free of I/O, drivers knowing nothing of pools, no file-level
// import cycles, and nothing importing the tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every .ts file under the product folders, with the relative modules and the packages it imports. */
function readGraph(): Map<string, { local: string[]; packages: string[] }> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  for (const d of ['agent', 'drivers', 'board']) walk(join(ROOT, d));
  const graph = new Map<string, { local: string[]; packages: string[] }>();
  // `import … from '…'`, `export … from '…'`, `import('…')` (type imports count: they are arrows too).
  const spec = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm;
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    const local: string[] = [];
    const packages: string[] = [];
    for (const m of src.matchAll(spec)) {
      const s = m[1]!;
      if (s.startsWith('.')) local.push(relative(ROOT, resolve(dirname(f), s.replace(/\.js$/, '.ts'))).split('\\').join('/'));
      else packages.push(s);
    }
    graph.set(relative(ROOT, f).split('\\').join('/'), { local, packages });
  }
  return graph;
}

/** The layer a file is in: `agent/<folder>` for agent's folders, else its top folder. */
function layer(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'agent') return parts.length > 2 ? `agent/${parts[1]}` : 'agent';
  return parts[0]!;
}

// Which layers each layer may import (besides itself). `agent` is the top-level helpers
// (version, log). Arrows point down: roles → upstream/channels/templates → net → sv2/sv1/bitcoin;
// roles/miner → safety → board → drivers; bitcoin (pure) is the ground floor for everyone.
const ALLOWED: Record<string, readonly string[]> = {
  'agent/bitcoin': [],
  'agent/sv2': ['agent/bitcoin'],
  'agent/sv1': ['agent/bitcoin'],
  'agent/channels': ['agent/bitcoin', 'agent/sv2', 'agent/templates'],
  // net is transport only: no channel state, no job sources (those are upstream/).
  'agent/net': ['agent/bitcoin', 'agent/sv2', 'agent/sv1'],
  'agent/upstream': ['agent/bitcoin', 'agent/sv2', 'agent/sv1', 'agent/channels', 'agent/net'],
  'agent/templates': ['agent/bitcoin', 'agent/sv2', 'agent/net'],
  'agent/safety': ['agent', 'agent/api', 'agent/config', 'board', 'drivers', 'agent/bitcoin'],
  'agent/config': ['agent', 'agent/bitcoin', 'agent/sv2', 'agent/net', 'agent/upstream', 'agent/safety', 'board'],
  // api serves HTTP and cgminer sockets: it may use net's transport helpers (peer limits).
  'agent/api': ['agent', 'agent/bitcoin', 'agent/net'],
  'agent/roles': ['agent', 'agent/bitcoin', 'agent/sv2', 'agent/sv1', 'agent/channels', 'agent/net', 'agent/upstream', 'agent/templates', 'agent/safety', 'agent/config', 'agent/api', 'board', 'drivers'],
  // image: the signed payload manifest (and the installer's pieces); files and crypto only.
  'agent/image': ['agent', 'agent/config', 'board'],
  // `hashagent flash`: SSH, probe (board/detect), payload (agent/image); never the safety or mining code.
  'agent/flash': ['agent/image', 'board'],
  'agent/cli': ['agent', 'agent/image', 'agent/flash', 'agent/bitcoin', 'agent/sv2', 'agent/sv1', 'agent/channels', 'agent/net', 'agent/upstream', 'agent/templates', 'agent/safety', 'agent/config', 'agent/api', 'agent/roles', 'board', 'drivers'],
  agent: ['agent/cli'],
  board: ['drivers', 'agent/bitcoin'],
  drivers: ['agent/bitcoin'],
};

/** Node built-ins the pure libraries may not use (sockets, timers, files, processes). */
const IMPURE = /^(node:)?(net|tls|dgram|http|https|fs|fs\/promises|child_process|timers|worker_threads|os)$/;

const graph = readGraph();

describe('layer rules', () => {
  it('every import points to a layer its layer may use', () => {
    const bad: string[] = [];
    for (const [file, { local }] of graph) {
      const from = layer(file);
      const allowed = ALLOWED[from];
      if (!allowed) {
        bad.push(`${file}: layer ${from} has no rule (add it to the design and to ALLOWED)`);
        continue;
      }
      for (const target of local) {
        if (target.startsWith('test/')) bad.push(`${file} imports the tests (${target})`);
        const to = layer(target);
        if (to !== from && !allowed.includes(to)) bad.push(`${file} → ${target} (${from} may not import ${to})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('safety never imports the network, the protocols or a role', () => {
    const bad = [...graph]
      .filter(([f]) => layer(f) === 'agent/safety')
      .flatMap(([f, { local }]) => local.filter((t) => /^agent\/(net|upstream|sv2|sv1|roles|channels|templates)\//.test(t)).map((t) => `${f} → ${t}`));
    expect(bad).toEqual([]);
  });

  it('net is transport only: no protocol client, job source, channel state or template source', () => {
    // The job sources (SV2 channel client, SV1 client, pool-list failover) live in upstream/;
    // net/ carries bytes, frames and the setup exchange, and knows nothing of jobs or shares.
    const bad = [...graph]
      .filter(([f]) => layer(f) === 'agent/net')
      .flatMap(([f, { local }]) => local.filter((t) => /^agent\/(upstream|channels|templates|roles|config|api)\//.test(t)).map((t) => `${f} → ${t}`));
    expect(bad).toEqual([]);
    const clients = [...graph.keys()].filter((f) => layer(f) === 'agent/net' && /(job-source|upstream|sv1-client|tdp-)/.test(f));
    expect(clients).toEqual([]);
    expect([...graph.keys()].filter((f) => layer(f) === 'agent/upstream').length).toBeGreaterThanOrEqual(4);
  });

  it('sv2, sv1 and bitcoin are pure: no sockets, timers, files or processes', () => {
    const bad = [...graph]
      .filter(([f]) => ['agent/sv2', 'agent/sv1', 'agent/bitcoin'].includes(layer(f)))
      .flatMap(([f, { packages }]) => packages.filter((p) => IMPURE.test(p)).map((p) => `${f} imports ${p}`));
    expect(bad).toEqual([]);
  });

  it('no import cycles between files', () => {
    // Tarjan's strongly connected components over the file graph.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const on = new Set<string>();
    const cycles: string[][] = [];
    let i = 0;
    const visit = (v: string) => {
      index.set(v, i);
      low.set(v, i++);
      stack.push(v);
      on.add(v);
      for (const w of graph.get(v)!.local) {
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          on.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1) cycles.push(scc.sort());
      }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });

  it('the rules can fail: a forbidden arrow is caught', () => {
    // The checker itself, on a made-up arrow (safety → net): guards against a regex that reads nothing.
    expect(graph.size).toBeGreaterThan(100);
    expect([...graph.values()].reduce((n, g) => n + g.local.length, 0)).toBeGreaterThan(300);
    expect(ALLOWED['agent/safety']!.includes(layer('agent/net/noise-socket.ts'))).toBe(false);
  });
});
