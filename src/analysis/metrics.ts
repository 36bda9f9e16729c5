// The numbers of a memory signature, computed from labels, predictions and counts: priors and chance levels,
// confusion and per-symbol recall, Wilson intervals, exact binomial p-values and information in bits. All pure; no
// rounding (the signature file keeps every number as computed).

import type { DeltaSignature } from './signature-types.js';

/** Fraction of each symbol 0..V−1 among the labels that are not −1 (all 0 when there are none). */
export function symbolPrior(labels: Int32Array, V: number): number[] {
  const counts = new Array<number>(V).fill(0);
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const s = labels[i]!;
    if (s < 0) continue;
    if (s >= V) throw new RangeError(`label ${s} is outside the alphabet of ${V} symbols`);
    counts[s]++;
    total++;
  }
  return total > 0 ? counts.map((c) => c / total) : counts;
}

/** Always guessing the most probable symbol (the lowest id on a tie): its accuracy under `prior`, and the symbol. */
export function majorityChance(prior: readonly number[]): { accuracy: number; symbol: number } {
  let symbol = 0;
  for (let s = 1; s < prior.length; s++) if (prior[s]! > prior[symbol]!) symbol = s;
  return { accuracy: prior[symbol] ?? 0, symbol };
}

/** Shannon entropy of a distribution, in bits (0·log 0 = 0). */
export function entropyBits(prior: readonly number[]): number {
  let h = 0;
  for (const p of prior) if (p > 0) h -= p * Math.log2(p);
  return h;
}

/** Right predictions over the positions whose label is not −1: their count, and the accuracy (0 with none). */
export function labelledAccuracy(labels: Int32Array, predictions: Int32Array): { correct: number; accuracy: number } {
  let correct = 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === -1) continue;
    n++;
    if (predictions[i] === labels[i]) correct++;
  }
  return { correct, accuracy: n > 0 ? correct / n : 0 };
}

/** Counts confusion[true][predicted] over the positions whose label is not −1. */
export function confusionMatrix(labels: Int32Array, predictions: Int32Array, V: number): number[][] {
  if (predictions.length !== labels.length) {
    throw new RangeError(`${predictions.length} predictions for ${labels.length} labels`);
  }
  const confusion = Array.from({ length: V }, () => new Array<number>(V).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const s = labels[i]!;
    if (s < 0) continue;
    const p = predictions[i]!;
    if (s >= V) throw new RangeError(`label ${s} is outside the alphabet of ${V} symbols`);
    if (!(p >= 0 && p < V)) throw new RangeError(`prediction ${p} at row ${i} is outside the alphabet of ${V} symbols`);
    confusion[s]![p]!++;
  }
  return confusion;
}

/** Per true symbol (row): how often it occurs, and the fraction predicted right (null where it never occurs). */
export function recallPerSymbol(confusion: readonly (readonly number[])[]): {
  count: number[];
  recall: (number | null)[];
} {
  const count = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const recall = confusion.map((row, s) => (count[s]! > 0 ? row[s]! / count[s]! : null));
  return { count, recall };
}

/**
 * Wilson score interval for a binomial proportion (no continuity correction); z = 1.959964 gives 95%. For n = 0
 * (nothing observed) the interval is [0, 1].
 */
export function wilsonInterval(successes: number, n: number, z = 1.959964): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  if (!(successes >= 0 && successes <= n)) throw new RangeError(`${successes} successes out of ${n}`);
  const p = successes / n;
  const z2 = z * z;
  const scale = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / scale;
  const half = (z / scale) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Exact at the ends (the formula gives 0 and 1 only up to rounding).
  return {
    low: successes === 0 ? 0 : Math.max(0, center - half),
    high: successes === n ? 1 : Math.min(1, center + half),
  };
}

