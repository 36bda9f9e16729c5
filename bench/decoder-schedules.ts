// `node dist/bench/decoder-schedules.js --model DIR --corpus PATH [--schedules a,b,…] [signature flags…]`: trains the
// decoders of one layer of a real model under several schedules on the same states and prints, per schedule, the
// wall time and each δ's dev accuracy per epoch and eval accuracy: the evidence behind the default schedule
// (docs/convergence.md). The states are read once; the signature it writes is that of the first schedule.

import { decoderPoolRunner } from '../src/analysis/decoder-pool.js';
import type { DecoderConfig, DecoderOutcome } from '../src/analysis/decoders.js';
import { labelledAccuracy } from '../src/analysis/metrics.js';
import { main } from '../src/cli/main.js';

/** Named overrides of the default decoder schedule. */
const SCHEDULES: Record<string, Partial<DecoderConfig>> = {
  default: {},
  'lr1e-3': { lr: 1e-3 },
  'lr1e-2': { lr: 1e-2 },
  'lr6e-3': { lr: 6e-3 },
  'batch256-lr1e-3': { batch: 256, lr: 1e-3 },
  'plateau-only': { epochsPerRate: 20 },
  'no-half': { halfStage: false },
  'double-epochs': { epochsPerRate: 6, patience: 2, maxEpochs: 40 },
  'batch1024-lr3e-3': { batch: 1024, lr: 3e-3 },
  'batch256-lr3e-3': { batch: 256, lr: 3e-3 },
  'batch512-lr3e-3': { batch: 512, lr: 3e-3 },
  'wide-2048': { hidden: [2048] },
  'wide-2048-lr1e-3': { hidden: [2048], lr: 1e-3 },
  'deep-512-512': { hidden: [512, 512] },
  'batch256-decays3': { batch: 256, lr: 3e-3, decays: 3 },
  'batch128-lr3e-3': { batch: 128, lr: 3e-3 },
  'no-whiten': { whiten: false },
  'wide-2048-no-whiten': { hidden: [2048], whiten: false },
  'rates-6-2-1': { epochsPerRate: [6, 2, 1] },
  'rates-5-2-2': { epochsPerRate: [5, 2, 2] },
  'rates-4-3-2': { epochsPerRate: [4, 3, 2] },
};

const evalAccuracy = (o: DecoderOutcome, labels: Int32Array) => labelledAccuracy(labels, o.evalPredictions).accuracy;

const argv = process.argv.slice(2);
const at = argv.indexOf('--schedules');
const names = at >= 0 ? argv.splice(at, 2)[1]!.split(',') : Object.keys(SCHEDULES);
for (const name of names) if (!(name in SCHEDULES)) throw new Error(`unknown schedule ${name}`);
const pct = (x: number) => (100 * x).toFixed(2);

const code = await main(['signature', ...argv], undefined, {
  decoderRunner: async (data, config, hooks) => {
    let first: DecoderOutcome[] | null = null;
    for (const name of names) {
      const schedule = { ...config, ...SCHEDULES[name] };
      const t0 = performance.now();
      const outcomes = await decoderPoolRunner({ threads: 2 })(data, schedule, { signal: hooks.signal });
      const seconds = (performance.now() - t0) / 1000;
      first ??= outcomes;
      console.log(`schedule ${name} (${JSON.stringify(SCHEDULES[name])}): ${seconds.toFixed(0)} s`);
      for (const o of outcomes) {
        const c = o.curve;
        console.log(
          `  δ=${o.delta} eval ${pct(evalAccuracy(o, data.evalLabels[o.delta - 1]!))} dev ${pct(o.devAccuracy)} ` +
            `keep ${o.keepProb} | half [${c.half.map(pct).join(' ')}] ${c.halfEnd} | full [${c.full.map(pct).join(' ')}] ${c.fullEnd}`,
        );
      }
    }
    return first!;
  },
});
process.exitCode = code;
