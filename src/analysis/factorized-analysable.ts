// A factorized-kernel LM as something the signature pipeline can analyse, with its kernel restricted to the whole
// of it, the base W0, W0 plus one bigram basis, or one basis alone (paper §7, Fig. 6): one signature per restriction.

import type { KernelRestriction } from '../core/factorized-lstm.js';
import type { Gemm } from '../core/gemm.js';
import { argmaxRow, softmaxCrossEntropy } from '../core/loss.js';
import { allocChunk, type BatchChunk, evalChunks } from '../data/batches.js';
import type { EncodedPartition } from '../data/corpus.js';
import { bigramOfBasis, type FactorizedLm, type FactorizedLmState } from '../models/factorized-lm.js';
import type { AnalysableModel } from './analysable-model.js';
import type { ForwardAccuracy } from './signature-types.js';
import { type StateSource, stackedStateSource } from './state-source.js';

/** A frozen FactorizedLm (no dropout, the given restriction) as a StateSource: c_t ('c') or h_t ('h') of each layer. */
export function factorizedStateSource(
  model: FactorizedLm,
  gemm: Gemm,
  state: 'c' | 'h',
  restrict: KernelRestriction,
): StateSource {
  return stackedStateSource<FactorizedLmState>(model, state, (chunk, T, B, carried) =>
    model.forward(gemm, chunk.inputs, T, B, carried, chunk.resets, null, { restrict }),
  );
}

/**
 * Next-symbol accuracy and perplexity of the model under a restriction, over every predictable position of a
 * partition (the evaluation chunks of evaluateCharLm: segments read from their start).
 */
export function evaluateFactorizedLm(
  model: FactorizedLm,
  partition: EncodedPartition,
  gemm: Gemm,
  restrict: KernelRestriction = { kind: 'full' },
  batch = 32,
  seq = 64,
): ForwardAccuracy {
  const V = model.shape.vocab;
  const batches = evalChunks(partition, batch, seq);
  const chunk = allocChunk(batch, seq);
  const state = model.zeroState(batch);
  const count = new Array<number>(V).fill(0);
  const correct = new Array<number>(V).fill(0);
  let lossSum = 0;
  let predicted = 0;
  for (let k = 0; k < batches.chunkCount; k++) {
    batches.chunk(k, chunk);
    const logits = model.forward(gemm, chunk.inputs, seq, batch, state, chunk.resets, null, { restrict });
    const { loss, count: n } = softmaxCrossEntropy(logits, chunk.targets, seq * batch, V, null);
    lossSum += loss * n;
    predicted += n;
    for (let r = 0; r < seq * batch; r++) {
      const target = chunk.targets[r]!;
      if (target < 0) continue;
      count[target]++;
      if (argmaxRow(logits, r * V, V) === target) correct[target]++;
    }
  }
  const totalCorrect = correct.reduce((a, b) => a + b, 0);
  return {
    accuracy: predicted > 0 ? totalCorrect / predicted : Number.NaN,
    perplexity: Math.exp(predicted > 0 ? lossSum / predicted : Number.NaN),
    count,
    correct,
    recall: count.map((n, s) => (n > 0 ? correct[s]! / n : null)),
  };
}

/**
 * The model under one restriction as an AnalysableModel. `symbols` (the alphabet, in id order) names the basis bigram
 * in describe().details.bigram; without it only the ids are recorded. The forward accuracy is that of the restricted
 * model, the one whose states are analysed. The decoder-size rule counts the parameters of a plain LSTM layer
 * (4H·(I + H) + 8H) for every restriction: the kernel applied at a step is one 4H × H matrix whatever its
 * factorization, and equal decoders keep the signatures of the base, the bases and the full kernel comparable.
 */
export function factorizedAnalysable(
  model: FactorizedLm,
  gemm: Gemm,
  restrict: KernelRestriction,
  weightsSha256: string | null = null,
  symbols?: readonly string[],
): AnalysableModel {
  const { layers, units, embed, vocab } = model.shape;
  const K = model.bases;
  const oneBasis = restrict.kind === 'basis' || restrict.kind === 'basis-alone';
  if (oneBasis && !(Number.isInteger(restrict.index) && restrict.index >= 0 && restrict.index < K)) {
    throw new RangeError(`factorizedAnalysable: basis ${restrict.index} is outside 0..${K - 1}`);
  }
  if (symbols && symbols.length !== vocab) {
    throw new RangeError(`factorizedAnalysable: ${symbols.length} symbols for a model of ${vocab}`);
  }
  const G = 4 * units;
  const details: Record<string, number | string> = {
    restrict: restrict.kind,
    bases: K,
    lambda: model.lambdaSource.kind,
  };
  let part = 'full kernel';
  if (restrict.kind === 'base') part = 'base kernel';
  if (oneBasis) {
    const i = restrict.index;
    details.basis = i;
    details.bigramIds = `${Math.floor(i / vocab)},${i % vocab}`;
    if (symbols) details.bigram = bigramOfBasis(i, symbols);
    part = symbols ? `basis '${details.bigram}'` : `basis ${i}`;
    if (restrict.kind === 'basis-alone') part += ' alone (no W0)';
  }
  return {
    layers,
    stateSizes: Array.from({ length: layers }, () => units),
    vocab,
    describe: () => ({
      kind: 'factorized-lstm',
      label: `${layers}-layer factorized LSTM, ${units} units, ${K} bases: ${part}`,
      cell: 'lstm',
      layers,
      units,
      embed,
      weightsSha256,
      details: { ...details },
    }),
    stateSource: (state) => factorizedStateSource(model, gemm, state, restrict),
    layerParameterCount(layer) {
      const inputSize = layer === 0 ? embed : units;
      return G * (inputSize + units) + 2 * G;
    },
    forwardAccuracy: (partition) => evaluateFactorizedLm(model, partition, gemm, restrict),
  };
}