/**
 * One-sided p-value P[X ≥ successes] for X ~ Binomial(n, p0), computed exactly (no normal approximation): the
 * binomial probabilities come from Loader's saddle-point formula (as R's dbinom: relative error near machine
 * precision at any n) and are summed over the shorter side, the upper tail directly when `successes` is above the
 * mode and 1 − the lower tail otherwise, stopping once the remaining terms cannot change the sum. Absolute error is a
 * few units of 1e-16 times the number of terms summed; the result is 0 only when the tail is below the smallest
 * double. Cost: O(√(n·p0·(1−p0))) terms in the usual case, at most O(n).
 */
export function binomialPValue(successes: number, n: number, p0: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`binomial n must be a whole number ≥ 0 (got ${n})`);
  if (!Number.isSafeInteger(successes)) throw new RangeError(`successes must be a whole number (got ${successes})`);
  if (!(p0 >= 0 && p0 <= 1)) throw new RangeError(`binomial p must lie in [0, 1] (got ${p0})`);
  if (successes <= 0) return 1;
  if (successes > n) return 0;
  const q0 = 1 - p0;
  const mode = Math.floor((n + 1) * p0);
  if (successes > mode) {
    // Terms fall from `successes` on.
    let sum = 0;
    for (let x = successes; x <= n; x++) {
      const term = binomialProbability(x, n, p0, q0);
      sum += term;
      if (term <= sum * 1e-17) break;
    }
    return Math.min(1, sum);
  }
  // successes ≤ mode: the upper tail holds the mode, so it is large; 1 − P[X ≤ successes − 1], terms falling downward.
  let lower = 0;
  for (let x = successes - 1; x >= 0; x--) {
    const term = binomialProbability(x, n, p0, q0);
    lower += term;
    if (term <= lower * 1e-17) break;
  }
  return Math.max(0, 1 - lower);
}

/** Information the decoder recovered: max(0, prior entropy − decoder cross-entropy), bits. */
export function informationBits(priorEntropyBits: number, crossEntropyBits: number): number {
  return Math.max(0, priorEntropyBits - crossEntropyBits);
}

/**
 * What buildDeltaSignature reads of a trained decoder (δ, l): a subset of decoders.ts's DecoderOutcome, which can be
 * passed as it is.
 */
export interface DecoderResult {
  keepProb: number;
  epochs: number;
  devAccuracy: number;
  /** Predicted symbol per eval position, −1 where the position is unused (its label is −1). */
  evalPredictions: Int32Array;
  /** Sum over the counted eval positions of ln P(true symbol), natural log. */
  evalLogLikelihood: number;
  /** Eval positions counted (those whose label is not −1). */
  evalCount: number;
}

export interface DeltaSignatureInput {
  delta: number;
  alphabet: readonly string[];
  /** Labels for this δ in each partition's sample (−1: unused). */
  trainLabels: Int32Array;
  devLabels: Int32Array;
  evalLabels: Int32Array;
  outcome: DecoderResult;
}

/**
 * Assembles a DeltaSignature. The prior and chance come from the training labels: chance is the accuracy, under the
 * training prior, of always guessing the most frequent training symbol, and the p-value tests the eval accuracy
 * against it (exact one-sided binomial test, see binomialPValue).
 */
