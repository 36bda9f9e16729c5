// Counting for the n-gram LM. Every k-gram inside a segment becomes one base-V integer, the whole list is sorted and
// run-length counted: a few typed arrays and one native sort per order, instead of a hash map with millions of
// entries. Lower orders also get their Kneser–Ney continuation counts.

import type { EncodedPartition } from '../data/corpus.js';

/** The k-grams of one order, each as the integer Σ w_i·V^(k−i) over w_1..w_k (w_1 the oldest symbol). */
export interface GramCounts {
  /** Distinct k-grams, ascending, so the k-grams sharing a context (their first k−1 symbols) are adjacent. */
  keys: Float64Array;
  /** Occurrences in the text. */
  raw: Uint32Array;
  /**
   * The count the estimate uses: raw at the highest order; below it the continuation count N1+(•g), the number of
   * distinct symbols seen just before g, where a segment start counts as one more distinct "symbol" (what a
   * begin-of-segment symbol would contribute in a padded model, without storing n-grams that contain it).
   */
  adjusted: Uint32Array;
}

/** A list of keys: 32-bit when V^k allows it, so that it sorts by radix in linear time; doubles otherwise. */
export type KeyList = Uint32Array | Float64Array;

/** Every k-gram lying wholly inside a segment, as keys, in text order (unsorted). */
export function windowKeys(partition: EncodedPartition, V: number, k: number): KeyList {
  const { ids, starts } = partition;
  let total = 0;
  for (let s = 0; s + 1 < starts.length; s++) total += Math.max(0, starts[s + 1] - starts[s] - k + 1);
  const out = V ** k <= 2 ** 32 ? new Uint32Array(total) : new Float64Array(total);
  const top = V ** (k - 1); // weight of the oldest symbol, removed when the window slides
  let n = 0;
  for (let s = 0; s + 1 < starts.length; s++) {
    const from = starts[s];
    const to = starts[s + 1];
    if (to - from < k) continue;
    let key = 0;
    for (let i = from; i < from + k; i++) key = key * V + ids[i];
    out[n++] = key;
    for (let i = from + k; i < to; i++) {
      key = (key - ids[i - k] * top) * V + ids[i];
      out[n++] = key;
    }
  }
  return out;
}

/** The k-gram at the start of each segment that is at least k long, as keys. */
export function segmentStartKeys(partition: EncodedPartition, V: number, k: number): Float64Array {
  const { ids, starts } = partition;
  const keys: number[] = [];
  for (let s = 0; s + 1 < starts.length; s++) {
    const from = starts[s];
    if (starts[s + 1] - from < k) continue;
    let key = 0;
    for (let i = from; i < from + k; i++) key = key * V + ids[i];
    keys.push(key);
  }
  return Float64Array.from(keys);
}

/** The distinct values of `keys` (ascending) with their multiplicities; `keys` may be reordered. */
export function countRuns(keys: KeyList): { keys: Float64Array; counts: Uint32Array } {
  const sorted = keys instanceof Uint32Array ? radixSort(keys) : keys.sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const outKeys = new Float64Array(distinct);
  const counts = new Uint32Array(distinct);
  let j = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) outKeys[++j] = sorted[i];
    counts[j]++;
  }
  return { keys: outKeys, counts };
}

/**
 * LSD radix sort, 11 bits a pass, passes only up to the highest bit in use: a few linear sweeps where the native
 * comparison sort of millions of keys takes a second per order. Returns `a` or a buffer of the same length.
 */
export function radixSort(a: Uint32Array): Uint32Array {
  let max = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > max) max = a[i];
  const BITS = 11;
  const counts = new Uint32Array(1 << BITS);
  let src: Uint32Array = a;
  let dst: Uint32Array = new Uint32Array(a.length);
  for (let shift = 0; shift < 32 && max >>> shift > 0; shift += BITS) {
    counts.fill(0);
    for (let i = 0; i < src.length; i++) counts[(src[i] >>> shift) & 2047]++;
    let sum = 0;
    for (let d = 0; d < counts.length; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < src.length; i++) dst[counts[(src[i] >>> shift) & 2047]++] = src[i];
    [src, dst] = [dst, src];
  }
  return src;
}

/**
 * Raw and adjusted counts of orders 1..order (index k−1 holds order k). Memory peaks at one order's window list and
 * its sort buffer (8 bytes per corpus position in all while V^k ≤ 2^32) plus the distinct k-grams.
 */
export function countGrams(partition: EncodedPartition, V: number, order: number): GramCounts[] {
  const raw: { keys: Float64Array; counts: Uint32Array }[] = [];
  for (let k = 1; k <= order; k++) raw.push(countRuns(windowKeys(partition, V, k)));
  const out: GramCounts[] = [];
  for (let k = 1; k <= order; k++) {
    const { keys, counts } = raw[k - 1];
    const adjusted = k === order ? counts : continuationCounts(partition, V, k, raw[k].keys, keys);
    out.push({ keys, raw: counts, adjusted });
  }
  return out;
}

/**
 * N1+(•g) for every distinct k-gram g (aligned with `keys`): the distinct (k+1)-grams x·g, counted by their suffix g,
 * plus one for g when it opens some segment.
 */
function continuationCounts(
  partition: EncodedPartition,
  V: number,
  k: number,
  longer: Float64Array,
  keys: Float64Array,
): Uint32Array {
  const starts = countRuns(segmentStartKeys(partition, V, k)).keys;
  const suffixes = new Float64Array(longer.length + starts.length);
  const Vk = V ** k;
  for (let i = 0; i < longer.length; i++) suffixes[i] = longer[i] % Vk;
  suffixes.set(starts, longer.length);
  const runs = countRuns(suffixes);
  // Every occurrence of g has a symbol or a segment start before it, so both lists hold the same k-grams.
  let aligned = runs.keys.length === keys.length;
  for (let i = 0; aligned && i < keys.length; i++) aligned = runs.keys[i] === keys[i];
  if (!aligned) throw new Error(`continuation counts of order ${k} do not line up with its k-grams`);
  return runs.counts;
}
