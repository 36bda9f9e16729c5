// A model the signature pipeline can analyse: its states, its description, the parameter count that sets the
// decoder size by the paper's rule, and (for language models) its own next-symbol accuracy.

import { UserError } from '../core/errors.js';
import type { Gemm } from '../core/gemm.js';
import type { CorpusPartitions, EncodedPartition } from '../data/corpus.js';
import type { CharLm } from '../models/char-lm.js';
import { gateCount } from '../models/char-lm-params.js';
import { evaluateCharLm, forwardAccuracyOf } from '../train/evaluate.js';
import type { PositionStateReader } from './position-states.js';
import type { ForwardAccuracy, SignatureModel, StateKind } from './signature-types.js';
import { charLmStateSource, type StateSource } from './state-source.js';

export interface AnalysableModel {
  readonly layers: number;
  readonly stateSizes: number[];
  readonly vocab: number;
  describe(): SignatureModel;
  /** Throws a UserError when the model has no such state (e.g. c on a GRU). */
  stateSource(state: StateKind): StateSource;
  /**
   * States that are read rather than computed (a states file): when present, memorySignature reads the sampled
   * positions' states here instead of running stateSource over the text.
   */
  stateReader?(state: StateKind, partitions: CorpusPartitions): PositionStateReader;
  /** Parameters of layer l's recurrent kernel plus its input projection (weights and biases). */
  layerParameterCount(layer: number): number;
  /** The model's own next-symbol accuracy per symbol on a partition, or null if it does not predict. */
  forwardAccuracy(partition: EncodedPartition, symbols: readonly string[]): ForwardAccuracy | null;
}

export function charLmAnalysable(model: CharLm, gemm: Gemm, weightsSha256: string | null): AnalysableModel {
  const { cell, layers, units, embed, vocab } = model.shape;
  const G = gateCount(cell) * units;
  return {
    layers,
    stateSizes: Array.from({ length: layers }, () => units),
    vocab,
    describe: () => ({
      kind: 'char-lm',
      label: `${layers}-layer ${cell.toUpperCase()}, ${units} units`,
      cell,
      layers,
      units,
      embed,
      weightsSha256,
      details: {},
    }),
    stateSource(state) {
      if (state === 'c' && cell !== 'lstm') {
        throw new UserError(`--state c needs an LSTM; this model is a ${cell.toUpperCase()}, whose state is h`);
      }
      return charLmStateSource(model, gemm, state);
    },
    layerParameterCount(layer) {
      const inputSize = layer === 0 ? embed : units;
      return G * (inputSize + units) + 2 * G;
    },
    forwardAccuracy: (partition, symbols) => forwardAccuracyOf(evaluateCharLm(model, partition, symbols, gemm)),
  };
}
