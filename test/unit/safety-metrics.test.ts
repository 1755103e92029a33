import { describe, expect, it } from 'vitest';
import { Metrics } from '../../agent/api/metrics.js';
import { registerSafetyMetrics } from '../../agent/safety/metrics.js';
import { SafetyController } from '../../agent/safety/controller.js';
import { safetyConfigFor } from '../../agent/safety/policy.js';
import { openBoard } from '../../board/open.js';
import { emulatedBitaxeGamma } from '../../board/emulated-boards.js';

describe('safety metrics', () => {
  it('exposes temperatures, fans, duty, the latch and chain power', async () => {
    const hw = await openBoard(emulatedBitaxeGamma, { emulation: { timeScale: 10 } });
    try {
      const safety = new SafetyController(hw, safetyConfigFor(emulatedBitaxeGamma.limits));
      const m = new Metrics();
      registerSafetyMetrics(m, safety, hw);
      await safety.poll();
      let text = m.render();
      expect(text).toMatch(/^hashagent_temperature_celsius\{sensor="asic",location="chip"\} 2\d(\.\d+)?$/m);
      expect(text).toMatch(/^hashagent_temperature_celsius\{sensor="vr",location="vr"\} \d+/m);
      expect(text).toMatch(/^hashagent_fan_rpm\{fan="fan"\} \d+/m);
      expect(text).toMatch(/^hashagent_safety_shutdown 0$/m);
      expect(text).toMatch(/^hashagent_chain_powered\{chain="0"\} 0$/m);
      hw.emulated!.sensorSilent('asic');
      await safety.poll();
      text = m.render();
      expect(text).toMatch(/^hashagent_temperature_celsius\{sensor="asic",location="chip"\} NaN$/m);
      expect(text).toMatch(/^hashagent_fan_duty_percent 100$/m);
      await safety.shutdown({ kind: 'operator', detail: 'test' });
      expect(m.render()).toMatch(/^hashagent_safety_shutdown 1$/m);
    } finally {
      await hw.close();
    }
  });
});
