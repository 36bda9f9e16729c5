// A character n-gram language model with interpolated modified Kneser–Ney smoothing (Chen & Goodman 1998), the
// paper's comparison model for the recurrent LMs (section 6, Figure 5).
//
// p_k(w|h) = (c(hw) − D_k(c(hw)))⁺ / c(h) + γ(h)·p_{k−1}(w|h'), h' = h without its oldest symbol, where c is the raw
// count at the highest order and the continuation count below it (ngram-counts.ts); a context never seen (or pruned
// away) hands everything to p_{k−1}; p_0 is uniform over the V symbols. Segments are independent texts: no n-gram
// crosses a boundary, and the first positions of a segment are predicted from the shorter history they have (no
// begin-of-segment symbol), so the highest order that applies there is i + 1 at offset i.

import { UserError } from '../core/errors.js';
import { argmaxRow } from '../core/loss.js';
import type { EncodedPartition } from '../data/corpus.js';
import { type LmEvaluation, summarizeLmEvaluation } from './lm-evaluation.js';
import { countGrams } from './ngram-counts.js';
import { countOfCounts, type Discounts, estimateDiscounts } from './ngram-discounts.js';
import { OrderTable } from './ngram-table.js';

export interface NgramConfig {
  /** n: the model predicts from the last n − 1 symbols. */
  order: number;
  /** Drop n-grams of order ≥ 2 seen fewer than this many times in the text (0 or 1: keep all). */
  prune: number;
}

export function defaultNgramConfig(): NgramConfig {
  return { order: 5, prune: 0 };
}

export class NgramModel {
  readonly order: number;
  readonly vocab: number;
  readonly prune: number;
  /** tables[k − 1] is order k. */
  readonly tables: readonly OrderTable[];
  /** True for an order whose discounts are FALLBACK_DISCOUNTS (its count-of-counts gave no valid estimate). */
  readonly fallback: readonly boolean[];
  private readonly scratch: Float64Array;

  constructor(config: NgramConfig, vocab: number, tables: OrderTable[], fallback: boolean[]) {
    this.order = config.order;
    this.prune = config.prune;
    this.vocab = vocab;
    this.tables = tables;
    this.fallback = fallback;
    this.scratch = new Float64Array(vocab);
  }

  /** Discounts per order (index k − 1). */
  get discounts(): Discounts[] {
    return this.tables.map((t) => t.discounts);
  }

  /** Stored n-grams of all orders. */
  get ngramCount(): number {
    return this.tables.reduce((sum, t) => sum + t.keys.length, 0);
  }

  /** p(symbol | history): history in reading order (last = most recent); only its last n − 1 symbols matter. */
  prob(history: ArrayLike<number>, symbol: number): number {
    if (!(Number.isInteger(symbol) && symbol >= 0 && symbol < this.vocab)) {
      throw new RangeError(`symbol ${symbol} is outside 0..${this.vocab - 1}`);
    }
    const end = history.length;
    const m = Math.min(end, this.order - 1);
    const V = this.vocab;
    let p = 1 / V;
    let h = 0; // context of order k: the last k − 1 symbols, most recent least significant
    let weight = 1;
    for (let k = 1; k <= m + 1; k++) {
      const t = this.tables[k - 1];
      const i = t.findContext(h);
      if (i >= 0) p = t.discounted(i, symbol) + t.backoff[i] * p;
      if (k <= m) {
        h += checkSymbol(history[end - k], V) * weight;
        weight *= V;
      }
    }
    return p;
  }

  /** p(·|history) into out[0..V): the distribution prob() gives, for every symbol at once. */
  distribution(history: ArrayLike<number>, out: Float64Array): Float64Array {
    if (out.length < this.vocab) throw new RangeError(`out holds ${out.length} values; the model has ${this.vocab}`);
    return this.distributionAt(history, history.length, Math.min(history.length, this.order - 1), out);
  }

  /** The distribution after src[end − len .. end) (len ≤ n − 1): distribution() without copying the history. */
  distributionAt(src: ArrayLike<number>, end: number, len: number, out: Float64Array): Float64Array {
    const V = this.vocab;
    out.fill(1 / V, 0, V);
    let h = 0;
    let weight = 1;
    for (let k = 1; k <= len + 1; k++) {
      const t = this.tables[k - 1];
      const i = t.findContext(h);
      if (i >= 0) t.interpolate(i, out);
      if (k <= len) {
        h += checkSymbol(src[end - k], V) * weight;
        weight *= V;
      }
    }
    return out;
  }

  /** The longest suffix of the history (at most n − 1 symbols) that is a context in the kept counts. */
  usedContextLength(history: ArrayLike<number>): number {
    return this.usedContextLengthAt(history, history.length, Math.min(history.length, this.order - 1));
  }

