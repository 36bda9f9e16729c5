// A tiny corpus and a noisy "model" for the seed tests: the state holds the last two symbols one-hot under Gaussian
// noise, so that decoders of different seeds land on somewhat different accuracies.

import type { AnalysableModel } from '../../src/analysis/analysable-model.js';
import { defaultSignatureOptions, type SignatureOptions } from '../../src/analysis/signature.js';
import { Rng } from '../../src/core/random.js';
import type { PreparedCorpus } from '../../src/data/corpus.js';
import { historyModel } from './history-model.js';
import { skewedSegments, syntheticCorpus } from './synthetic-corpus.js';

export const SYMBOLS = ['a', 'b', 'c', 'd'];

/** Segments of random symbols with a skewed prior. */
export function seedCorpus(seed: number): PreparedCorpus {
  const rng = new Rng(seed);
  const segments = (n: number) => skewedSegments(rng, SYMBOLS, [0.4, 0.3, 0.2, 0.1], n, 25);
  return syntheticCorpus(SYMBOLS, { train: segments(80), dev: segments(20), eval: segments(40) }, 'e'.repeat(64));
}

/** State: one-hot of the inputs 1 and 2 steps back, plus N(0, noise²) on every feature (the same on every read). */
export function noisyHistoryModel(noise = 0.9): AnalysableModel {
  return historyModel(SYMBOLS.length, 2, { noise, parameterCount: 200 });
}

export function seedOptions(overrides: Partial<SignatureOptions> = {}): SignatureOptions {
  const d = defaultSignatureOptions();
  return {
    ...d,
    maxDelta: 3,
    trainPositions: 1200,
    devPositions: 300,
    evalPositions: 600,
    decoder: { ...d.decoder, hidden: [12], keepProbs: [0.8, 1], maxEpochs: 4, batch: 64, lr: 1e-2 },
    ...overrides,
  };
}
