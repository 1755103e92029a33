// The agent's page: hash-rate chart (uPlot), chip map per chain, temperatures and fans, pools with
// shares by result, the event log. Polls /api/v1/* every few seconds (?refresh=N).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { $, duration, fillTable, formatRate, getJson, poll } from '../common.js';

type Rates = Record<'5s' | '1m' | '5m' | '15m', number>;
interface Chip { index: number; state: 'ok' | 'stopped'; hashrate_hps: Rates; nonces: number; hw_errors: number }
interface Chain { index: number; state: string; reason: string | null; chip_type: string; chips_found: number; chips_expected: number; frequency_mhz: number; hashrate_hps: Rates; nonces: number; hw_errors: number; temperature_c: { chip: number | null; board: number | null }; shares: { accepted: number; rejected: number }; chips: Chip[] }
interface Summary { version: string; board: { name: string; description: string }; uptime_s: number; hashrate_hps: Rates; nominal_hps: number; shares: Record<string, number>; pool: { url: string; protocol: string } | null; shutdown: string | null; fan_duty: number | null; fans: { fan: string; rpm: number | null }[]; temperatures: { sensor: string; location: string; chain: number | null; celsius: number | null; error: string | null }[] }
interface Pool { index: number; url: string; user: string; active: boolean; protocol: string | null; shares: { accepted: number; rejected: number; unconfirmed: number } }
interface Event { seq: number; time: string; kind: string; level: string; msg: string }

let chart: uPlot | null = null;

function drawChart(points: [number, number][]): void {
  const data: uPlot.AlignedData = [points.map((p) => p[0] / 1000), points.map((p) => p[1] / 1e9)];
  const el = $('chart');
  if (!chart) {
    chart = new uPlot(
      {
        width: Math.max(300, el.clientWidth - 10),
        height: 220,
        series: [{}, { label: 'GH/s', stroke: '#4dabf7', width: 2, fill: 'rgba(77,171,247,.12)' }],
        axes: [{ stroke: '#9aa4b2', grid: { stroke: '#2b2f36' } }, { stroke: '#9aa4b2', grid: { stroke: '#2b2f36' }, label: 'GH/s' }],
      },
      data,
      el,
    );
  } else chart.setData(data);
  el.dataset.points = String(points.length);
}

/** Green by rate, amber well under the chain's mean, red when stopped or erring. */
function chipClass(c: Chip, mean: number): string {
  const erring = c.hw_errors > 10 && c.hw_errors > 0.05 * (c.nonces + c.hw_errors);
  if (c.state === 'stopped' || erring) return 'chip bad';
  return mean > 0 && c.hashrate_hps['1m'] < 0.5 * mean ? 'chip slow' : 'chip ok';
}

function drawChains(chains: Chain[]): void {
  const root = $('chains');
  for (const ch of chains) {
    let box = root.querySelector<HTMLElement>(`[data-chain="${ch.index}"]`);
    if (!box) {
      box = document.createElement('div');
      box.dataset.chain = String(ch.index);
      box.innerHTML = '<div class="head"></div><div class="chips"></div>';
      root.appendChild(box);
    }
    const t = ch.temperature_c;
    box.querySelector('.head')!.textContent =
      `chain ${ch.index} · ${ch.state}${ch.reason ? ` (${ch.reason})` : ''} · ${ch.chips_found}/${ch.chips_expected} × ${ch.chip_type} @ ${ch.frequency_mhz} MHz · ${formatRate(ch.hashrate_hps['1m'])} · hw errors ${ch.hw_errors} · shares ${ch.shares.accepted}/${ch.shares.rejected} · chip ${t.chip?.toFixed(1) ?? '?'} °C, board ${t.board?.toFixed(1) ?? '?'} °C`;
    const grid = box.querySelector<HTMLElement>('.chips')!;
    while (grid.children.length > ch.chips.length) grid.lastChild!.remove();
    const mean = ch.chips.reduce((s, c) => s + c.hashrate_hps['1m'], 0) / Math.max(1, ch.chips.length);
    ch.chips.forEach((c, i) => {
      const el = (grid.children[i] as HTMLElement | undefined) ?? grid.appendChild(document.createElement('div'));
      el.className = chipClass(c, mean);
      el.dataset.state = c.state;
      el.title = `chip ${c.index}: ${formatRate(c.hashrate_hps['1m'])} (1 m), ${c.nonces} nonces, ${c.hw_errors} hw errors${c.state === 'stopped' ? ', STOPPED' : ''}`;
    });
  }
}

let lastSeq = 0;

function addEvents(events: Event[]): void {
  const box = $('events');
  for (const e of events) {
    const d = document.createElement('div');
    d.className = e.level;
    d.textContent = `${e.time} ${e.kind.padEnd(6)} ${e.msg}`;
    box.prepend(d);
    lastSeq = Math.max(lastSeq, e.seq);
  }
  while (box.children.length > 200) box.lastChild!.remove();
}

poll(async () => {
  const [s, c, p, e, h] = await Promise.all([
    getJson<Summary>('/api/v1/summary'),
    getJson<{ chains: Chain[] }>('/api/v1/chains'),
    getJson<{ pools: Pool[] }>('/api/v1/pools'),
    getJson<{ events: Event[] }>(`/api/v1/events?n=200&after=${lastSeq}`),
    getJson<{ points: [number, number][] }>('/api/v1/history'),
  ]);
  document.title = `${formatRate(s.hashrate_hps['1m'])} · ${s.board.name}`;
  $('board').textContent = `${s.board.description} · hashagent ${s.version}`;
  $('rate').textContent = `${formatRate(s.hashrate_hps['1m'])}`;
  $('rate').className = s.shutdown ? 'big bad' : 'big';
  $('shares').textContent = `5 s ${formatRate(s.hashrate_hps['5s'])} · nominal ${formatRate(s.nominal_hps)} · shares ${s.shares.accepted} accepted, ${s.shares.rejected} rejected`;
  $('pool').textContent = s.shutdown ? `SHUT DOWN: ${s.shutdown}` : s.pool ? `${s.pool.protocol} ${s.pool.url.replace(/\/[1-9A-HJ-NP-Za-km-z]{40,}$/, '/…')}` : 'no pool';
  $('uptime').textContent = `up ${duration(s.uptime_s)}`;
  drawChart(h.points);
  drawChains(c.chains);
  fillTable($('temps'), s.temperatures.map((t) => [t.sensor, t.location, t.chain ?? '', t.celsius !== null ? `${t.celsius.toFixed(1)} °C` : `error: ${t.error}`]));
  fillTable($('fans'), [...s.fans.map((f) => [f.fan, f.rpm !== null ? `${f.rpm} rpm` : '?']), ['duty', `${s.fan_duty ?? '?'} %`]]);
  fillTable($('pools'), p.pools.map((x) => [x.index, x.url.replace(/\/[1-9A-HJ-NP-Za-km-z]{40,}$/, '/…'), x.user, x.active ? `up (${x.protocol})` : '', x.shares.accepted, x.shares.rejected, x.shares.unconfirmed]));
  addEvents(e.events);
});
