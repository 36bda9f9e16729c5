// The text-only baseline of a memory signature: how well the symbol at t−δ can be guessed without any memory of it,
// from the symbols read after it up to the state's position (x_{t−δ+1..t}). The state at t is a function of x_1..x_t,
// so a decoder gets this much for free; what it recalls beyond it is memory. The guess comes from a Kneser–Ney count
// model of the reversed train text (the n-gram LM of src/models, trained on each segment read backwards), so that the
// "history" of a symbol is what follows it; its context is capped at TEXT_BASELINE_ORDER − 1 symbols, the nearest
// to the target. It is scored on the decoders' own eval positions, and paired with each decoder on them.

import { UserError } from '../core/errors.js';
import { argmaxRow } from '../core/loss.js';
import type { EncodedPartition } from '../data/corpus.js';
import { NgramModel } from '../models/ngram.js';
import { countGrams } from '../models/ngram-counts.js';
import { countOfCounts, estimateDiscounts } from '../models/ngram-discounts.js';
import { OrderTable } from '../models/ngram-table.js';
import { binomialPValue, wilsonInterval } from './metrics.js';
import type { SampledPositions } from './positions.js';
import type { DeltaTextBaseline } from './signature-types.js';

/**
 * n of the reversed count model: the guess reads at most the n − 1 = 9 symbols after the target, all of them up to
 * δ = 10 (the default Δ). On the State of the Union text (9.5M train symbols) n = 8 reads 0.6 to 1.2 points less
 * at δ = 8..10 and n = 6 up to 4 points less; n = 10 counts in about 12 s there (docs/figures.md).
 */
export const TEXT_BASELINE_ORDER = 10;

/** A partition with every segment read backwards, in reverse segment order: the text as one reversed stream. */
export function reversePartition(p: EncodedPartition): EncodedPartition {
  const L = p.ids.length;
  const ids = new Uint8Array(L);
  for (let i = 0; i < L; i++) ids[i] = p.ids[L - 1 - i]!;
  const S = p.starts.length;
  const starts = new Uint32Array(S);
  for (let s = 0; s < S; s++) starts[s] = L - p.starts[S - 1 - s]!;
  return { ids, starts };
}

/**
 * The reversed count models of a train partition, one per context length: byContext[c] is the Kneser–Ney model of
 * order c + 1, p(x_j | x_{j+1..j+c}). One counting pass serves them all. A separate model per length, not one model
 * of the top order read with a shorter context: interpolated Kneser–Ney keeps raw counts only at its top order and
 * continuation counts below (right for backing off, wrong as the estimate itself), so reading the order-n model with
 * two symbols of context would guess from how many contexts a symbol follows, not from how often.
 */
export interface TextBaselineModel {
  order: number;
  /** Index 0 is unused (δ ≥ 1 always has a context); index c ≤ order − 1 is the model of order c + 1. */
  byContext: NgramModel[];
}

export function trainTextBaseline(train: EncodedPartition, V: number, order = TEXT_BASELINE_ORDER): TextBaselineModel {
  const n = orderFor(V, order);
  if (n < 2) throw new RangeError(`the text-only baseline needs an order of at least 2 (got ${n})`);
  if (train.ids.length === 0) throw new UserError('cannot estimate the text-only baseline on an empty train partition');
  const grams = countGrams(reversePartition(train), V, n);
  // Per order k: the table with raw counts (when k is a model's top order) and with continuation counts (below it).
  const table = (k: number, counts: Uint32Array) => {
    const { discounts, fallback } = estimateDiscounts(countOfCounts(counts));
    return { table: new OrderTable(k, V, grams[k - 1]!.keys, counts, discounts), fallback };
  };
  const raw = grams.map((g, i) => table(i + 1, g.raw));
  const lower = grams.map((g, i) => (i + 1 === n ? raw[i]! : table(i + 1, g.adjusted)));
  const byContext: NgramModel[] = [];
  for (let c = 1; c < n; c++) {
    const tables = [...lower.slice(0, c), raw[c]!];
    byContext[c] = new NgramModel(
      { order: c + 1, prune: 0 },
      V,
      tables.map((t) => t.table),
      tables.map((t) => t.fallback),
    );
  }
  return { order: n, byContext };
}

/** `order`, lowered where V^order would pass 2^53 (the count keys are exact integers in a double). */
export function orderFor(V: number, order: number): number {
  let n = order;
  while (n > 1 && V ** n > 2 ** 53) n--;
  return n;
}

/** The baseline's guesses at one δ, per eval position (aligned with the position sample's labels). */
export interface TextBaselineGuesses {
  delta: number;
  order: number;
  /** Symbols of context read: min(δ, order − 1). */
  context: number;
  /** Most probable symbol per position (lowest id on a tie), −1 where the label is −1. */
  predictions: Int32Array;
  /** Σ ln p(true symbol) over the positions whose label is not −1. */
  logLikelihood: number;
}

