// What both pages share: JSON polling, number formats, small DOM helpers. No framework: the
// pages are a few tables and a grid, redrawn in place.
export { formatRate } from '../agent/roles/miner/status.js';

export async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(path, { cache: 'no-store' });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

/** Poll interval, seconds: ?refresh=N (1–60), else 5. */
export function refreshSeconds(): number {
  const n = Number(new URLSearchParams(location.search).get('refresh'));
  return n >= 1 && n <= 60 ? n : 5;
}

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Table rows from cells (text only: nothing from the API is parsed as HTML). */
export function fillTable(tbody: HTMLElement, rows: (string | number)[][]): void {
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      for (const c of cells) tr.appendChild(document.createElement('td')).textContent = String(c);
      return tr;
    }),
  );
}

export function duration(s: number): string {
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m ${Math.floor(s % 60)}s`;
}

/** Runs `tick` now and every refresh; body data attributes count refreshes started and done (tests). */
export function poll(tick: () => Promise<void>): void {
  let started = 0, done = 0;
  const run = async () => {
    document.body.dataset.refreshStarted = String(++started);
    try {
      await tick();
      $('status').textContent = `updated ${new Date().toLocaleTimeString()}`;
      $('status').className = '';
    } catch (e) {
      $('status').textContent = `offline: ${(e as Error).message}`;
      $('status').className = 'bad';
    }
    document.body.dataset.refreshes = String(++done);
    setTimeout(run, refreshSeconds() * 1000);
  };
  void run();
}
