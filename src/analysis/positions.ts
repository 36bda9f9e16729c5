// The positions a memory signature is measured at. Decoder (δ, l) predicts the symbol at t−δ from the state at t,
// and only where t−δ lies in t's own segment (the state is reset at every segment start, so it cannot know what came
// before). One sample of positions t serves every δ: each position carries one label per δ, −1 where its segment
// does not reach back δ symbols.

import { UserError } from '../core/errors.js';
import type { Rng } from '../core/random.js';
import type { EncodedPartition } from '../data/corpus.js';

export interface SampledPositions {
  /** Absolute offsets into partition.ids, sorted ascending, all distinct. */
  index: Uint32Array;
  /** labels[δ−1][i] = ids[index[i] − δ] if that position lies in index[i]'s segment, else −1. */
  labels: Int32Array[];
}

/**
 * Positions with at least one symbol of history in their segment (offset within the segment ≥ 1): the candidates
 * samplePositions draws from.
 */
export function eligiblePositionCount(partition: EncodedPartition): number {
  checkPartition(partition);
  let eligible = 0;
  const { starts } = partition;
  for (let s = 0; s + 1 < starts.length; s++) {
    const length = starts[s + 1] - starts[s];
    if (length > 1) eligible += length - 1;
  }
  return eligible;
}

/**
 * `count` positions drawn uniformly without replacement among the eligible ones (see eligiblePositionCount), or all
 * of them when there are no more than `count`; the caller reports how many were used (index.length). The same rng
 * state gives the same positions.
 */
export function samplePositions(
  partition: EncodedPartition,
  count: number,
  maxDelta: number,
  rng: Rng,
): SampledPositions {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new UserError(`the number of positions must be a whole number ≥ 0 (got ${count})`);
  }
  if (!Number.isSafeInteger(maxDelta) || maxDelta < 1) {
    throw new UserError(`the largest δ must be a whole number ≥ 1 (got ${maxDelta})`);
  }
  const eligible = eligiblePositionCount(partition);
  const ranks = count >= eligible ? allRanks(eligible) : sampleRanks(eligible, count, rng);
  const index = new Uint32Array(ranks.length);
  const segmentStart = new Uint32Array(ranks.length);
  // Eligible rank r → offset: segments in order, each contributing its positions 1..length−1. One sweep, as the
  // ranks are sorted.
  const { starts } = partition;
  let seg = 0;
  let before = 0; // eligible positions in segments before `seg`
  for (let i = 0; i < ranks.length; i++) {
    const r = ranks[i]!;
    for (;;) {
      const length = starts[seg + 1] - starts[seg];
      const here = length > 1 ? length - 1 : 0;
      if (r < before + here) break;
      before += here;
      seg++;
    }
    segmentStart[i] = starts[seg];
    index[i] = starts[seg] + 1 + (r - before);
  }
  const labels: Int32Array[] = [];
  for (let delta = 1; delta <= maxDelta; delta++) {
    const row = new Int32Array(index.length);
    for (let i = 0; i < index.length; i++) {
      const from = index[i]! - delta;
      row[i] = from >= segmentStart[i]! ? partition.ids[from]! : -1;
    }
    labels.push(row);
  }
  return { index, labels };
}

/** Positions whose label for δ is not −1 (those whose segment reaches back δ symbols). */
export function labelCount(positions: SampledPositions, delta: number): number {
  const row = positions.labels[delta - 1];
  if (!row) throw new RangeError(`δ ${delta} is outside 1..${positions.labels.length}`);
  return countLabels(row);
}

/** labelCount for every δ: element δ−1 is the count for δ. */
export function labelCounts(positions: SampledPositions): number[] {
  return positions.labels.map(countLabels);
}

function countLabels(row: Int32Array): number {
  let n = 0;
  for (let i = 0; i < row.length; i++) if (row[i]! >= 0) n++;
  return n;
}

function allRanks(n: number): Float64Array {
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) ranks[i] = i;
  return ranks;
}

// Floyd's algorithm: a uniform k-subset of 0..n−1 with k draws, marked in a bitmap of n bytes (no more than the
// partition's ids), then read out in order.
function sampleRanks(n: number, k: number, rng: Rng): Float64Array {
  const chosen = new Uint8Array(n);
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    chosen[chosen[t] === 1 ? j : t] = 1;
  }
  const ranks = new Float64Array(k);
  for (let r = 0, i = 0; r < n; r++) if (chosen[r] === 1) ranks[i++] = r;
  return ranks;
}

function checkPartition(p: EncodedPartition): void {
  const { starts } = p;
  if (starts.length === 0 || starts[0] !== 0 || starts[starts.length - 1] !== p.ids.length) {
    throw new RangeError('partition starts must begin at 0 and end at ids.length');
  }
}
