// The untrained-architecture control of a memory signature: the same model with fresh weights (PyTorch's default
// initialization, seeded). Random recurrent states hold recent input too, so a trained model's signature means most
// beside this one (memsig signature --random-weights; Figure 1's control).

import { createHash } from 'node:crypto';
import { Rng } from '../core/random.js';
import type { AnalysableModel } from './analysable-model.js';

/** The stream of the seed's generator that draws the weights (apart from those of positions and decoders). */
const RANDOM_WEIGHTS_STREAM = 0x5eed;

/**
 * Draws fresh weights into `model` (in place) from `seed`; returns the SHA-256 of the weights drawn (each parameter's
 * name, then its float32 bytes, in the model's order), which names them in the signature.
 */
export function drawRandomWeights(
  model: { initialize(rng: Rng): void; params: ReadonlyMap<string, { data: Float32Array }> },
  seed: number,
): string {
  model.initialize(new Rng(seed).fork(RANDOM_WEIGHTS_STREAM));
  const hash = createHash('sha256');
  for (const [name, t] of model.params) {
    hash.update(name).update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}

/** A model with drawn weights as its signature describes it: labelled so, the seed recorded. */
export function withRandomWeights(analysable: AnalysableModel, seed: number): AnalysableModel {
  return {
    ...analysable,
    describe: () => {
      const d = analysable.describe();
      return {
        ...d,
        label: `${d.label}, random weights (seed ${seed})`,
        details: { ...d.details, randomWeightsSeed: seed },
      };
    },
  };
}