export function buildDeltaSignature(input: DeltaSignatureInput): DeltaSignature {
  const { delta, alphabet, outcome } = input;
  const V = alphabet.length;
  const used = (labels: Int32Array) => labels.reduce((n, s) => (s >= 0 ? n + 1 : n), 0);
  const positions = { train: used(input.trainLabels), dev: used(input.devLabels), eval: used(input.evalLabels) };
  if (positions.train === 0) throw new RangeError(`δ ${delta}: no training position reaches back ${delta} symbols`);
  if (positions.eval === 0) throw new RangeError(`δ ${delta}: no eval position reaches back ${delta} symbols`);
  if (outcome.evalCount !== positions.eval) {
    throw new RangeError(`δ ${delta}: the decoder counted ${outcome.evalCount} eval positions, not ${positions.eval}`);
  }
  if (!(outcome.keepProb > 0 && outcome.keepProb <= 1)) {
    throw new RangeError(`δ ${delta}: keep probability ${outcome.keepProb} is not in (0, 1]`);
  }
  if (!(outcome.devAccuracy >= 0 && outcome.devAccuracy <= 1)) {
    throw new RangeError(`δ ${delta}: dev accuracy ${outcome.devAccuracy} is not in [0, 1]`);
  }
  if (!Number.isFinite(outcome.evalLogLikelihood) || outcome.evalLogLikelihood > 0) {
    throw new RangeError(
      `δ ${delta}: eval log-likelihood ${outcome.evalLogLikelihood} is not a finite log-probability`,
    );
  }
  const confusion = confusionMatrix(input.evalLabels, outcome.evalPredictions, V);
  const { count, recall } = recallPerSymbol(confusion);
  let correct = 0;
  for (let s = 0; s < V; s++) correct += confusion[s]![s]!;
  const n = positions.eval;
  const prior = symbolPrior(input.trainLabels, V);
  const chance = majorityChance(prior);
  const crossEntropyBits = -outcome.evalLogLikelihood / n / Math.LN2;
  const priorEntropyBits = entropyBits(prior);
  return {
    delta,
    positions,
    keepProb: outcome.keepProb,
    epochs: outcome.epochs,
    devAccuracy: outcome.devAccuracy,
    accuracy: correct / n,
    accuracyInterval: wilsonInterval(correct, n),
    chanceAccuracy: chance.accuracy,
    chanceSymbol: alphabet[chance.symbol]!,
    pValue: binomialPValue(correct, n, chance.accuracy),
    count,
    recall,
    prior,
    confusion,
    crossEntropyBits,
    priorEntropyBits,
    informationBits: informationBits(priorEntropyBits, crossEntropyBits),
  };
}

// ---- Binomial probabilities (C. Loader, "Fast and accurate computation of binomial probabilities", 2000) ----

const LN_2PI = Math.log(2 * Math.PI);
const LN_SQRT_2PI = 0.5 * LN_2PI;

// stirlerr(k) = ln k! − ln(√(2πk)·(k/e)^k), exact-ish below 16 from ln k! (k! is exact in a double there), and the
// Stirling series above (its truncation error is below 1e-16 from k = 16).
const STIRLERR_SMALL: number[] = (() => {
  const table = [0];
  let factorial = 1;
  for (let k = 1; k <= 15; k++) {
    factorial *= k;
    table.push(Math.log(factorial) - (k + 0.5) * Math.log(k) + k - LN_SQRT_2PI);
  }
  return table;
})();

function stirlerr(k: number): number {
  if (k <= 15) return STIRLERR_SMALL[k]!;
  const S0 = 1 / 12;
  const S1 = 1 / 360;
  const S2 = 1 / 1260;
  const S3 = 1 / 1680;
  const S4 = 1 / 1188;
  const kk = k * k;
  if (k > 500) return (S0 - S1 / kk) / k;
  if (k > 80) return (S0 - (S1 - S2 / kk) / kk) / k;
  if (k > 35) return (S0 - (S1 - (S2 - S3 / kk) / kk) / kk) / k;
  return (S0 - (S1 - (S2 - (S3 - S4 / kk) / kk) / kk) / kk) / k;
}

// bd0(x, m) = x·ln(x/m) + m − x, without the cancellation of the direct formula when x ≈ m.
function bd0(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    let v = (x - m) / (x + m);
    let s = (x - m) * v;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
  }
  return x * Math.log(x / m) + m - x;
}

/** P[X = x] for X ~ Binomial(n, p), q = 1 − p given separately so that it keeps full precision. */
function binomialProbability(x: number, n: number, p: number, q: number): number {
  if (p === 0) return x === 0 ? 1 : 0;
  if (q === 0) return x === n ? 1 : 0;
  if (x === 0) return Math.exp(p < 0.1 ? -bd0(n, n * q) - n * p : n * Math.log(q));
  if (x === n) return Math.exp(q < 0.1 ? -bd0(n, n * p) - n * q : n * Math.log(p));
  if (x < 0 || x > n) return 0;
  const lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
  const lf = LN_2PI + Math.log(x) + Math.log1p(-x / n);
  return Math.exp(lc - 0.5 * lf);
}
