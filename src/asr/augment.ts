// Training-time variation of the features: SpecAugment-style masks (Park et al. 2019; bands of mel bins and runs of
// frames set to 0, the utterance mean after CMVN) and the choice of a speed-perturbed copy (Ko et al. 2015; the
// copies themselves are computed from the audio when the data is loaded). Pure and seeded by the caller's Rng.

import type { Rng } from '../core/random.js';

export interface AugmentConfig {
  /** Time masks per utterance, each up to timeMaskWidth frames (and at most a fifth of the utterance). */
  timeMasks: number;
  timeMaskWidth: number;
  /** Frequency masks per utterance, each up to freqMaskWidth bins. */
  freqMasks: number;
  freqMaskWidth: number;
}

/** A masked copy of `x` (frames, bins), or `x` itself when there are no masks to apply. */
export function maskFeatures(
  x: Float32Array,
  frames: number,
  bins: number,
  config: AugmentConfig,
  rng: Rng,
): Float32Array {
  if (config.timeMasks === 0 && config.freqMasks === 0) return x;
  const out = x.slice(0, frames * bins);
  const widthT = Math.min(config.timeMaskWidth, Math.floor(frames / 5));
  for (let m = 0; m < config.timeMasks && widthT > 0; m++) {
    const w = rng.int(widthT + 1);
    const t0 = rng.int(frames - w + 1);
    out.fill(0, t0 * bins, (t0 + w) * bins);
  }
  const widthF = Math.min(config.freqMaskWidth, bins);
  for (let m = 0; m < config.freqMasks && widthF > 0; m++) {
    const w = rng.int(widthF + 1);
    const f0 = rng.int(bins - w + 1);
    for (let t = 0; t < frames; t++) out.fill(0, t * bins + f0, t * bins + f0 + w);
  }
  return out;
}

/** Which copy of an utterance to train on: 0 the original, k the k-th speed-perturbed one, uniformly. */
export function pickVariant(copies: number, rng: Rng): number {
  return copies <= 1 ? 0 : rng.int(copies);
}
