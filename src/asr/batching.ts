// Batches of utterances for LAS training: utterances of similar length together (padding costs as much as speech in
// the listener), their composition and order drawn afresh each epoch from the seed, and optionally a length
// curriculum (shortest batches first) for the first epochs. Pure: the plan of epoch e depends only on the lengths,
// the seed and e, so a resumed run sees the same batches.

import { hash32, Rng } from '../core/random.js';
import type { LasBatch } from '../models/las.js';

/** How many batches' worth of neighbouring lengths are shuffled together before the batches are cut. */
const BUCKET_BATCHES = 8;

export interface EpochPlanOptions {
  /** Utterances per batch. */
  batch: number;
  seed: number;
  /** 0-based epoch. */
  epoch: number;
  /** Shortest batches first, in order of length, instead of a shuffled order. */
  curriculum: boolean;
}

/**
 * The batches of one epoch as lists of utterance indices: the utterances sorted by length, cut into buckets of a few
 * batches, shuffled within each bucket, cut into batches, and the batches shuffled (or, with curriculum, kept in
 * order of length). Every utterance appears once; the last batch may be smaller.
 */
export function planEpochBatches(lengths: readonly number[], options: EpochPlanOptions): number[][] {
  const { batch } = options;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`planEpochBatches: batch ${batch}`);
  const rng = new Rng(hash32((options.seed >>> 0) ^ Math.imul(options.epoch + 1, 0x9e3779b1)));
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const bucket = batch * BUCKET_BATCHES;
  for (let start = 0; start < order.length; start += bucket) {
    const part = order.slice(start, start + bucket);
    rng.shuffle(part);
    // Within a bucket the batch still comes out sorted, so its padding stays small.
    for (let k = 0; k < part.length; k += batch) {
      const piece = part.slice(k, k + batch).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
      order.splice(start + k, piece.length, ...piece);
    }
  }
  const batches: number[][] = [];
  for (let k = 0; k < order.length; k += batch) batches.push(order.slice(k, k + batch));
  if (options.curriculum) {
    const longest = (b: number[]) => Math.max(...b.map((i) => lengths[i]!));
    return batches.sort((a, b) => longest(a) - longest(b));
  }
  return rng.shuffle(batches);
}

/** One utterance as the batch builder reads it: (frames, bins) features and its transcript's alphabet ids. */
export interface BatchItem {
  features: Float32Array;
  frames: number;
  labels: Int32Array;
}

/** A LasBatch (time-major, zero-padded) of `items`, each with `bins` features per frame. */
export function makeLasBatch(items: readonly BatchItem[], bins: number): LasBatch {
  const B = items.length;
  let T = 0;
  for (const it of items) T = Math.max(T, it.frames);
  const features = new Float32Array(T * B * bins); // (T, B, bins)
  for (let b = 0; b < B; b++) {
    const { features: x, frames } = items[b]!;
    for (let t = 0; t < frames; t++) features.set(x.subarray(t * bins, (t + 1) * bins), (t * B + b) * bins);
  }
  return {
    features,
    T,
    B,
    frames: Int32Array.from(items, (it) => it.frames),
    transcripts: items.map((it) => it.labels),
  };
}
