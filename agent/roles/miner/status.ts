// One status line for the console: hash rate (1 min and 5 s windows), shares by result,
// temperatures, fans, pool, and any chain that is not hashing with the reason.
import type { MinerAgent } from './agent.js';

export const formatRate = (h: number) => (h >= 1e12 ? `${(h / 1e12).toFixed(2)} TH/s` : h >= 1e9 ? `${(h / 1e9).toFixed(2)} GH/s` : `${(h / 1e6).toFixed(2)} MH/s`);

export function statusLine(a: MinerAgent): string {
  const st = a.safety?.status();
  const chip = st?.readings.filter((r) => 'celsius' in r && r.location === 'chip').map((r) => (r as { celsius: number }).celsius) ?? [];
  const temps = chip.length ? `chips ${Math.min(...chip).toFixed(0)}–${Math.max(...chip).toFixed(0)} °C` : 'chips ? °C';
  let hw = 0;
  const down: string[] = [];
  for (const c of a.chains.values()) {
    hw += a.chainCounts(c.index).hwErrors;
    if (c.state !== 'running') down.push(`chain ${c.index} ${c.state}${c.reason ? ` (${c.reason})` : ''}`);
  }
  const pool = a.poolState ? `${a.poolState.protocol} ${a.poolState.url.replace(/\/[1-9A-HJ-NP-Za-km-z]{40,}$/, '/…')}` : 'no pool';
  const s = a.shares;
  return [
    `${formatRate(a.rate(60))} (5 s ${formatRate(a.rate(5))}, nominal ${formatRate(a.nominalHashrate())})`,
    `shares accepted ${s.accepted}, rejected ${s.rejected}${s.pending ? `, awaiting ${s.pending}` : ''}${s.unconfirmed ? `, unconfirmed ${s.unconfirmed}` : ''}`,
    `hw errors ${hw}`,
    `${temps}, fans ${st?.duty ?? '?'} %`,
    st?.shutdown ? 'SHUT DOWN' : pool,
    ...down,
  ].join(' | ');
}
