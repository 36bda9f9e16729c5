// Hand-run: one experiment at full size without the CLI, e.g. under /usr/bin/time -v to read peak memory.
//   node dist/scripts/run-experiment.js fig1 runs/experiments
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runExperiment } from '../src/experiments/runner.js';

const [name = 'fig1', out = 'runs/experiments'] = process.argv.slice(2);
const shakespeare = fileURLToPath(new URL('../../../shared/data/shakespeare-complete-pg100.txt.gz', import.meta.url));
const t0 = Date.now();
const record = await runExperiment(name, {
  dir: join(out, name),
  quick: process.argv.includes('--quick'),
  backend: 'auto',
  threads: 2,
  log: (line) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${line}`),
  shakespeare,
  generator: 'memsig (scripts/run-experiment)',
});
console.log(JSON.stringify({ figure: record.figure, wallSeconds: record.wallSeconds, numbers: record.numbers }));
