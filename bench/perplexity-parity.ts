// Perplexity parity with PyTorch (not a test): the same data, configuration and number of steps trained by
// memsig and by scripts/torch_train.py; prints both dev perplexities and their relative difference.
//   node dist/bench/perplexity-parity.js [--corpus PATH] [--cell lstm|gru] [--steps N] [--units N]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGemm } from '../src/backends/index.js';
import { type allocChunk, evalChunks, StreamBatcher } from '../src/data/batches.js';
import { prepareCorpus } from '../src/data/corpus.js';
import { type NamedTensor, writeSafetensors } from '../src/io/safetensors.js';
import { ParallelStepRunner } from '../src/train/parallel-step-runner.js';
import { defaultTrainConfig, trainCharLm } from '../src/train/train-char-lm.js';

const { values } = parseArgs({
  options: {
    corpus: {
      type: 'string',
      default: fileURLToPath(new URL('../../../shared/data/tinyshakespeare.txt', import.meta.url)),
    },
    cell: { type: 'string', default: 'lstm' },
    steps: { type: 'string', default: '600' },
    units: { type: 'string', default: '320' },
    json: { type: 'boolean', default: false },
  },
});
const steps = Number(values.steps);
const config = {
  ...defaultTrainConfig(),
  cell: values.cell as 'lstm' | 'gru',
  units: Number(values.units),
  epochs: 1000,
  maxSteps: steps,
  patience: 1000,
};
const { batch: B, seq: T } = config;
const corpus = await prepareCorpus(values.corpus!);

// The chunks both trainers see, in order.
const batcher = new StreamBatcher(corpus.partitions.train, B, T);
const trainChunks = Math.min(batcher.chunksPerEpoch, steps);
const dev = evalChunks(corpus.partitions.dev, B, T);
const pack = (count: number, get: (k: number) => ReturnType<typeof allocChunk>) => {
  const inputs = new Int32Array(count * T * B);
  const targets = new Int32Array(count * T * B);
  const resets = new Uint8Array(count * T * B);
  for (let k = 0; k < count; k++) {
    const c = get(k);
    inputs.set(c.inputs, k * T * B);
    targets.set(c.targets, k * T * B);
    resets.set(c.resets, k * T * B);
  }
  const shape = [count, T, B];
  return { inputs, targets, resets, shape };
};
const tr = pack(trainChunks, (k) => batcher.chunk(k));
const dv = pack(dev.chunkCount, (k) => dev.chunk(k));
const tensors = new Map<string, NamedTensor>([
  ['train.inputs', { dtype: 'I32', shape: tr.shape, data: tr.inputs }],
  ['train.targets', { dtype: 'I32', shape: tr.shape, data: tr.targets }],
  ['train.resets', { dtype: 'U8', shape: tr.shape, data: tr.resets }],
  ['dev.inputs', { dtype: 'I32', shape: dv.shape, data: dv.inputs }],
  ['dev.targets', { dtype: 'I32', shape: dv.shape, data: dv.targets }],
  ['dev.resets', { dtype: 'U8', shape: dv.shape, data: dv.resets }],
]);
const dir = mkdtempSync(join(tmpdir(), 'memsig-parity-'));
const dataPath = join(dir, 'data.safetensors');
const meta: Record<string, string> = {
  cell: config.cell,
  layers: String(config.layers),
  units: String(config.units),
  embed: String(config.embed),
  vocab: String(corpus.alphabet.size),
  lr: String(config.lr),
  batch: String(B),
  seq: String(T),
  steps: String(steps),
  clip: String(config.clip),
  seed: String(config.seed),
  dropout: '0',
};
await writeSafetensors(dataPath, tensors, meta);

const t0 = performance.now();
const ours = await trainCharLm(corpus, config, {
  gemm: createGemm('auto'),
  createRunner: (model, t, b, dropout) =>
    new ParallelStepRunner(model, t, b, dropout, { shards: 2, backend: 'auto', gemm: createGemm('auto', 1) }),
});
const memsigSeconds = (performance.now() - t0) / 1000;
const memsigPpl = ours.history.at(-1)!.devPerplexity;
const script = fileURLToPath(new URL('../../scripts/torch_train.py', import.meta.url));
const torch = JSON.parse(
  execFileSync('/usr/bin/python3', [script, dataPath, '--threads', '1'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!,
);
rmSync(dir, { recursive: true, force: true });
const result = {
  corpus: values.corpus,
  cell: config.cell,
  units: config.units,
  steps,
  memsig_dev_perplexity: memsigPpl,
  pytorch_dev_perplexity: torch.dev_perplexity,
  relative_difference: memsigPpl / torch.dev_perplexity - 1,
  memsig_seconds: memsigSeconds,
  pytorch_seconds: torch.train_seconds,
};
console.log(values.json ? JSON.stringify(result) : result);
