// The health gate after a takeover: the agent's own Prometheus text (/metrics, agent/api), read on
// the board over SSH with whatever HTTP client it has (busybox wget, curl). Healthy means every
// configured chain running and at least one share accepted by the pool.
export interface Health {
  chains: number;
  running: number;
  accepted: number;
}

/** Reads the gauges the gate needs from Prometheus text; missing series count as zero. */
export function parseHealth(metrics: string): Health {
  const chains = new Set<string>();
  let running = 0;
  let accepted = 0;
  for (const line of metrics.split('\n')) {
    const st = /^hashagent_chain_state\{chain="(\d+)",state="(\w+)"\}\s+([\d.eE+-]+)/.exec(line);
    if (st) {
      chains.add(st[1]!);
      if (st[2] === 'running' && Number(st[3]) === 1) running++;
      continue;
    }
    const sh = /^hashagent_shares_total\{result="accepted"\}\s+([\d.eE+-]+)/.exec(line);
    if (sh) accepted = Number(sh[1]);
  }
  return { chains: chains.size, running, accepted };
}

export const isHealthy = (h: Health): boolean => h.chains > 0 && h.running === h.chains && h.accepted > 0;

export const describeHealth = (h: Health): string => `chains running ${h.running}/${h.chains}, shares accepted ${h.accepted}`;

/** The sh command that prints the agent's /metrics on the board (port from its http_listen). */
export function metricsCommand(port: number): string {
  const url = `http://127.0.0.1:${port}/metrics`;
  return `wget -q -O - ${url} 2>/dev/null || curl -fsS ${url} 2>/dev/null || busybox wget -q -O - ${url}`;
}