/**
 * The guesses of `model` for the symbol δ back at each sampled position of `partition`, δ = 1..maxDelta. The context
 * is the min(δ, n − 1) symbols just after the target: all of them lie between the target and the state's position,
 * so in the state's segment (a label of −1 marks positions whose segment does not reach back δ).
 */
export function guessFromText(
  model: TextBaselineModel,
  partition: EncodedPartition,
  positions: SampledPositions,
  maxDelta: number,
): TextBaselineGuesses[] {
  const reversed = reversePartition(partition).ids;
  const L = reversed.length;
  const V = model.byContext[1]!.vocab;
  const dist = new Float64Array(V);
  const out: TextBaselineGuesses[] = [];
  for (let delta = 1; delta <= maxDelta; delta++) {
    const labels = positions.labels[delta - 1];
    if (!labels) throw new RangeError(`the positions have no labels for δ ${delta}`);
    const context = Math.min(delta, model.order - 1);
    const ngram = model.byContext[context]!;
    const predictions = new Int32Array(labels.length).fill(-1);
    let logLikelihood = 0;
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i]!;
      if (label < 0) continue;
      // Target x_p, p = t − δ, is reversed[L − 1 − p]; the symbols after it, nearest first, are the ones before that.
      const j = L - 1 - (positions.index[i]! - delta);
      ngram.distributionAt(reversed, j, context, dist);
      predictions[i] = argmaxRow(dist, 0, V);
      logLikelihood += Math.log(dist[label]!);
    }
    out.push({ delta, order: model.order, context, predictions, logLikelihood });
  }
  return out;
}

/**
 * The text-only baseline at one δ as the signature records it, paired with the decoder whose eval predictions are
 * `decoderPredictions` (same positions; −1 where the label is −1).
 */
export function describeTextBaseline(
  guesses: TextBaselineGuesses,
  labels: Int32Array,
  decoderPredictions: Int32Array,
  V: number,
): DeltaTextBaseline {
  const { predictions } = guesses;
  if (predictions.length !== labels.length || decoderPredictions.length !== labels.length) {
    throw new RangeError(`δ ${guesses.delta}: predictions and labels differ in length`);
  }
  const count = new Float64Array(V);
  const correct = new Float64Array(V);
  let n = 0;
  let right = 0;
  let decoderOnly = 0;
  let baselineOnly = 0;
  for (let i = 0; i < labels.length; i++) {
    const s = labels[i]!;
    if (s < 0) continue;
    const textRight = predictions[i] === s;
    const decoderRight = decoderPredictions[i] === s;
    n++;
    count[s]++;
    if (textRight) {
      right++;
      correct[s]++;
    }
    if (decoderRight && !textRight) decoderOnly++;
    if (textRight && !decoderRight) baselineOnly++;
  }
  if (n === 0) throw new RangeError(`δ ${guesses.delta}: no eval position to score the text-only baseline on`);
  return {
    order: guesses.order,
    context: guesses.context,
    accuracy: right / n,
    accuracyInterval: wilsonInterval(right, n),
    recall: Array.from(count, (c, s) => (c > 0 ? correct[s]! / c : null)),
    crossEntropyBits: -guesses.logLikelihood / n / Math.LN2,
    decoderOnly,
    baselineOnly,
    excessPValue: binomialPValue(decoderOnly, decoderOnly + baselineOnly, 0.5),
    excessInterval: pairedDifferenceInterval(decoderOnly, baselineOnly, n),
  };
}

/**
 * 95% interval of the paired accuracy difference (decoderOnly − baselineOnly) / n on the same n positions (the
 * normal approximation to the difference of two correlated proportions, from its discordant pairs), within [−1, 1].
 */
export function pairedDifferenceInterval(
  decoderOnly: number,
  baselineOnly: number,
  n: number,
  z = 1.959964,
): { low: number; high: number } {
  const diff = (decoderOnly - baselineOnly) / n;
  const variance = Math.max(0, (decoderOnly + baselineOnly) / n - diff * diff) / n;
  const half = z * Math.sqrt(variance);
  return { low: Math.max(-1, diff - half), high: Math.min(1, diff + half) };
}

/** Everything signature.ts needs: the guesses per δ from the train partition's model, on the eval positions. */
export function measureTextBaseline(
  partitions: { train: EncodedPartition; eval: EncodedPartition },
  evalPositions: SampledPositions,
  maxDelta: number,
  V: number,
  order = TEXT_BASELINE_ORDER,
): TextBaselineGuesses[] {
  return guessFromText(trainTextBaseline(partitions.train, V, order), partitions.eval, evalPositions, maxDelta);
}
