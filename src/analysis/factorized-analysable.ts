// A factorized-kernel LM as something the signature pipeline can analyse, with its kernel restricted to the whole
// of it, the base W0, W0 plus one bigram basis, or one basis alone (paper §7, Fig. 6): one signature per restriction.

import type { KernelRestriction } from '../core/factorized-lstm.js';
import type { Gemm } from '../core/gemm.js';
import { bigramOfBasis, type FactorizedLm, type FactorizedLmState } from '../models/factorized-lm.js';
import { evaluateLm, forwardAccuracyOf, type Predictor } from '../train/evaluate.js';
import type { AnalysableModel } from './analysable-model.js';
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

/** The model under a restriction as a Predictor (for evaluateLm). */
export function factorizedPredictor(
  model: FactorizedLm,
  restrict: KernelRestriction = { kind: 'full' },
): Predictor<FactorizedLmState> {
  return {
    vocab: model.shape.vocab,
    zeroState: (B) => model.zeroState(B),
    logits: (gemm, chunk, T, B, state) =>
      model.forward(gemm, chunk.inputs, T, B, state, chunk.resets, null, { restrict }),
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
  if (restrict.kind === 'none') part = 'no recurrent kernel';
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
    forwardAccuracy: (partition, alphabet) =>
      forwardAccuracyOf(evaluateLm(factorizedPredictor(model, restrict), partition, alphabet, gemm)),
  };
}
