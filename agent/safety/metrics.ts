// The safety controller's state on /metrics: temperatures (NaN while unknown), fan speeds, the
// commanded duty, the shutdown latch and each chain's power. Gauges read the last poll's status.
import type { Metrics } from '../api/metrics.js';
import type { SafetyController, SafetyHardware } from './controller.js';

export function registerSafetyMetrics(metrics: Metrics, safety: SafetyController, hw: SafetyHardware): void {
  for (const s of hw.sensors) {
    metrics.gauge(
      'hashagent_temperature_celsius',
      'last temperature reading; NaN while unknown or implausible',
      () => {
        const r = safety.status().readings.find((x) => x.sensor === s.name);
        return r && 'celsius' in r ? r.celsius : Number.NaN;
      },
      { sensor: s.name, location: s.location },
    );
  }
  for (const f of hw.fans) {
    metrics.gauge('hashagent_fan_rpm', 'fan speed; NaN when the tach cannot be read', () => safety.status().fans.find((x) => x.fan === f.name)?.rpm ?? Number.NaN, { fan: f.name });
  }
  metrics.gauge('hashagent_fan_duty_percent', 'duty the fans are driven at', () => safety.status().duty);
  metrics.gauge('hashagent_safety_shutdown', '1 while a safety shutdown is latched', () => (safety.latched ? 1 : 0));
  for (const c of hw.chains) {
    metrics.gauge('hashagent_chain_powered', '1 while the chain\'s supply is on', () => (safety.status().chains.find((x) => x.index === c.index)?.powered ? 1 : 0), { chain: String(c.index) });
    metrics.gauge('hashagent_chain_disabled', '1 when safety has taken the chain out', () => (safety.status().chains.find((x) => x.index === c.index)?.disabled ? 1 : 0), { chain: String(c.index) });
  }
}
