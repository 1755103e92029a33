// One status line for the console: hash rate, shares, temperatures, fans, pool.
import type { MinerAgent } from './agent.js';

const rate = (h: number) => (h >= 1e12 ? `${(h / 1e12).toFixed(2)} TH/s` : h >= 1e9 ? `${(h / 1e9).toFixed(2)} GH/s` : `${(h / 1e6).toFixed(2)} MH/s`);

export function statusLine(a: MinerAgent): string {
  const st = a.safety?.status();
  const chip = st?.readings.filter((r) => 'celsius' in r && r.location === 'chip').map((r) => (r as { celsius: number }).celsius) ?? [];
  const temps = chip.length ? `chips ${Math.min(...chip).toFixed(0)}–${Math.max(...chip).toFixed(0)} °C` : 'chips ? °C';
  const hw = [...a.chains.values()].reduce((s, c) => s + c.driver.stats.hwErrors, 0);
  const pool = a.poolState ? `${a.poolState.protocol} ${a.poolState.url.replace(/\/[1-9A-HJ-NP-Za-km-z]{40,}$/, '/…')}` : 'no pool';
  return [
    `${rate(a.measuredHashrate())} (nominal ${rate(a.nominalHashrate())})`,
    `shares accepted ${a.shares.accepted}, rejected ${a.shares.rejected}`,
    `hw errors ${hw}`,
    `${temps}, fans ${st?.duty ?? '?'} %`,
    st?.shutdown ? 'SHUT DOWN' : pool,
  ].join(' | ');
}
