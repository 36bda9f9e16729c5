// One training step's forward and backward over a chunk, behind an interface so the trainer does not care whether
// the batch runs in this thread or is split across worker threads (data parallelism: see parallel-step-runner.ts).

import type { Gemm } from '../core/gemm.js';
import { softmaxCrossEntropy } from '../core/loss.js';
import { hash32, Rng } from '../core/random.js';
import type { LayerState } from '../core/recurrent.js';
import type { BatchChunk } from '../data/batches.js';
import type { CharLm, DropoutSettings } from '../models/char-lm.js';

export interface StepResult {
  /** Sum of the per-position cross-entropies (nats) and the number of positions counted. */
  lossSum: number;
  count: number;
}

export interface StepRunner {
  /**
   * Forward and backward over one (T, B) chunk. Leaves in the model's gradient buffers the gradient of the mean
   * loss over all counted positions of the chunk (overwriting them). The carried state advances.
   */
  step(chunk: BatchChunk, stepIndex: number): Promise<StepResult>;
  /** The carried state of all B streams (views; copy to keep). */
  states(): LayerState[];
  /** Zeroes the carried state of every stream. */
  resetStates(): void;
  /** Releases threads, if any. */
  close(): Promise<void>;
}

export interface DropoutConfig {
  p: number;
  recurrent: number;
  seed: number;
}

/**
 * Dropout masks of a step come from a generator seeded by (seed, step, shard): a resumed run draws the same masks
 * without carrying generator state in the checkpoint.
 */
export function stepDropout(config: DropoutConfig | null, step: number, shard: number): DropoutSettings | null {
  if (!config || (config.p === 0 && config.recurrent === 0)) return null;
  const seed = hash32((config.seed ^ Math.imul(step + 1, 0x9e3779b1) ^ Math.imul(shard + 1, 0x85ebca6b)) >>> 0);
  return { p: config.p, recurrent: config.recurrent, rng: new Rng(seed) };
}

/** Runs a chunk on a model in this thread and leaves dLoss/dθ in model.grads; returns the loss sum and count. */
export function forwardBackward(
  model: CharLm,
  gemm: Gemm,
  chunk: BatchChunk,
  T: number,
  B: number,
  state: LayerState[],
  dropout: DropoutSettings | null,
  dLogits: Float32Array,
): StepResult {
  const V = model.shape.vocab;
  const logits = model.forward(gemm, chunk.inputs, T, B, state, chunk.resets, dropout);
  const { loss, count } = softmaxCrossEntropy(logits, chunk.targets, T * B, V, dLogits);
  model.zeroGrads();
  if (count > 0) model.backward(gemm, dLogits);
  return { lossSum: loss * count, count };
}

/** The whole batch in this thread. */
export class SerialStepRunner implements StepRunner {
  private readonly state: LayerState[];
  private readonly dLogits: Float32Array;

  constructor(
    private readonly model: CharLm,
    private readonly gemm: Gemm,
    private readonly T: number,
    private readonly B: number,
    private readonly dropout: DropoutConfig | null,
  ) {
    this.state = model.zeroState(B);
    this.dLogits = new Float32Array(T * B * model.shape.vocab);
  }

  async step(chunk: BatchChunk, stepIndex: number): Promise<StepResult> {
    const drop = stepDropout(this.dropout, stepIndex, 0);
    return forwardBackward(this.model, this.gemm, chunk, this.T, this.B, this.state, drop, this.dLogits);
  }

  states(): LayerState[] {
    return this.state;
  }

  resetStates(): void {
    for (const s of this.state) {
      s.h.fill(0);
      s.c?.fill(0);
    }
  }

  async close(): Promise<void> {}
}
