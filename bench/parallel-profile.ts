// Quick comparison (not a test): serial vs data-parallel training steps for the standard workload.
import { createGemm } from '../src/backends/index.js';
import { Adam, clipGradNorm } from '../src/core/optim.js';
import { Rng } from '../src/core/random.js';
import { allocChunk } from '../src/data/batches.js';
import { CharLm } from '../src/models/char-lm.js';
import { ParallelStepRunner } from '../src/train/parallel-step-runner.js';
import { SerialStepRunner, type StepRunner } from '../src/train/step-runner.js';

const cell = (process.argv[2] ?? 'lstm') as 'lstm' | 'gru';
const T = 64,
  B = 32,
  V = 30;
const shape = { cell, layers: 1, units: 320, embed: 32, vocab: V };
const rng = new Rng(1);
const chunk = allocChunk(B, T);
for (let i = 0; i < T * B; i++) {
  chunk.inputs[i] = rng.int(V);
  chunk.targets[i] = rng.int(V);
}
for (const mode of ['serial', 'parallel'] as const) {
  const model = new CharLm(shape);
  model.initialize(new Rng(3));
  const adam = new Adam(model.trainable(), { lr: 2e-3 });
  const runner: StepRunner =
    mode === 'serial'
      ? new SerialStepRunner(model, createGemm('auto'), T, B, null)
      : new ParallelStepRunner(model, T, B, null, { shards: 2, backend: 'auto', gemm: createGemm('auto', 1) });
  const times: number[] = [];
  let loss = 0;
  for (let s = 0; s < 18; s++) {
    const t0 = performance.now();
    const r = await runner.step(chunk, s);
    clipGradNorm([...model.grads.values()], 5);
    adam.step();
    if (s >= 3) times.push(performance.now() - t0);
    loss = r.lossSum / r.count;
  }
  await runner.close();
  times.sort((a, b) => a - b);
  console.log(cell, mode, 'median', times[times.length >> 1]!.toFixed(1), 'ms; final loss', loss.toFixed(4));
}
