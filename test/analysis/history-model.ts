// A synthetic "model" for the signature tests: its state at t is the one-hot of the inputs at t−1 … t−k (zeros before
// the segment start), so every decoder's answer is known: δ ≤ k is fully in the state, δ > k not at all.

import type { AnalysableModel } from '../../src/analysis/analysable-model.js';
import type { StateSource } from '../../src/analysis/state-source.js';
import { Rng } from '../../src/core/random.js';
import type { BatchChunk } from '../../src/data/batches.js';

export interface HistoryModelOptions {
  /** Put each remembered symbol at a random place of its block instead: a state unrelated to the input. */
  shuffle?: boolean;
  /** Add N(0, noise²) to every feature (the same draws on every read), so that decoders of different seeds differ. */
  noise?: number;
  /** What the model reports as its layer's parameter count (the decoders' size rule reads it). */
  parameterCount?: number;
}

/** The one-hot history of the last k of V symbols, as an AnalysableModel of one layer of k·V units. */
export function historyModel(V: number, k: number, o: HistoryModelOptions = {}): AnalysableModel {
  const D = k * V;
  const noise = o.noise ?? 0;
  const source = (): StateSource => {
    let history: Int32Array[] = [];
    let out = new Float32Array(0);
    const noiseRng = new Rng(5);
    return {
      layers: 1,
      stateSizes: [D],
      begin(B) {
        history = Array.from({ length: B }, () => new Int32Array(k + 1).fill(-1));
      },
      run(chunk: BatchChunk, T, B) {
        if (out.length < T * B * D) out = new Float32Array(T * B * D);
        const scramble = new Rng(99);
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            const h = history[b]!;
            if (chunk.resets[t * B + b]) h.fill(-1);
            // h[0] is the current input; h[j] the input j steps back.
            h.copyWithin(1, 0, k);
            h[0] = chunk.inputs[t * B + b]!;
            const row = (t * B + b) * D;
            for (let f = 0; f < D; f++) out[row + f] = noise > 0 ? noise * noiseRng.normal() : 0;
            for (let j = 1; j <= k; j++) {
              const s = o.shuffle ? scramble.int(V) : h[j]!;
              if (h[j]! >= 0) out[row + (j - 1) * V + s]! += 1;
            }
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
      label: `${noise > 0 ? 'noisy ' : ''}one-hot of the last ${k}`,
      cell: null,
      layers: 1,
      units: D,
      embed: null,
      weightsSha256: null,
      details: { k, ...(noise > 0 ? { noise } : {}) },
    }),
    stateSource: () => source(),
    layerParameterCount: () => o.parameterCount ?? 2000,
    forwardAccuracy: () => null,
  };
}
