// The positions of a LAS memory signature and their labels. A position is a frame of a probe's own time axis (or a
// speller step) of one utterance; its label for δ is the class of the grapheme δ before the one being spoken there
// (per the alignment), of the grapheme δ before the one being spelled, or of the audio unit δ frames back. Positions
// with no label for any δ (silence) are never drawn; the rest are drawn uniformly without replacement, seeded.

import type { Rng } from '../core/random.js';
import type { LabelTarget } from './label-targets.js';

/** One utterance on one probe's axis: its positions and the label of each (−1: none) for a δ. */
export interface UtteranceLabels {
  positions: number;
  label(t: number, delta: number): number;
}

/**
 * Frames labelled by an alignment (frame → index of the grapheme being spoken, −1 in silence): the target class of
 * the grapheme δ before it.
 */
export function alignedLabels(alignment: Int32Array, graphemes: Int32Array, target: LabelTarget): UtteranceLabels {
  return {
    positions: alignment.length,
    label: (t, delta) => (alignment[t]! < 0 ? -1 : target.classOf(graphemes, alignment[t]! - delta)),
  };
}

/** Speller steps 0..n (the last one emits <eos>): step i is spelling grapheme i, so δ names grapheme i − δ. */
export function stepLabels(graphemes: Int32Array, target: LabelTarget): UtteranceLabels {
  return { positions: graphemes.length + 1, label: (i, delta) => target.classOf(graphemes, i - delta) };
}

/**
 * Frames of factor f labelled by audio units of the feature frames: frame x's unit is that of the last feature
 * frame it reads, f·x + f − 1, and δ counts the probe's own frames back.
 */
export function unitLabels(units: Int32Array, factor: number, frames: number): UtteranceLabels {
  if (frames * factor > units.length) throw new RangeError(`${frames} frames of factor ${factor} need more units`);
  return {
    positions: frames,
    label: (t, delta) => (t - delta >= 0 ? units[factor * (t - delta) + factor - 1]! : -1),
  };
}

/** The positions drawn for one probe in one partition, sorted by (utterance, position). */
export interface ProbeSample {
  /** Utterance index in the partition's list, and the position on the probe's axis. */
  utterance: Int32Array;
  position: Int32Array;
  /** Rows first[u] … first[u + 1] − 1 belong to utterance u. */
  first: Int32Array;
  /** labels[k][row]: the label for deltas[k]. */
  labels: Int32Array[];
  /** Positions with a label for some δ, among which the draw was made. */
  eligible: number;
}

/** `count` positions (all when there are no more eligible ones) drawn among those with a label for some δ. */
export function sampleProbePositions(
  utterances: readonly UtteranceLabels[],
  deltas: readonly number[],
  count: number,
  rng: Rng,
): ProbeSample {
  const eligibleAt = (u: UtteranceLabels, t: number) => deltas.some((d) => u.label(t, d) >= 0);
  let eligible = 0;
  for (const u of utterances) for (let t = 0; t < u.positions; t++) if (eligibleAt(u, t)) eligible++;
  const chosen = drawRanks(eligible, count, rng);
  const n = chosen ? count : eligible;
  const utterance = new Int32Array(n);
  const position = new Int32Array(n);
  const first = new Int32Array(utterances.length + 1);
  const labels = deltas.map(() => new Int32Array(n));
  let rank = 0;
  let row = 0;
  utterances.forEach((u, ui) => {
    first[ui] = row;
    for (let t = 0; t < u.positions; t++) {
      if (!eligibleAt(u, t)) continue;
      if (!chosen || chosen[rank] === 1) {
        utterance[row] = ui;
        position[row] = t;
        deltas.forEach((d, k) => {
          labels[k]![row] = u.label(t, d);
        });
        row++;
      }
      rank++;
    }
  });
  first[utterances.length] = row;
  return { utterance, position, first, labels, eligible };
}

// Floyd's algorithm: a uniform k-subset of 0..n−1 in k draws, as a bitmap; null when k ≥ n (take them all).
function drawRanks(n: number, k: number, rng: Rng): Uint8Array | null {
  if (!(Number.isSafeInteger(k) && k >= 0)) throw new RangeError(`positions must be a whole number ≥ 0 (got ${k})`);
  if (k >= n) return null;
  const chosen = new Uint8Array(n);
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    chosen[chosen[t] === 1 ? j : t] = 1;
  }
  return chosen;
}
