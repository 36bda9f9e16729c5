// The features control: decoders that read the input feature frames themselves (one frame, or a window of ±k frames
// stacked) in place of a listener layer's state. Whatever they recall is in the input already; what a listener
// layer recalls beyond it is what the encoder adds. Pure.

/** Width of the control's state: F features × (2·window + 1) frames. */
export function featureWindowSize(F: number, window: number): number {
  if (!(Number.isInteger(window) && window >= 0)) throw new RangeError(`feature window must be ≥ 0 (got ${window})`);
  return F * (2 * window + 1);
}

/**
 * Writes the control's state at frame t of an utterance's features (frames, F) into out[offset …]: frames
 * t − window … t + window in order, zeros for those outside the utterance (as a layer sees nothing there).
 */
export function windowFeatures(
  features: Float32Array,
  frames: number,
  F: number,
  t: number,
  window: number,
  out: Float32Array,
  offset: number,
): void {
  for (let k = -window; k <= window; k++) {
    const at = offset + (k + window) * F;
    const s = t + k;
    if (s >= 0 && s < frames) out.set(features.subarray(s * F, (s + 1) * F), at);
    else out.fill(0, at, at + F);
  }
}
