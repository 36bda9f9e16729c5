// A tiny corpus and a noisy "model" for the seed tests: the state holds the last two symbols one-hot under Gaussian
// noise, so that decoders of different seeds land on somewhat different accuracies.

import type { AnalysableModel } from '../../src/analysis/analysable-model.js';
import { defaultSignatureOptions, type SignatureOptions } from '../../src/analysis/signature.js';
import type { StateSource } from '../../src/analysis/state-source.js';
import { Rng } from '../../src/core/random.js';
import type { BatchChunk } from '../../src/data/batches.js';
import type { PreparedCorpus } from '../../src/data/corpus.js';
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
  const V = SYMBOLS.length;
  const k = 2;
  const D = k * V;
  const source = (): StateSource => {
    let history: Int32Array[] = [];
    let out = new Float32Array(0);
    const rng = new Rng(5);
    return {
      layers: 1,
      stateSizes: [D],
      begin(B) {
        history = Array.from({ length: B }, () => new Int32Array(k + 1).fill(-1));
      },
      run(chunk: BatchChunk, T, B) {
        if (out.length < T * B * D) out = new Float32Array(T * B * D);
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            const h = history[b]!;
            if (chunk.resets[t * B + b]) h.fill(-1);
            h.copyWithin(1, 0, k);
            h[0] = chunk.inputs[t * B + b]!;
            const row = (t * B + b) * D;
            for (let f = 0; f < D; f++) out[row + f] = noise * rng.normal();
            for (let j = 1; j <= k; j++) if (h[j]! >= 0) out[row + (j - 1) * V + h[j]!]! += 1;
          }
        }
        return [out.subarray(0, T * B * D)];
      },
    };
  };
  return {
    layers: 1,
    stateSizes: [D],
    vocab: V,
    describe: () => ({
      kind: 'synthetic',
      label: 'noisy one-hot of the last 2',
      cell: null,
      layers: 1,
      units: D,
      embed: null,
      weightsSha256: null,
      details: { noise },
    }),
    stateSource: () => source(),
    layerParameterCount: () => 200,
    forwardAccuracy: () => null,
  };
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
