// Quick profile of one training step (not a test): time per phase for the standard workload.
import { createGemm } from '../src/backends/index.js';
import { softmaxCrossEntropy } from '../src/core/loss.js';
import { Adam, clipGradNorm } from '../src/core/optim.js';
import { Rng } from '../src/core/random.js';
import { CharLm } from '../src/models/char-lm.js';

const cell = (process.argv[2] ?? 'lstm') as 'lstm' | 'gru';
const gemm = createGemm((process.argv[3] as 'onnx' | 'ts') ?? 'auto');
const T = 64,
  B = 32,
  V = 30;
const model = new CharLm({ cell, layers: 1, units: 320, embed: 32, vocab: V });
const rng = new Rng(1);
model.initialize(rng);
const adam = new Adam(model.trainable(), { lr: 2e-3 });
const ids = new Int32Array(T * B).map(() => rng.int(V));
const targets = new Int32Array(T * B).map(() => rng.int(V));
const dLogits = new Float32Array(T * B * V);
const state = model.zeroState(B);
const times = {
  fwd: [] as number[],
  loss: [] as number[],
  bwd: [] as number[],
  opt: [] as number[],
  all: [] as number[],
};
for (let s = 0; s < 15; s++) {
  const t0 = performance.now();
  const logits = model.forward(gemm, ids, T, B, state, null, null);
  const t1 = performance.now();
  softmaxCrossEntropy(logits, targets, T * B, V, dLogits);
  const t2 = performance.now();
  model.zeroGrads();
  model.backward(gemm, dLogits);
  const t3 = performance.now();
  clipGradNorm([...model.grads.values()], 5);
  adam.step();
  const t4 = performance.now();
  if (s >= 3) {
    times.fwd.push(t1 - t0);
    times.loss.push(t2 - t1);
    times.bwd.push(t3 - t2);
    times.opt.push(t4 - t3);
    times.all.push(t4 - t0);
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!.toFixed(2);
console.log(
  cell,
  gemm.name,
  Object.entries(times)
    .map(([k, v]) => `${k}=${med(v)}`)
    .join(' '),
);
