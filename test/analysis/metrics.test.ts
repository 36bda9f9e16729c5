import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecoderOutcome } from '../../src/analysis/decoders.js';
import {
  binomialPValue,
  buildDeltaSignature,
  confusionMatrix,
  type DecoderResult,
  entropyBits,
  informationBits,
  labelledAccuracy,
  majorityChance,
  recallPerSymbol,
  symbolPrior,
  wilsonInterval,
} from '../../src/analysis/metrics.js';

// decoders.ts's outcome must be accepted by buildDeltaSignature as it is (checked by the compiler).
const acceptsFitDecoders = (o: DecoderOutcome): DecoderResult => o;
void acceptsFitDecoders;

function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} ≠ ${expected} (±${tol})`);
}

// ---- Exact binomial tails with rational arithmetic (p0 = a / b) ----

function bigToNumber(num: bigint, den: bigint): number {
  // num / den with ~64 significant bits before rounding to a double.
  if (num === 0n) return 0;
  const shift = BigInt(den.toString(2).length - num.toString(2).length + 64);
  const q = shift >= 0n ? (num << shift) / den : num / (den << -shift);
  return Number(q) * 2 ** -Number(shift);
}

/** P[X ≥ k], X ~ Binomial(n, a/b), exactly. */
function exactUpperTail(k: number, n: number, a: number, b: number): number {
  const A = BigInt(a);
  const Q = BigInt(b - a);
  let term = Q ** BigInt(n); // C(n, 0)·a^0·(b−a)^n
  let sum = 0n;
  for (let x = 0; x <= n; x++) {
    if (x >= k) sum += term;
    // C(n, x+1)·a^(x+1)·(b−a)^(n−x−1) = term · (n−x)·a / ((x+1)·(b−a)), an exact division.
    if (x < n) term = (term * BigInt(n - x) * A) / (BigInt(x + 1) * Q);
  }
  return bigToNumber(sum, BigInt(b) ** BigInt(n));
}

test('symbolPrior, majorityChance and entropy on hand-worked counts', () => {
  const labels = Int32Array.from([0, 0, 0, 1, 2, -1, -1]);
  const prior = symbolPrior(labels, 4);
  assert.deepEqual(prior, [0.6, 0.2, 0.2, 0]);
  assert.deepEqual(majorityChance(prior), { accuracy: 0.6, symbol: 0 });
  // A tie goes to the lowest id.
  assert.deepEqual(majorityChance([0.1, 0.45, 0.45]), { accuracy: 0.45, symbol: 1 });
  assert.deepEqual(symbolPrior(Int32Array.from([-1, -1]), 3), [0, 0, 0]);
  assert.throws(() => symbolPrior(Int32Array.from([3]), 3), RangeError);
  close(entropyBits(prior), -(0.6 * Math.log2(0.6) + 0.4 * Math.log2(0.2)), 1e-15);
  for (const V of [1, 2, 5, 29, 64]) close(entropyBits(new Array(V).fill(1 / V)), Math.log2(V), 1e-13, `V ${V}`);
  assert.equal(entropyBits([1, 0, 0]), 0);
  assert.equal(informationBits(1.5, 0.25), 1.25);
  assert.equal(informationBits(1.5, 2), 0);
});

test('a 3-symbol confusion matrix and its per-symbol recall', () => {
  const labels = Int32Array.from([0, 0, 1, 2, 2, 2, -1, 1]);
  const predictions = Int32Array.from([0, 1, 1, 2, 0, 2, -1, 1]);
  const confusion = confusionMatrix(labels, predictions, 3);
  assert.deepEqual(confusion, [
    [1, 1, 0],
    [0, 2, 0],
    [1, 0, 2],
  ]);
  assert.deepEqual(recallPerSymbol(confusion), { count: [2, 2, 3], recall: [0.5, 1, 2 / 3] });
  assert.deepEqual(
    recallPerSymbol([
      [0, 0],
      [1, 1],
    ]).recall,
    [null, 0.5],
  );
  assert.throws(() => confusionMatrix(labels, Int32Array.from([0, 0, 1, 2, 2, 2, -1, -1]), 3), RangeError);
  assert.throws(() => confusionMatrix(labels, predictions.subarray(1), 3), RangeError);
});

test('Wilson intervals match published values (Newcombe 1998, table I)', () => {
  const cases: [number, number, number, number][] = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ];
  for (const [x, n, low, high] of cases) {
    const ci = wilsonInterval(x, n);
    close(ci.low, low, 5e-5, `${x}/${n} low`);
    close(ci.high, high, 5e-5, `${x}/${n} high`);
  }
  assert.deepEqual(wilsonInterval(20, 20).high, 1);
  assert.deepEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
  // The formula itself, at another z.
  const z = 1;
  const p = 0.3;
  const n = 10;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  const ci = wilsonInterval(3, 10, z);
  close(ci.low, centre - half, 1e-15);
  close(ci.high, centre + half, 1e-15);
});

test('binomial p-values equal exact sums at small n', () => {
  for (const [n, a, b] of [
    [1, 1, 2],
    [7, 3, 5],
    [20, 3, 10],
    [29, 1, 29],
    [60, 9, 10],
  ] as const) {
    for (let k = -1; k <= n + 1; k++) {
      const exact = k <= 0 ? 1 : exactUpperTail(k, n, a, b);
      const got = binomialPValue(k, n, a / b);
      // Relative accuracy where the tail is small, absolute (far under 1e-12) where it is large.
      close(got, exact, Math.max(1e-15, 1e-13 * exact), `P[X ≥ ${k}], n ${n}, p ${a}/${b}`);
    }
  }
});

test('binomial p-values: known tails, large n, and the far tail', () => {
  // P[X ≥ 60], n = 100, p = 1/2: Σ C(100, k)/2^100 over k ≥ 60, correctly rounded (R: pbinom(59, 100, 0.5, FALSE)).
  close(binomialPValue(60, 100, 0.5), 0.028443966820490395, 1e-16);
  close(binomialPValue(60, 100, 0.5), exactUpperTail(60, 100, 1, 2), 1e-16);
  // The whole upper tail at n = 100 for p = 1/2: the exact value of every k.
  for (let k = 0; k <= 100; k++) {
    const exact = exactUpperTail(k, 100, 1, 2);
    close(binomialPValue(k, 100, 0.5), exact, Math.max(1e-16, 1e-13 * exact), `k ${k}`);
  }
  // n = 3000 around and far beyond the mode of Binomial(3000, 0.1).
  for (const k of [1, 250, 299, 300, 301, 330, 400, 600, 1500, 3000]) {
    const exact = exactUpperTail(k, 3000, 1, 10);
    close(binomialPValue(k, 3000, 0.1), exact, Math.max(1e-15, 1e-12 * exact), `n 3000, k ${k}`);
  }
  // 1/2^100 exactly; and tails below the smallest double are 0, but only those.
  close(binomialPValue(100, 100, 0.5), 2 ** -100, 1e-13 * 2 ** -100);
  assert.ok(binomialPValue(1000, 1000, 0.5) > 0); // 2^-1000 ≈ 9.3e-302
  assert.equal(binomialPValue(1100, 1100, 0.5), 0); // 2^-1100 is below the smallest double
  // Degenerate probabilities and counts.
  assert.equal(binomialPValue(0, 10, 0.3), 1);
  assert.equal(binomialPValue(11, 10, 0.3), 0);
  assert.equal(binomialPValue(1, 10, 0), 0);
  assert.equal(binomialPValue(10, 10, 1), 1);
  assert.equal(binomialPValue(0, 0, 0.5), 1);
  assert.throws(() => binomialPValue(1, 10, 1.5), RangeError);
  assert.throws(() => binomialPValue(1.5, 10, 0.5), RangeError);
  // Large n stays fast and sane: 100k trials at the mode.
  const mid = binomialPValue(50_000, 100_000, 0.5);
  // ½ + ½·P[X = n/2], and P[X = n/2] = √(2/(πn))·(1 − 1/(4n) + …).
  close(mid, 0.5 + 0.5 * Math.sqrt(2 / (Math.PI * 100_000)), 1e-8);
});

test('buildDeltaSignature assembles a worked example', () => {
  const outcome: DecoderResult = {
    keepProb: 0.8,
    epochs: 4,
    devAccuracy: 0.5,
    evalPredictions: Int32Array.from([0, 1, 1, 2, 0, 2, -1, 1]),
    evalLogLikelihood: -7 * Math.LN2, // 1 bit per symbol
    evalCount: 7,
  };
  const sig = buildDeltaSignature({
    delta: 2,
    alphabet: ['a', 'b', 'c'],
    trainLabels: Int32Array.from([0, 0, 0, 1, 2, -1]),
    devLabels: Int32Array.from([1, -1, 2]),
    evalLabels: Int32Array.from([0, 0, 1, 2, 2, 2, -1, 1]),
    outcome,
  });
  const pValue = 21 * 0.6 ** 5 * 0.4 ** 2 + 7 * 0.6 ** 6 * 0.4 + 0.6 ** 7;
  const priorEntropy = -(0.6 * Math.log2(0.6) + 0.4 * Math.log2(0.2));
  assert.deepEqual(Object.keys(sig), [
    'delta',
    'positions',
    'keepProb',
    'epochs',
    'devAccuracy',
    'accuracy',
    'accuracyInterval',
    'chanceAccuracy',
    'chanceSymbol',
    'pValue',
    'count',
    'recall',
    'prior',
    'confusion',
    'crossEntropyBits',
    'priorEntropyBits',
    'informationBits',
  ]);
  assert.equal(sig.delta, 2);
  assert.deepEqual(sig.positions, { train: 5, dev: 2, eval: 7 });
  assert.equal(sig.keepProb, 0.8);
  assert.equal(sig.epochs, 4);
  assert.equal(sig.devAccuracy, 0.5);
  assert.equal(sig.accuracy, 5 / 7);
  assert.deepEqual(sig.accuracyInterval, wilsonInterval(5, 7));
  assert.equal(sig.chanceAccuracy, 0.6);
  assert.equal(sig.chanceSymbol, 'a');
  close(sig.pValue, pValue, 1e-15);
  assert.deepEqual(sig.count, [2, 2, 3]);
  assert.deepEqual(sig.recall, [0.5, 1, 2 / 3]);
  assert.deepEqual(sig.prior, [0.6, 0.2, 0.2]);
  assert.deepEqual(sig.confusion, [
    [1, 1, 0],
    [0, 2, 0],
    [1, 0, 2],
  ]);
  close(sig.crossEntropyBits, 1, 1e-15);
  close(sig.priorEntropyBits, priorEntropy, 1e-15);
  close(sig.informationBits, priorEntropy - 1, 1e-15);
  // Inconsistent decoder outcomes are bugs, reported.
  const build = (o: Partial<DecoderResult>, trainLabels = Int32Array.from([0])) =>
    buildDeltaSignature({
      delta: 1,
      alphabet: ['a', 'b', 'c'],
      trainLabels,
      devLabels: Int32Array.from([]),
      evalLabels: Int32Array.from([0, 1]),
      outcome: { ...outcome, evalPredictions: Int32Array.from([0, 0]), evalCount: 2, ...o },
    });
  assert.equal(build({}).accuracy, 0.5);
  assert.throws(() => build({ evalCount: 3 }), /counted 3 eval positions, not 2/);
  assert.throws(() => build({ evalLogLikelihood: Number.NEGATIVE_INFINITY }), /not a finite log-probability/);
  assert.throws(() => build({}, Int32Array.from([-1])), /no training position/);
  assert.throws(() => build({ keepProb: Number.NaN }), /keep probability NaN is not in \(0, 1\]/);
  assert.throws(() => build({ devAccuracy: Number.NEGATIVE_INFINITY }), /dev accuracy -Infinity is not in \[0, 1\]/);
});

test('labelledAccuracy() counts right predictions over the labelled positions only', () => {
  const labels = Int32Array.from([0, -1, 2, 1, -1]);
  const predictions = Int32Array.from([0, 0, 1, 1, 3]);
  assert.deepEqual(labelledAccuracy(labels, predictions), { correct: 2, accuracy: 2 / 3 });
  assert.deepEqual(labelledAccuracy(Int32Array.from([-1]), Int32Array.from([0])), { correct: 0, accuracy: 0 });
});
