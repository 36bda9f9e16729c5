// Perplexity and per-symbol next-symbol accuracy of a character LM on a partition (the data of the paper's Fig. 1b).

import type { ForwardAccuracy } from '../analysis/signature-types.js';
import type { Gemm } from '../core/gemm.js';
import { argmaxRow, softmaxCrossEntropy } from '../core/loss.js';
import { allocChunk, type BatchChunk, evalChunks } from '../data/batches.js';
import type { EncodedPartition } from '../data/corpus.js';
import type { CharLm } from '../models/char-lm.js';
import type { TrainableLm } from '../models/language-model.js';
import { type LmEvaluation, summarizeLmEvaluation } from '../models/lm-evaluation.js';

export interface EvaluateOptions {
  batch?: number;
  seq?: number;
  signal?: AbortSignal;
}

/** What evaluation needs of a language model: a zero state for B streams, and the logits of one chunk (no dropout). */
export interface Predictor<S> {
  vocab: number;
  zeroState(B: number): S;
  logits(gemm: Gemm, chunk: BatchChunk, T: number, B: number, state: S): Float32Array;
}

/** A language model (CharLm, or FactorizedLm with its whole kernel) as a Predictor. */
export function lmPredictor<S>(model: Pick<TrainableLm<S>, 'shape' | 'zeroState' | 'forward'>): Predictor<S> {
  return {
    vocab: model.shape.vocab,
    zeroState: (B) => model.zeroState(B),
    logits: (gemm, chunk, T, B, state) => model.forward(gemm, chunk.inputs, T, B, state, chunk.resets, null),
  };
}

/** evaluateLm of a CharLm. */
export function evaluateCharLm(
  model: CharLm,
  partition: EncodedPartition,
  symbols: readonly string[],
  gemm: Gemm,
  options: EvaluateOptions = {},
): LmEvaluation {
  return evaluateLm(lmPredictor(model), partition, symbols, gemm, options);
}

/** Every predictable position of the partition once, each segment read from its start (evalChunks). */
export function evaluateLm<S>(
  model: Predictor<S>,
  partition: EncodedPartition,
  symbols: readonly string[],
  gemm: Gemm,
  options: EvaluateOptions = {},
): LmEvaluation {
  // Streams are cut at segment starts, so streams beyond the segment count would be padding only: a text read as
  // one stream (--segment none) is one sequential pass, and padding it to 32 streams would cost 32 times the work.
  const B = Math.min(options.batch ?? 32, Math.max(1, partition.starts.length - 1));
  const T = options.seq ?? 64;
  const V = model.vocab;
  const batches = evalChunks(partition, B, T);
  const chunk = allocChunk(B, T);
  const state = model.zeroState(B);
  const count = new Float64Array(V);
  const correct = new Float64Array(V);
  let lossSum = 0;
  let predicted = 0;
  for (let k = 0; k < batches.chunkCount; k++) {
    options.signal?.throwIfAborted();
    batches.chunk(k, chunk);
    const logits = model.logits(gemm, chunk, T, B, state);
    const { loss, count: n } = softmaxCrossEntropy(logits, chunk.targets, T * B, V, null);
    lossSum += loss * n;
    predicted += n;
    for (let r = 0; r < T * B; r++) {
      const target = chunk.targets[r]!;
      if (target < 0) continue;
      count[target]++;
      if (argmaxRow(logits, r * V, V) === target) correct[target]++;
    }
  }
  return summarizeLmEvaluation(lossSum, predicted, count, correct, symbols);
}

/** The per-symbol counts of an evaluation as a signature's forward accuracy. */
export function forwardAccuracyOf(e: LmEvaluation): ForwardAccuracy {
  return {
    accuracy: e.accuracy,
    perplexity: e.perplexity,
    count: e.perSymbol.map((s) => s.count),
    correct: e.perSymbol.map((s) => s.correct),
    recall: e.perSymbol.map((s) => s.accuracy),
  };
}
