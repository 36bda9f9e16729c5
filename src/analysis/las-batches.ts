// The utterances a LAS memory signature reads, and the model batches they are run in: utterances of similar length
// together (longest first), so that little of each batch is padding.

import type { LasBatch } from '../models/las.js';
import type { Split } from '../speech/manifest.js';
import type { WordTiming } from '../speech/synthesizer.js';

/** One utterance: its features as the model reads them, its transcript and (if known) its word timings. */
export interface LasUtterance {
  id: string;
  split: Split;
  transcript: string;
  /** The transcript as alphabet ids. */
  labels: Int32Array;
  /** The synthesizer's word timings (seconds), or null. */
  words: readonly WordTiming[] | null;
  /** Feature frames, and the features (frames, F) row-major (normalized as in training). */
  frames: number;
  features: Float32Array;
}

/** A model batch: the utterances it holds (indices into the list it was made from) and the LasBatch itself. */
export interface UtteranceBatch {
  members: number[];
  batch: LasBatch;
}

/** The indices of `which` grouped into batches of at most `size` utterances, longest first. */
export function batchOrder(utterances: readonly LasUtterance[], which: readonly number[], size: number): number[][] {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`batch size must be ≥ 1 (got ${size})`);
  const sorted = [...which].sort((a, b) => utterances[b]!.frames - utterances[a]!.frames || a - b);
  const out: number[][] = [];
  for (let i = 0; i < sorted.length; i += size) out.push(sorted.slice(i, i + size));
  return out;
}

/** The time-major LasBatch of `members` (features (T, B, F), T the longest; padding zero). */
export function makeBatch(utterances: readonly LasUtterance[], members: readonly number[], F: number): UtteranceBatch {
  const B = members.length;
  let T = 0;
  for (const m of members) T = Math.max(T, utterances[m]!.frames);
  const features = new Float32Array(T * B * F);
  const frames = new Int32Array(B);
  members.forEach((m, b) => {
    const u = utterances[m]!;
    frames[b] = u.frames;
    for (let t = 0; t < u.frames; t++) features.set(u.features.subarray(t * F, (t + 1) * F), (t * B + b) * F);
  });
  return {
    members: [...members],
    batch: { features, T, B, frames, transcripts: members.map((m) => utterances[m]!.labels) },
  };
}
