// One order k of the n-gram LM: its kept k-grams (sorted keys, counts) and, per context h (the first k−1 symbols),
// what interpolated Kneser–Ney needs: the range of h's k-grams, c(h) = Σ_w c(hw) and the interpolation weight γ(h).

import { type Discounts, discountFor } from './ngram-discounts.js';

export class OrderTable {
  readonly order: number;
  readonly vocab: number;
  readonly discounts: Discounts;
  /** Kept k-grams h·V + w, ascending: the k-grams of one context are adjacent, ordered by w. */
  readonly keys: Float64Array;
  /** The counts the estimate uses (raw at the highest order, continuation counts below). */
  readonly counts: Uint32Array;
  /** Distinct contexts h (keys of k−1 symbols), ascending; order 1 has the single empty context 0. */
  readonly contexts: Float64Array;
  /** Context i's k-grams are keys[first[i] .. first[i+1]) (length contexts + 1). */
  readonly first: Uint32Array;
  /** c(h): the summed counts of h's k-grams. */
  readonly total: Float64Array;
  /** γ(h) = (D1·N1(h•) + D2·N2(h•) + D3+·N3+(h•)) / c(h): the mass handed to order k−1. */
  readonly backoff: Float64Array;

  constructor(order: number, vocab: number, keys: Float64Array, counts: Uint32Array, discounts: Discounts) {
    this.order = order;
    this.vocab = vocab;
    this.discounts = discounts;
    this.keys = keys;
    this.counts = counts;
    let contexts = 0;
    let previous = -1;
    for (let i = 0; i < keys.length; i++) {
      const h = contextOf(keys[i], vocab);
      if (h !== previous) contexts++;
      previous = h;
    }
    this.contexts = new Float64Array(contexts);
    this.first = new Uint32Array(contexts + 1);
    this.total = new Float64Array(contexts);
    this.backoff = new Float64Array(contexts);
    let j = -1;
    previous = -1;
    for (let i = 0; i < keys.length; i++) {
      const h = contextOf(keys[i], vocab);
      if (h !== previous) {
        this.contexts[++j] = h;
        this.first[j] = i;
        previous = h;
      }
      this.total[j] += counts[i];
      this.backoff[j] += discountFor(discounts, counts[i]);
    }
    this.first[contexts] = keys.length;
    for (let i = 0; i < contexts; i++) this.backoff[i] /= this.total[i];
  }

  /** Index of context h, or −1 when no kept k-gram starts with it. */
  findContext(h: number): number {
    const c = this.contexts;
    let lo = 0;
    let hi = c.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = c[mid];
      if (v === h) return mid;
      if (v < h) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The count of k-gram (context i, symbol w), 0 when it is not kept. */
  countIn(i: number, w: number): number {
    const key = this.contexts[i] * this.vocab + w;
    let lo = this.first[i];
    let hi = this.first[i + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.keys[mid];
      if (v === key) return this.counts[mid];
      if (v < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** The discounted relative frequency (c(hw) − D(c(hw))) / c(h) of k-gram (context i, symbol w). */
  discounted(i: number, w: number): number {
    const c = this.countIn(i, w);
    return c > 0 ? Math.max(c - discountFor(this.discounts, c), 0) / this.total[i] : 0;
  }

  /** p(·|h) = discounted(h, ·) + γ(h)·lower(·), in place over `dist` (holding lower(·)) for context i. */
  interpolate(i: number, dist: Float64Array): void {
    const g = this.backoff[i];
    const V = this.vocab;
    for (let w = 0; w < V; w++) dist[w] *= g;
    const inv = 1 / this.total[i];
    for (let j = this.first[i]; j < this.first[i + 1]; j++) {
      const c = this.counts[j];
      dist[this.keys[j] % V] += Math.max(c - discountFor(this.discounts, c), 0) * inv;
    }
  }
}

/** The context (first k−1 symbols) of k-gram `key`. Exact: key − w is a multiple of V below 2^53. */
export function contextOf(key: number, V: number): number {
  return (key - (key % V)) / V;
}
