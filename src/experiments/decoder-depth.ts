// The paper's one capacity claim (section 5): doubling the decoder depth on layers 3 and 4 of the 4×320 models
// improved recall by less than 5%. For each of the upper half of a deep model's layers, the same decoders with their
// hidden layer doubled (two hidden layers of the width the layer's decoder has) read the same positions; the gain is
// the change of the mean marginal accuracy over δ, in points.

import type { LayerSignature, Signature } from '../analysis/signature-types.js';

/** The layers the claim is about: the upper half (layers 3 and 4 of 4; layer 2 of 2). */
export function upperLayers(layers: number): number[] {
  const from = Math.floor(layers / 2) + 1;
  return Array.from({ length: layers - from + 1 }, (_, i) => from + i);
}

/** The hidden layers of a decoder twice as deep as the layer's: its hidden layers repeated. */
export function doubledDepth(layer: LayerSignature): number[] {
  return [...layer.decoder.hidden, ...layer.decoder.hidden];
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
