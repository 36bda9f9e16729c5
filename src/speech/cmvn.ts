// Per-utterance mean and variance normalization (CMVN): each feature bin is shifted and scaled to mean 0 and
// variance 1 over the utterance's frames, which removes the channel's and the speaker's level from log-mel features.

import type { Features } from './fbank.js';

// Below this variance a bin is taken as constant: it is centred but not scaled (scaling would blow up rounding).
const MIN_VARIANCE = 1e-10;

/** A normalized copy of `features` (the input is left as it is); statistics in float64, population variance. */
export function normalizeUtterance(features: Features): Features {
  const { frames, bins, data } = features;
  const mean = new Float64Array(bins);
  const sumSquares = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < bins; b++) mean[b] += data[t * bins + b];
  }
  for (let b = 0; b < bins; b++) mean[b] /= Math.max(frames, 1);
  // Centred second pass: no cancellation when a bin's mean is large beside its spread.
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < bins; b++) {
      const d = data[t * bins + b] - mean[b];
      sumSquares[b] += d * d;
    }
  }
  const scale = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    const variance = sumSquares[b] / Math.max(frames, 1);
    scale[b] = variance > MIN_VARIANCE ? 1 / Math.sqrt(variance) : 1;
  }
  const out = new Float32Array(data.length);
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < bins; b++) out[t * bins + b] = (data[t * bins + b] - mean[b]) * scale[b];
  }
  return { frames, bins, data: out };
}
