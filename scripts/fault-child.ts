// The hashagent CLI with one fault injected where no real part can produce it on demand: an
// exception thrown inside the chain driver's nonce intake (a link 'data' callback), or a promise
// rejected inside the work scheduler. Bundled with esbuild by the power-down test and the
// agent.fault_power_down benchmark; FAULT selects the fault, FAULT_AFTER how many calls pass
// first. It prints `injected fault at <epoch ms>` on stderr the moment it strikes.
import { writeSync } from 'node:fs';
import { NonceIntake } from '../drivers/asic/nonce-intake.js';
import { WorkScheduler } from '../agent/roles/miner/scheduler.js';
import { main } from '../agent/cli/main.js';

const strike = () => writeSync(2, `injected fault at ${Date.now()}\n`);

const after = Number(process.env.FAULT_AFTER ?? 20);
let calls = 0;
if (process.env.FAULT === 'driver-throw') {
  const take = NonceIntake.prototype.take;
  NonceIntake.prototype.take = function (this: NonceIntake<unknown>, body: Uint8Array) {
    if (++calls === after) {
      strike();
      throw new Error('injected: exception in the chain driver\'s nonce intake');
    }
    return take.call(this, body);
  };
} else if (process.env.FAULT === 'scheduler-reject') {
  const setJob = WorkScheduler.prototype.setJob;
  WorkScheduler.prototype.setJob = function (this: WorkScheduler, job) {
    setJob.call(this, job);
    // A promise the scheduler started and nobody awaits, rejected: an unhandled rejection.
    if (++calls === after) {
      strike();
      void Promise.reject(new Error('injected: rejected promise in the work scheduler'));
    }
  };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  () => process.exit(1),
);
