import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featureStats } from '../../src/analysis/decoder-kernels.js';
import { type DecoderData, defaultDecoderConfig, fitDecoders } from '../../src/analysis/decoders.js';
import { labelledAccuracy } from '../../src/analysis/metrics.js';
import { memoryShards } from '../../src/analysis/train-shards.js';
import { InputWhitener, standardizedCovariance, whiteningMatrix } from '../../src/analysis/whitening.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';

/** Rows of D correlated features: x = z·M for standard normal z and a fixed mixing M (so Σ = MᵀM), plus an offset. */
function correlatedRows(n: number, D: number, rng: Rng): { x: Float32Array; mix: Float64Array } {
  const mix = new Float64Array(D * D);
  for (let i = 0; i < D * D; i++) mix[i] = rng.normal() + (i % (D + 1) === 0 ? 2 : 0);
  const x = new Float32Array(n * D);
  const z = new Float64Array(D);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < D; k++) z[k] = rng.normal();
    for (let j = 0; j < D; j++) {
      let s = 3 + j; // an offset, which standardization removes
      for (let k = 0; k < D; k++) s += z[k]! * mix[k * D + j]!;
      x[r * D + j] = s;
    }
  }
  return { x, mix };
}

/** (D+1)-wide rows [x 1] times the (D+1, D+1) matrix, in float64. */
function times(rows: Float64Array[], w: Float32Array, D: number): Float64Array[] {
  return rows.map((row) => {
    const out = new Float64Array(D + 1);
    for (let j = 0; j <= D; j++) for (let k = 0; k <= D; k++) out[j] += row[k]! * w[k * (D + 1) + j]!;
    return out;
  });
}

test('whitened standardized states have the identity covariance, and the bias column is left as it is', () => {
  const D = 6;
  const n = 20_000;
  const { x } = correlatedRows(n, D, new Rng(3));
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const stats = featureStats(x, D, all);
  const shards = memoryShards(x, D, Int32Array.from([0, n / 2, n]));
  const { covariance, rows } = standardizedCovariance(shards, stats, () => true, n);
  assert.equal(rows, n);
  // Standardized: unit variances on the diagonal; correlated: large entries off it.
  for (let i = 0; i < D; i++) assert.ok(Math.abs(covariance[i * D + i]! - 1) < 1e-5); // float32 statistics
  assert.ok(Math.max(...covariance.filter((_, k) => k % (D + 1) !== 0).map(Math.abs)) > 0.3);
  const w = whiteningMatrix(covariance, D, 0);
  assert.equal(w[D * (D + 1) + D], 1);
  for (let j = 0; j < D; j++) {
    assert.equal(w[D * (D + 1) + j], 0, 'the bias row adds nothing to the features');
    assert.equal(w[j * (D + 1) + D], 0, 'the features add nothing to the bias');
  }
  const standardized = Array.from({ length: n }, (_, r) => {
    const row = new Float64Array(D + 1);
    for (let j = 0; j < D; j++) row[j] = (x[r * D + j]! - stats.mean[j]!) * stats.invStd[j]!;
    row[D] = 1;
    return row;
  });
  const white = times(standardized, w, D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      const c = white.reduce((a, row) => a + row[i]! * row[j]!, 0) / n;
      assert.ok(Math.abs(c - (i === j ? 1 : 0)) < 1e-3, `cov[${i}][${j}] = ${c}`);
    }
  }
  assert.ok(white.every((row) => row[D] === 1));
});

test('the covariance is estimated on the first used rows in shard order, up to the cap', () => {
  const D = 3;
  const x = new Float32Array([1, 0, 0, -1, 0, 0, 5, 5, 5, 0, 1, 0, 0, -1, 0]);
  const stats = { mean: new Float32Array(D), invStd: new Float32Array(D).fill(1) };
  const shards = memoryShards(x, D, Int32Array.from([0, 3, 5]));
  // Row 2 is unused; the cap of 4 rows takes rows 0, 1, 3, 4.
  const { covariance, rows } = standardizedCovariance(shards, stats, (r) => r !== 2, 4);
  assert.equal(rows, 4);
  assert.deepEqual(Array.from(covariance), [0.5, 0, 0, 0, 0.5, 0, 0, 0, 0]);
  // Directions of no variance are scaled by 1/√ε, not divided by zero.
  const w = whiteningMatrix(covariance, D, 0.01);
  assert.ok(Math.abs(w[2 * (D + 1) + 2]! - 10) < 1e-4);
  assert.ok(Math.abs(w[0]! - 1 / Math.sqrt(0.51)) < 1e-5);
});

