// `node dist/bench/text-baseline.js [--corpus sotu|PATH] [--orders 4,6,8,10] [--max-delta 10]`: the text-only
// baseline of a signature (src/analysis/text-baseline.ts) per count-model order: the time to count the reversed train
// partition and to score the eval positions, and its eval accuracy and cross-entropy per δ. What chose
// TEXT_BASELINE_ORDER (docs/figures.md). Prints figures; asserts nothing.

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { samplePositions } from '../src/analysis/positions.js';
import { describeTextBaseline, guessFromText, trainTextBaseline } from '../src/analysis/text-baseline.js';
import { Rng } from '../src/core/random.js';
import { prepareCorpus } from '../src/data/corpus.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: 'sotu' },
    orders: { type: 'string', default: '4,6,8,10' },
    'max-delta': { type: 'string', default: '10' },
    'eval-positions': { type: 'string', default: '40000' },
  },
});

const t0 = performance.now();
const corpus = await prepareCorpus(values.corpus, {
  segmentation: values.corpus === 'sotu' ? 'sentence' : 'line',
});
const V = corpus.alphabet.symbols.length;
const { train, eval: evalPart } = corpus.partitions;
console.log(
  `corpus ${values.corpus}: V ${V}, train ${train.ids.length} / eval ${evalPart.ids.length} symbols, prepared in ` +
    `${((performance.now() - t0) / 1000).toFixed(1)} s (load average ${loadavg()[0].toFixed(1)})`,
);
const maxDelta = Number(values['max-delta']);
// The eval sample of a default signature: the third fork of the seed-1 generator (signature.ts).
const positions = samplePositions(evalPart, Number(values['eval-positions']), maxDelta, new Rng(1).fork(3));
console.log(`${positions.index.length} eval positions, δ = 1..${maxDelta}`);

for (const order of values.orders.split(',').map(Number)) {
  globalThis.gc?.();
  // CPU time beside wall time: on a shared machine the wall time says more about the neighbours.
  const cpuSeconds = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1e6;
  };
  let start = performance.now();
  let cpu = process.cpuUsage();
  const model = trainTextBaseline(train, V, order);
  const countSeconds = (performance.now() - start) / 1000;
  const countCpu = cpuSeconds(cpu);
  start = performance.now();
  cpu = process.cpuUsage();
  const guesses = guessFromText(model, evalPart, positions, maxDelta);
  const scoreSeconds = (performance.now() - start) / 1000;
  const scoreCpu = cpuSeconds(cpu);
  const rows = guesses.map((g, i) => {
    const labels = positions.labels[i]!;
    return describeTextBaseline(g, labels, new Int32Array(labels.length).fill(-1), V);
  });
  console.log(
    `\norder ${model.order}: counted in ${countSeconds.toFixed(2)} s (${countCpu.toFixed(2)} s CPU), scored in ` +
      `${scoreSeconds.toFixed(2)} s (${scoreCpu.toFixed(2)} s CPU), load average ${loadavg()[0].toFixed(1)}, ` +
      `${model.byContext[model.order - 1]!.ngramCount} n-grams, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(`  accuracy %  ${rows.map((r) => (100 * r.accuracy).toFixed(1).padStart(5)).join(' ')}`);
  console.log(`  bits        ${rows.map((r) => r.crossEntropyBits.toFixed(2).padStart(5)).join(' ')}`);
}
