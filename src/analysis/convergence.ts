// Whether a decoder converged, from its learning curves (docs/convergence.md). The finalist's decoders train first on
// a random half of the train positions and then, warm-started, on all of them; the rise from the half stage's best
// dev accuracy to the full stage's is what the last doubling of the data bought, and a curve still rising at the
// epoch cap is what more epochs would still buy. Either beyond the tolerance (the data gain counted twice, as the next
// doubling measured, and beyond two of its standard errors) marks the decoder as not converged: the next doubling
// would most likely still move its accuracy.

import type { StageEnd } from './decoder-schedule.js';

/** Half a point of accuracy: the bar for "more positions or epochs would not raise it". */
export const CONVERGENCE_TOLERANCE = 0.005;

/**
 * What the next doubling of the training adds, as a multiple of the half → full data gain measured: in two runs with
 * twice the training (docs/convergence.md), decoders whose measured gain was small gained 1.4–2.4 times as much from
 * the doubling, and the gain measured is the evidence at hand. So a decoder passes only while twice its gain stays
 * within the tolerance.
 */
export const DOUBLING_GAIN_FACTOR = 2;

/** A decoder's dev accuracy after each epoch, per stage (half: on half the train positions; full: on all). */
export interface LearningCurve {
  half: number[];
  full: number[];
  halfEnd: StageEnd | null;
  fullEnd: StageEnd | null;
  /** The learning rate of each epoch of each stage. */
  halfLr: number[];
  fullLr: number[];
  /** Train positions of each stage (for this δ: those whose segment reaches back δ symbols). */
  halfPositions: number;
  fullPositions: number;
  /** Standard error of the data gain (paired, on the same dev positions); null without both stages. */
  dataGainStdError: number | null;
}

export interface ConvergenceVerdict {
  /** Best dev accuracy on all positions minus best on half of them; null without a half stage. */
  dataGain: number | null;
  /**
   * When the full stage hit the epoch cap: the rise of its best dev accuracy over the second half of its epochs at
   * the smallest learning rate (what the last doubling of those epochs bought); 0 when it ended on a plateau; null
   * without a full stage or with a single epoch at that rate.
   */
  epochGain: number | null;
  converged: boolean;
}

function best(curve: readonly number[], upTo = curve.length): number {
  let b = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < upTo; i++) if (curve[i]! > b) b = curve[i]!;
  return b;
}

/**
 * The verdict for one decoder. A decoder whose winning run never reached the full stage (a keep probability dropped
 * after the sweep's first rung that still scored best on dev) is not converged by definition.
 */
export function assessConvergence(curve: LearningCurve, tolerance = CONVERGENCE_TOLERANCE): ConvergenceVerdict {
  if (curve.full.length === 0) return { dataGain: null, epochGain: null, converged: false };
  const full = best(curve.full);
  const dataGain = curve.half.length > 0 ? full - best(curve.half) : null;
  const e = curve.full.length;
  // At the cap, what the last doubling of the epochs at the smallest learning rate bought: the rise of the best
  // accuracy over the second half of the trailing epochs at that rate. A single such epoch shows nothing of the
  // slope: not converged, gain unknown.
  let atLast = 0;
  const last = curve.fullLr[e - 1];
  while (atLast < e && curve.fullLr[e - 1 - atLast] === last) atLast++;
  if (curve.fullEnd === 'cap' && atLast < 2) return { dataGain, epochGain: null, converged: false };
  const epochGain = curve.fullEnd === 'cap' ? full - best(curve.full, e - Math.ceil(atLast / 2)) : 0;
  // A gain counts only beyond its sampling error too: on a small dev sample the best of a few noisy epochs would
  // otherwise mark decoders at chance as still learning.
  const dataMoved =
    dataGain !== null && DOUBLING_GAIN_FACTOR * dataGain > tolerance && dataGain > 2 * (curve.dataGainStdError ?? 0);
  return { dataGain, epochGain, converged: !dataMoved && epochGain <= tolerance };
}

/** The δ of a layer whose decoders are marked not converged (none for a version-1 signature, which has no marks). */
export function unconvergedDeltas(layer: {
  deltas: readonly { delta: number; convergence?: { converged: boolean } }[];
}): number[] {
  return layer.deltas.filter((d) => d.convergence && !d.convergence.converged).map((d) => d.delta);
}

/** "1, 4–6, 9": δ lists as runs. */
export function formatDeltaList(deltas: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < deltas.length; ) {
    let j = i;
    while (j + 1 < deltas.length && deltas[j + 1] === deltas[j]! + 1) j++;
    parts.push(j === i ? `${deltas[i]}` : j === i + 1 ? `${deltas[i]}, ${deltas[j]}` : `${deltas[i]}–${deltas[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
