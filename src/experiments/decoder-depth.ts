// The paper's one capacity claim (section 5): doubling the decoder depth on layers 3 and 4 of the 4×320 models
// improved recall by less than 5%. For each of the upper half of a deep model's layers, decoders with twice the hidden
// layers read the same positions, trained the same way; the gain is the change of the mean marginal accuracy over δ,
// in points. The paper gives no widths, only its size rule (decoder parameters at least the layer's): the deeper
// decoders keep to it, so that depth is what changes, not size (width is what --capacity-sweep varies). Repeating the
// rule's width instead (2,342 on a 4×320 LSTM's upper layers) would add a 2,342 × 2,342 layer: 7.7 times the
// parameters, and about 17 hours of a 2-core machine for Figure 3's four deeper layers (docs/figures.md).

import { decoderParameterCount } from '../analysis/decoder-net.js';
import type { LayerSignature, Signature } from '../analysis/signature-types.js';

/** The layers the claim is about: the upper half (layers 3 and 4 of 4; layer 2 of 2). */
export function upperLayers(layers: number): number[] {
  const from = Math.floor(layers / 2) + 1;
  return Array.from({ length: layers - from + 1 }, (_, i) => from + i);
}

/**
 * The hidden layers of a decoder twice as deep as the layer's and no smaller: twice as many hidden layers, of one
 * width, the smallest that gives at least the parameters of the layer's decoder (V: the symbols it names).
 */
export function deeperDecoder(layer: LayerSignature, V: number): number[] {
  const depth = 2 * layer.decoder.hidden.length;
  if (depth === 0) throw new RangeError('deeperDecoder: a linear decoder has no hidden layer to double');
  const D = layer.stateSize;
  const target = decoderParameterCount(D, V, layer.decoder.hidden);
  const count = (w: number) => decoderParameterCount(D, V, new Array<number>(depth).fill(w));
  // The count grows with the width: double until it reaches the target, then bisect for the smallest.
  let hi = 1;
  while (count(hi) < target) hi *= 2;
  let lo = Math.floor(hi / 2);
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (count(mid) >= target) hi = mid;
    else lo = mid;
  }
  return new Array<number>(depth).fill(hi);
}

/** One layer: the mean accuracy over δ with its decoder and with the doubled one, and the gain in points. */
export interface DepthGain {
  layer: number;
  hidden: number[];
  deepHidden: number[];
  meanAccuracy: number;
  deepMeanAccuracy: number;
  /** deep − standard, as a fraction (0.05 = 5 points). */
  gain: number;
  /** Standard error of the gain: the two means' errors combined (different decoders, the same positions: a bound). */
  gainStdError: number;
}

function meanAccuracy(layer: LayerSignature): number {
  return layer.deltas.reduce((a, d) => a + d.accuracy, 0) / layer.deltas.length;
}

function meanStdError(layer: LayerSignature): number {
  const v = layer.deltas.reduce((a, d) => a + (d.accuracy * (1 - d.accuracy)) / d.positions.eval, 0);
  return Math.sqrt(v) / layer.deltas.length;
}

/** The gain of the doubled decoder on `layer`, from the standard signature and the one of the doubled decoder. */
export function depthGain(standard: Signature, deep: Signature, layer: number): DepthGain {
  const a = standard.layers.find((l) => l.layer === layer);
  const b = deep.layers.find((l) => l.layer === layer);
  if (!a || !b) throw new Error(`depthGain: layer ${layer} is missing from a signature`);
  const m = meanAccuracy(a);
  const md = meanAccuracy(b);
  return {
    layer,
    hidden: [...a.decoder.hidden],
    deepHidden: [...b.decoder.hidden],
    meanAccuracy: m,
    deepMeanAccuracy: md,
    gain: md - m,
    gainStdError: Math.hypot(meanStdError(a), meanStdError(b)),
  };
}

/** The paper's bound on the gain: "small improvements to the recall accuracy (< 5%)", read as 5 points. */
export const DEPTH_GAIN_BOUND = 0.05;

/** The claim holds when no layer's doubled decoder gains 5 points or more. */
export function depthClaimHolds(gains: readonly DepthGain[]): boolean {
  return gains.length > 0 && gains.every((g) => g.gain < DEPTH_GAIN_BOUND);
}