test('InputWhitener multiplies the first nb rows of the input in place and leaves the rest', () => {
  const D = 2;
  const w = new Float32Array([2, 1, 0, 0, 3, 0, 0, 0, 1]);
  const input = new Float32Array([1, 1, 1, 2, -1, 1, 7, 7, 7]);
  new InputWhitener(w, D, 3).apply(tsGemm, input, 2);
  assert.deepEqual(Array.from(input), [2, 4, 1, 4, -1, 1, 7, 7, 7]);
});

/**
 * A state that holds the last two symbols (one-hot) behind a strong random correlation: each feature is mostly a
 * shared mix of the others. Decoders with and without whitening must both read the history, and no further.
 */
function mixedHistoryData(): DecoderData {
  const V = 4;
  const K = 2;
  const D = K * V;
  const rng = new Rng(11);
  const mix = new Float32Array(D * D);
  for (let i = 0; i < D * D; i++) mix[i] = (i % (D + 1) === 0 ? 1 : 0) + 0.8 * rng.normal();
  const part = (segments: number) => {
    const T = 16;
    const n = segments * T;
    const x = new Float32Array(n * D);
    const labels = Array.from({ length: K + 1 }, () => new Int32Array(n));
    const onehot = new Float32Array(D);
    for (let g = 0; g < segments; g++) {
      const s = Array.from({ length: T }, () => Math.floor(rng.next() * V));
      for (let t = 0; t < T; t++) {
        const row = g * T + t;
        onehot.fill(0);
        for (let j = 1; j <= K; j++) if (t - j >= 0) onehot[(j - 1) * V + s[t - j]!] = 1;
        for (let c = 0; c < D; c++) {
          let v = 0;
          for (let k = 0; k < D; k++) v += onehot[k]! * mix[k * D + c]!;
          x[row * D + c] = v;
        }
        for (let d = 1; d <= K + 1; d++) labels[d - 1]![row] = t - d >= 0 ? s[t - d]! : -1;
      }
    }
    return { x, n, labels };
  };
  const [train, dev, ev] = [300, 60, 120].map(part);
  return {
    train: train!.x,
    dev: dev!.x,
    eval: ev!.x,
    nTrain: train!.n,
    nDev: dev!.n,
    nEval: ev!.n,
    D,
    trainLabels: train!.labels,
    devLabels: dev!.labels,
    evalLabels: ev!.labels,
    V,
  };
}

test('decoders on whitened input still read exactly what the state holds (and with --no-whiten too)', () => {
  const data = mixedHistoryData();
  for (const whiten of [true, false]) {
    const outcomes = fitDecoders(tsGemm, data, {
      ...defaultDecoderConfig(),
      hidden: [16],
      keepProbs: [1],
      maxEpochs: 12,
      lr: 1e-2,
      whiten,
    });
    const accuracy = (d: number) =>
      labelledAccuracy(data.evalLabels[d - 1]!, outcomes[d - 1]!.evalPredictions).accuracy;
    assert.ok(accuracy(1) > 0.97 && accuracy(2) > 0.97, `whiten ${whiten}: δ 1–2 ${accuracy(1)} ${accuracy(2)}`);
    assert.ok(accuracy(3) < 0.4, `whiten ${whiten}: δ 3 is not in the state (${accuracy(3)}, chance 0.25)`);
  }
});

test('on fewer than 10 train rows per feature the decoders read the standardized state, as with --no-whiten', () => {
  const full = mixedHistoryData();
  const D = full.D;
  const n = 9 * D; // under WHITENING_MIN_ROWS_PER_FEATURE rows per feature
  const few: DecoderData = {
    ...full,
    train: full.train.slice(0, n * D),
    nTrain: n,
    trainLabels: full.trainLabels.map((l) => l.slice(0, n)),
  };
  const config = { ...defaultDecoderConfig(), hidden: [8], keepProbs: [1], maxEpochs: 2, lr: 1e-2 };
  const whitened = fitDecoders(tsGemm, few, { ...config, whiten: true });
  const plain = fitDecoders(tsGemm, few, { ...config, whiten: false });
  assert.deepEqual(
    whitened.map((o) => o.evalPredictions),
    plain.map((o) => o.evalPredictions),
  );
  // With enough rows the two differ (the test above shows both read the state).
  const many = fitDecoders(tsGemm, full, { ...config, whiten: true });
  const manyPlain = fitDecoders(tsGemm, full, { ...config, whiten: false });
  assert.notDeepEqual(
    many.map((o) => o.devAccuracy),
    manyPlain.map((o) => o.devAccuracy),
  );
});
