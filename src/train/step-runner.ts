// One training step's forward and backward over a chunk, behind an interface so the trainer does not care whether
// the batch runs in this thread or is split across worker threads (data parallelism: see parallel-step-runner.ts).

import type { Gemm } from '../core/gemm.js';
import { softmaxCrossEntropy } from '../core/loss.js';
import { hash32, Rng } from '../core/random.js';
import type { BatchChunk } from '../data/batches.js';
import type { TrainableLm } from '../models/language-model.js';
import type { DropoutSettings, StateArrays } from '../models/stacked-lm.js';

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
  /** The carried state of all B streams as named arrays (views; copy to keep). */
  states(): StateArrays;
  /** Puts every stream back at its start (the model's zero state). */
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
export function forwardBackward<S>(
  model: TrainableLm<S>,
  gemm: Gemm,
  chunk: BatchChunk,
  T: number,
  B: number,
  state: S,
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

/** Sets every array of `arrays` to its namesake in `from` (same names, lengths and element types). */
export function copyStateArrays(arrays: StateArrays, from: StateArrays): void {
  for (const [name, a] of arrays) {
    const source = from.get(name);
    if (!source || source.length !== a.length || source.constructor !== a.constructor) {
      throw new RangeError(`the carried state ${name} does not match`);
    }
    a.set(source);
  }
}

/** Copies of every array (a state to keep). */
export function cloneStateArrays(arrays: StateArrays): StateArrays {
  return new Map([...arrays].map(([name, a]) => [name, a.slice()]));
}

/** The whole batch in this thread. */
export class SerialStepRunner<S> implements StepRunner {
  private readonly state: S;
  private readonly arrays: StateArrays;
  private readonly zero: StateArrays;
  private readonly dLogits: Float32Array;

  constructor(
    private readonly model: TrainableLm<S>,
    private readonly gemm: Gemm,
    private readonly T: number,
    private readonly B: number,
    private readonly dropout: DropoutConfig | null,
  ) {
    this.state = model.zeroState(B);
    this.arrays = model.stateArrays(this.state);
    this.zero = cloneStateArrays(this.arrays);
    this.dLogits = new Float32Array(T * B * model.shape.vocab);
  }

  async step(chunk: BatchChunk, stepIndex: number): Promise<StepResult> {
    const drop = stepDropout(this.dropout, stepIndex, 0);
    return forwardBackward(this.model, this.gemm, chunk, this.T, this.B, this.state, drop, this.dLogits);
  }

  states(): StateArrays {
    return this.arrays;
  }

  resetStates(): void {
    copyStateArrays(this.arrays, this.zero);
  }

  async close(): Promise<void> {}
}