  /** usedContextLength() of src[end − len .. end) (len ≤ n − 1), without copying the history. */
  usedContextLengthAt(src: ArrayLike<number>, end: number, len: number): number {
    const V = this.vocab;
    let used = 0;
    let h = 0;
    let weight = 1;
    // Not a scan from the longest down: pruning by raw counts keeps contexts suffix-closed, but nothing here needs it.
    for (let j = 1; j <= len; j++) {
      h += checkSymbol(src[end - j], V) * weight;
      weight *= V;
      if (this.tables[j].findContext(h) >= 0) used = j;
    }
    return used;
  }

  /** Cross-entropy, perplexity and next-symbol accuracy on every position but each segment's first. */
  evaluate(partition: EncodedPartition, symbols: readonly string[] = []): LmEvaluation {
    const V = this.vocab;
    const { ids, starts } = partition;
    const dist = this.scratch;
    const count = new Float64Array(V);
    const correct = new Float64Array(V);
    let lossSum = 0;
    let predicted = 0;
    for (let s = 0; s + 1 < starts.length; s++) {
      const from = starts[s];
      for (let g = from + 1; g < starts[s + 1]; g++) {
        this.distributionAt(ids, g, Math.min(g - from, this.order - 1), dist);
        const target = checkSymbol(ids[g], V);
        lossSum -= Math.log(dist[target]);
        predicted++;
        count[target]++;
        if (argmaxRow(dist, 0, V) === target) correct[target]++;
      }
    }
    return summarizeLmEvaluation(lossSum, predicted, count, correct, symbols);
  }
}

/** Counts a partition's n-grams and estimates the model; see the module comment. */
export function trainNgram(partition: EncodedPartition, V: number, config: Partial<NgramConfig> = {}): NgramModel {
  const cfg = { ...defaultNgramConfig(), ...config };
  validate(partition, V, cfg);
  const grams = countGrams(partition, V, cfg.order);
  const tables: OrderTable[] = [];
  const fallback: boolean[] = [];
  for (let k = 1; k <= cfg.order; k++) {
    const { keys, raw, adjusted } = grams[k - 1];
    // Discounts come from the unpruned counts: pruning removes exactly the small counts they are estimated from.
    const est = estimateDiscounts(countOfCounts(adjusted));
    fallback.push(est.fallback);
    const kept = k >= 2 && cfg.prune > 1 ? keepFrequent(keys, raw, adjusted, cfg.prune) : { keys, counts: adjusted };
    tables.push(new OrderTable(k, V, kept.keys, kept.counts, est.discounts));
  }
  return new NgramModel(cfg, V, tables, fallback);
}

/**
 * The k-grams seen at least `min` times in the text. Pruning by the raw count (not the continuation count) keeps the
 * kept set closed under suffixes: a kept k-gram's suffixes occur at least as often, so they are kept too.
 */
function keepFrequent(
  keys: Float64Array,
  raw: Uint32Array,
  adjusted: Uint32Array,
  min: number,
): { keys: Float64Array; counts: Uint32Array } {
  let n = 0;
  for (let i = 0; i < raw.length; i++) if (raw[i] >= min) n++;
  const outKeys = new Float64Array(n);
  const counts = new Uint32Array(n);
  for (let i = 0, j = 0; i < raw.length; i++) {
    if (raw[i] < min) continue;
    outKeys[j] = keys[i];
    counts[j++] = adjusted[i];
  }
  return { keys: outKeys, counts };
}

function validate(partition: EncodedPartition, V: number, cfg: NgramConfig): void {
  if (!(Number.isInteger(V) && V >= 1 && V <= 256)) throw new UserError(`the symbol count must be 1..256 (got ${V})`);
  if (!(Number.isInteger(cfg.order) && cfg.order >= 1)) {
    throw new UserError(`n-gram order must be a whole number ≥ 1 (got ${cfg.order})`);
  }
  // Keys are exact integers in a double: V^order must stay below 2^53.
  if (V ** cfg.order > 2 ** 53) {
    throw new UserError(`n-gram order ${cfg.order} is too high for ${V} symbols (V^order must be at most 2^53)`);
  }
  if (!(Number.isInteger(cfg.prune) && cfg.prune >= 0)) {
    throw new UserError(`n-gram prune threshold must be a whole number ≥ 0 (got ${cfg.prune})`);
  }
  const { ids, starts } = partition;
  if (starts.length === 0 || starts[0] !== 0 || starts[starts.length - 1] !== ids.length) {
    throw new RangeError('partition starts must begin at 0 and end at ids.length');
  }
  if (ids.length === 0) throw new UserError('cannot train an n-gram model on an empty partition');
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] >= V) throw new UserError(`symbol id ${ids[i]} at position ${i} is outside the ${V}-symbol set`);
  }
}

function checkSymbol(w: number, V: number): number {
  if (!(w >= 0 && w < V && Number.isInteger(w))) throw new RangeError(`symbol ${w} is outside 0..${V - 1}`);
  return w;
}
