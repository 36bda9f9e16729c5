// Trains a factorized-kernel LM (paper §7) with truncated BPTT over carried-state stream batches, Adam and clipping.
// Deliberately small: one thread, no early stopping; the experiment that needs it caps the steps.

import type { Gemm } from '../core/gemm.js';
import { softmaxCrossEntropy } from '../core/loss.js';
import { Adam, clipGradNorm } from '../core/optim.js';
import { Rng } from '../core/random.js';
import { allocChunk, StreamBatcher } from '../data/batches.js';
import type { PreparedCorpus } from '../data/corpus.js';
import { FactorizedLm } from '../models/factorized-lm.js';
import type { TrainConfig } from './train-char-lm.js';

export interface FactorizedTrainHooks {
  gemm: Gemm;
  signal?: AbortSignal;
  onProgress?: (step: number, total: number, loss: number) => void;
  yieldEachStep?: () => Promise<void>;
}

export interface FactorizedTrainResult {
  model: FactorizedLm;
  steps: number;
  /** Epochs begun (the last one may be partial when maxSteps cut it). */
  epochs: number;
  wallSeconds: number;
}

export async function trainFactorizedLm(
  corpus: PreparedCorpus,
  config: TrainConfig,
  hooks: FactorizedTrainHooks,
): Promise<FactorizedTrainResult> {
  const started = performance.now();
  const { batch: B, seq: T } = config;
  const V = corpus.alphabet.size;
  const model = new FactorizedLm({ layers: config.layers, units: config.units, embed: config.embed, vocab: V });
  model.initialize(new Rng(config.seed).fork(1));
  const adam = new Adam(model.trainable(), { lr: config.lr });
  const grads = [...model.grads.values()];
  const batcher = new StreamBatcher(corpus.partitions.train, B, T);
  const total = Math.min(config.epochs * batcher.chunksPerEpoch, config.maxSteps ?? Number.POSITIVE_INFINITY);
  const chunk = allocChunk(B, T);
  const dLogits = new Float32Array(T * B * V);
  let state = model.zeroState(B);
  for (let step = 0; step < total; step++) {
    hooks.signal?.throwIfAborted();
    const k = step % batcher.chunksPerEpoch;
    if (k === 0) state = model.zeroState(B); // streams restart at the top of the partition
    batcher.chunk(k, chunk);
    const logits = model.forward(hooks.gemm, chunk.inputs, T, B, state, chunk.resets, null);
    const { loss } = softmaxCrossEntropy(logits, chunk.targets, T * B, V, dLogits);
    if (!Number.isFinite(loss)) throw new Error(`factorized LM training diverged at step ${step + 1}`);
    model.zeroGrads();
    model.backward(hooks.gemm, dLogits);
    clipGradNorm(grads, config.clip);
    adam.step();
    hooks.onProgress?.(step + 1, total, loss);
    await hooks.yieldEachStep?.();
  }
  return {
    model,
    steps: total,
    epochs: Math.ceil(total / batcher.chunksPerEpoch),
    wallSeconds: (performance.now() - started) / 1000,
  };
}
