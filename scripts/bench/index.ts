// `npm run bench`: every benchmark, one JSON object per line on stdout.
// Usage: npm run bench [-- name-prefix ...] to run only matching benchmarks (asic, asic.newblock).
import type { Bench, BenchResult } from './types.js';
import { agentBench } from './agent.js';
import { asicBench } from './asic.js';
import { codecBench } from './codec.js';
import { faultBench } from './fault.js';
import { imageBench } from './image.js';
import { noiseBench } from './noise.js';
import { poolBench } from './pool.js';
import { poolScaleBench } from './pool-scale.js';
import { translatorBench } from './translator.js';
import { uiBench } from './ui.js';
import { wireBench } from './wire.js';

// One import per benchmark module; keep alphabetical.
const benches: Bench[] = [agentBench, asicBench, codecBench, faultBench, imageBench, noiseBench, poolBench, poolScaleBench, translatorBench, uiBench, wireBench];

const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
// The pool-scale benchmark re-runs this bundle as its pool process.
if (process.argv.includes('--pool-scale-child')) await new Promise(() => {});
const report = (r: BenchResult) => process.stdout.write(JSON.stringify(r) + '\n');
for (const b of benches) {
  // 'asic' runs the group; 'asic.newblock' runs the group, which picks that one benchmark.
  if (filters.length && !filters.some((f) => b.name.startsWith(f) || f.startsWith(`${b.name}.`))) continue;
  await b.run(report);
}
