// Training and inference loops of a DecoderStack: minibatches from a shard stream (train-shards.ts) with one shared
// state-dropout mask per batch, Adam, and chunked no-dropout forwards over a partition. All buffers are allocated
// once per trainer.

import type { Gemm } from '../core/gemm.js';
import { Adam, type AdamState } from '../core/optim.js';
import type { Rng } from '../core/random.js';
import { SimdAdam, simdAdamAvailable } from '../core/simd-adam.js';
import { type FeatureStats, gatherStandardized } from './decoder-kernels.js';
import type { DecoderStack } from './decoder-net.js';
import type { ShardRowStream } from './train-shards.js';
import { InputWhitener } from './whitening.js';

/** States (n, D) of one partition and their labels per δ (labels[δ−1], −1 = no target). */
export interface Partition {
  x: Float32Array;
  n: number;
  labels: readonly Int32Array[];
}

/** Rows with a target for at least one δ: rows with none would only cost time (and would skew the statistics). */
export function usedRows(part: Partition): Int32Array {
  const used: number[] = [];
  for (let r = 0; r < part.n; r++) {
    if (part.labels.some((l) => l[r] !== -1)) used.push(r);
  }
  return Int32Array.from(used);
}

export interface BatchReport {
  batch: number;
  batches: number;
  /** Mean over decoders of the batch's mean cross-entropy (nats). */
  loss: number;
}

export interface EpochHooks {
  onBatch?: (report: BatchReport) => void;
  /** Checked before every batch. */
  signal?: AbortSignal;
}

/** Each decoder's targets for a batch, beside the stack's own input buffer, filled row by row from a partition. */
class BatchBuffers {
  readonly targets: Int32Array[];

  constructor(readonly stack: DecoderStack) {
    this.targets = Array.from({ length: stack.deltas }, () => new Int32Array(stack.maxBatch));
  }

  /** Rows order[start .. start+nb): standardized, state-dropped-out input, and each decoder's targets. */
  fill(
    part: Partition,
    stats: FeatureStats,
    order: Int32Array,
    start: number,
    nb: number,
    keep: number,
    rng: Rng | null,
  ) {
    const { D, input } = this.stack;
    gatherStandardized(part.x, D, order, start, nb, stats.mean, stats.invStd, input, D + 1, keep, rng);
    for (let d = 0; d < this.targets.length; d++) {
      const src = part.labels[d];
      const dst = this.targets[d];
      for (let i = 0; i < nb; i++) dst[i] = src[order[start + i]];
    }
  }
}

/** Trains one stack at one keep probability: the state and every hidden layer are dropped out with it. */
export class DecoderTrainer {
  private readonly adam: Adam | SimdAdam;
  private readonly buffers: BatchBuffers;
  private readonly whitener: InputWhitener | null;

  constructor(
    private readonly gemm: Gemm,
    readonly stack: DecoderStack,
    private readonly stats: FeatureStats,
    readonly keep: number,
    lr: number,
    private readonly rng: Rng,
  ) {
    // The update is O(parameters) per step whatever the batch: in WebAssembly SIMD where the runtime has it, on the
    // stack's parameters where they lie.
    this.adam = simdAdamAvailable()
      ? new SimdAdam(stack.params(), lr, stack.paramMemory ?? undefined)
      : new Adam(stack.params(), { lr });
    this.buffers = new BatchBuffers(stack);
    this.whitener = stats.whitening ? new InputWhitener(stats.whitening, stack.D, stack.maxBatch) : null;
  }

  /** Adam's step count and moments, for checkpoints: views of the live moments, to be read before the next step. */
  getOptimizerState(): AdamState {
    return this.adam.getState(false);
  }

  setOptimizerState(state: AdamState): void {
    this.adam.setState(state);
  }

  /** The learning rate of the steps from now on. */
  setLearningRate(lr: number): void {
    this.adam.lr = lr;
  }

  /**
   * `batches` minibatches of the stack's batch size drawn from the stream (labels in the stream's shard order);
   * returns the mean of the batch losses.
   */
  trainBatches(stream: ShardRowStream, labels: readonly Int32Array[], batches: number, hooks: EpochHooks = {}): number {
    const nb = this.stack.maxBatch;
    const { targets } = this.buffers;
    let sum = 0;
    for (let b = 0; b < batches; b++) {
      hooks.signal?.throwIfAborted();
      stream.fill(labels, this.stats, this.stack.input, targets, nb, this.keep, this.rng);
      this.whitener?.apply(this.gemm, this.stack.input, nb);
      this.stack.forward(this.gemm, nb, this.keep, this.rng);
      const total = this.stack.loss(this.gemm, targets, this.keep, true);
      this.adam.step();
      const loss = this.stack.counted > 0 ? total / this.stack.counted : 0;
      sum += loss;
      hooks.onBatch?.({ batch: b + 1, batches, loss });
    }
    return batches > 0 ? sum / batches : 0;
  }
}

/**
 * Forward without dropout over rows of part in chunks of the stack's batch; after each chunk visit(start, nb) reads
 * stack.logits(δ) for rows[start .. start+nb).
 */
export function forEachChunk(
  gemm: Gemm,
  stack: DecoderStack,
  stats: FeatureStats,
  part: Partition,
  rows: Int32Array,
  visit: (start: number, nb: number) => void,
  signal?: AbortSignal,
): void {
  const buffers = new BatchBuffers(stack);
  const whitener = stats.whitening ? new InputWhitener(stats.whitening, stack.D, stack.maxBatch) : null;
  for (let start = 0; start < rows.length; start += stack.maxBatch) {
    signal?.throwIfAborted();
    const nb = Math.min(stack.maxBatch, rows.length - start);
    buffers.fill(part, stats, rows, start, nb, 1, null);
    whitener?.apply(gemm, stack.input, nb);
    stack.forward(gemm, nb, 1, null);
    visit(start, nb);
  }
}
