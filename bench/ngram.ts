// `node dist/bench/ngram.js [--corpus PATH] [--order 5] [--prune 0,2]`: training time, memory and perplexity of the
// modified Kneser–Ney n-gram LM on a corpus (default: the complete Shakespeare), plus the speed of reading its
// context state. Prints figures; asserts nothing.

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ngramStateSource } from '../src/analysis/ngram-analysable.js';
import { allocChunk, evalChunks } from '../src/data/batches.js';
import { prepareCorpus } from '../src/data/corpus.js';
import { trainNgram } from '../src/models/ngram.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: '/work/shared/data/shakespeare-complete-pg100.txt.gz' },
    order: { type: 'string', default: '5' },
    prune: { type: 'string', default: '0,2' },
  },
});

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function memory(): string {
  const m = process.memoryUsage();
  return `rss ${mib(m.rss)}, heap ${mib(m.heapUsed)}, array buffers ${mib(m.arrayBuffers)}`;
}

const t0 = performance.now();
const corpus = await prepareCorpus(values.corpus);
const V = corpus.alphabet.symbols.length;
const { train, dev, eval: evalPart } = corpus.partitions;
console.log(
  `corpus ${values.corpus}: V ${V}, train ${train.ids.length} / dev ${dev.ids.length} / eval ${evalPart.ids.length} ` +
    `symbols, prepared in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
console.log(`before training: ${memory()}`);

const order = Number(values.order);
for (const prune of values.prune.split(',').map(Number)) {
  globalThis.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const start = performance.now();
  const cpu = process.cpuUsage();
  const model = trainNgram(train, V, { order, prune });
  const trainSeconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const perOrder = model.tables.map((t) => t.keys.length).join(' / ');
  // CPU time as well as wall time: on a shared machine the wall time says more about the neighbours.
  console.log(
    `\n${order}-gram, prune ${prune}: trained in ${trainSeconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU ` +
      `(load average ${loadavg()[0].toFixed(1)})`,
  );
  console.log(`  stored n-grams ${model.ngramCount} (orders 1..${order}: ${perOrder})`);
  console.log(`  discounts ${model.discounts.map((d) => d.map((x) => x.toFixed(3)).join(',')).join(' | ')}`);
  console.log(`  memory after training: ${memory()}; sampled peak rss ${mib(peakRss)} (before ${mib(before.rss)})`);
  const bytes = model.tables.reduce(
    (s, t) =>
      s +
      t.keys.byteLength +
      t.counts.byteLength +
      t.contexts.byteLength +
      t.first.byteLength +
      t.total.byteLength +
      t.backoff.byteLength,
    0,
  );
  console.log(`  model tables ${mib(bytes)}`);
  for (const [name, part] of [
    ['dev', dev],
    ['eval', evalPart],
  ] as const) {
    const e0 = performance.now();
    const e = model.evaluate(part, corpus.alphabet.symbols);
    const secs = (performance.now() - e0) / 1000;
    console.log(
      `  ${name}: perplexity ${e.perplexity.toFixed(3)} (${e.bitsPerChar.toFixed(3)} bits/char), accuracy ` +
        `${e.accuracy.toFixed(4)}, ${e.predicted} predictions in ${secs.toFixed(2)} s`,
    );
  }
  const s0 = performance.now();
  const source = ngramStateSource(model);
  const B = 32;
  const T = 64;
  const batches = evalChunks(evalPart, B, T);
  const chunk = allocChunk(B, T);
  source.begin(B);
  for (let k = 0; k < batches.chunkCount; k++) source.run(batches.chunk(k, chunk), T, B);
  const steps = batches.chunkCount * B * T;
  const ss = (performance.now() - s0) / 1000;
  console.log(
    `  state source over eval: ${steps} steps in ${ss.toFixed(2)} s (${((steps / ss) * 1e-6).toFixed(2)} M/s)`,
  );
}
