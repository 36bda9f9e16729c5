import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DecoderConfig,
  type DecoderData,
  type DecoderOutcome,
  type DecoderProgress,
  decoderParameterCount,
  defaultDecoderConfig,
  effectiveBatch,
  fitDecoders,
  hiddenSizeByRule,
} from '../../src/analysis/decoders.js';
import { labelledAccuracy } from '../../src/analysis/metrics.js';
import { OnnxGemm, onnxLoadError } from '../../src/backends/index.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';

const V = 4;
const PROBS = [0.5, 0.2, 0.2, 0.1]; // skewed, so chance (the majority rate, ≈ 0.5) is far from 1/V
const K = 2; // the state remembers the last K inputs exactly
const DELTAS = K + 2;
const SEGMENT = 20;

interface Part {
  x: Float32Array;
  n: number;
  labels: Int32Array[];
}

function drawSymbol(rng: Rng): number {
  let u = rng.next();
  for (let s = 0; s < V - 1; s++) {
    u -= PROBS[s];
    if (u < 0) return s;
  }
  return V - 1;
}

/**
 * Segments of i.i.d. symbols; the state at t is one-hot(s[t−1]) ‖ … ‖ one-hot(s[t−K]) (zeros before the segment),
 * D = K·V, and labels[δ−1] at t is s[t−δ], or −1 before the segment start.
 */
function makePart(segments: number, rng: Rng): Part {
  const n = segments * SEGMENT;
  const D = K * V;
  const x = new Float32Array(n * D);
  const labels = Array.from({ length: DELTAS }, () => new Int32Array(n));
  for (let g = 0; g < segments; g++) {
    const symbols = Array.from({ length: SEGMENT }, () => drawSymbol(rng));
    for (let t = 0; t < SEGMENT; t++) {
      const row = g * SEGMENT + t;
      for (let j = 1; j <= K; j++) if (t - j >= 0) x[row * D + (j - 1) * V + symbols[t - j]] = 1;
      for (let d = 1; d <= DELTAS; d++) labels[d - 1][row] = t - d >= 0 ? symbols[t - d] : -1;
    }
  }
  return { x, n, labels };
}

function makeData(seed = 1): DecoderData {
  const rng = new Rng(seed);
  const [train, dev, evalPart] = [200, 50, 100].map((segments) => makePart(segments, rng));
  return {
    train: train.x,
    dev: dev.x,
    eval: evalPart.x,
    nTrain: train.n,
    nDev: dev.n,
    nEval: evalPart.n,
    D: K * V,
    trainLabels: train.labels,
    devLabels: dev.labels,
    evalLabels: evalPart.labels,
    V,
  };
}

function config(overrides: Partial<DecoderConfig> = {}): DecoderConfig {
  return {
    ...defaultDecoderConfig(),
    hidden: [16],
    keepProbs: [0.8, 1.0],
    maxEpochs: 6,
    patience: 2,
    batch: 64,
    lr: 1e-2,
    ...overrides,
  };
}

function evalAccuracy(o: DecoderOutcome, labels: Int32Array): number {
  return labelledAccuracy(labels, o.evalPredictions).accuracy;
}

/** Eval rate of the most frequent training symbol: the accuracy of a decoder that learned only the prior. */
function majorityRate(trainLabels: Int32Array, evalLabels: Int32Array): number {
  const counts = new Array(V).fill(0);
  for (const s of trainLabels) if (s !== -1) counts[s]++;
  const majority = counts.indexOf(Math.max(...counts));
  let hits = 0;
  let n = 0;
  for (const s of evalLabels) {
    if (s === -1) continue;
    n++;
    if (s === majority) hits++;
  }
  return hits / n;
}

/** A permutation of the labels that are not −1 (the −1 pattern stays), drawn from seed. */
function shuffledLabels(labels: Int32Array, seed: number): Int32Array {
  const rng = new Rng(seed);
  const idx = [...labels.keys()].filter((i) => labels[i] !== -1);
  const values = rng.shuffle(idx.map((i) => labels[i]));
  const out = labels.slice();
  idx.forEach((i, j) => {
    out[i] = values[j];
  });
  return out;
}

// Chance tolerance: with no information in the state the best a decoder can do is predict the majority symbol
// (p = 0.5), which scores exactly the majority rate. To score otherwise it must prefer another symbol (p ≤ 0.2) for
// some state; each of the 16 states has ~200 training rows, where the empirical rates of 0.5 and 0.2 are ~8 sd
// apart. 0.03 absorbs a few such slips (each state is ~6% of eval) without admitting real decoding.
const CHANCE_TOL = 0.03;

describe('fitDecoders', () => {
  const data = makeData();
  const outcomes = fitDecoders(tsGemm, data, config());

  it('decodes exactly what the state remembers (δ ≤ k) and only chance beyond it', () => {
    assert.equal(outcomes.length, DELTAS);
    for (const o of outcomes) {
      const labels = data.evalLabels[o.delta - 1];
      const acc = evalAccuracy(o, labels);
      if (o.delta <= K) {
        assert.ok(acc >= 0.99, `δ=${o.delta}: eval accuracy ${acc}`);
      } else {
        const chance = majorityRate(data.trainLabels[o.delta - 1], labels);
        assert.ok(Math.abs(acc - chance) <= CHANCE_TOL, `δ=${o.delta}: eval accuracy ${acc}, chance ${chance}`);
      }
    }
  });

  it('reports predictions only for counted rows, and consistent counts and likelihoods', () => {
    for (const o of outcomes) {
      const d = o.delta - 1;
      const count = (l: Int32Array) => l.filter((s) => s !== -1).length;
      assert.equal(o.trainCount, count(data.trainLabels[d]));
      assert.equal(o.devCount, count(data.devLabels[d]));
      assert.equal(o.evalCount, count(data.evalLabels[d]));
      data.evalLabels[d].forEach((s, i) => {
        if (s === -1) assert.equal(o.evalPredictions[i], -1);
        else assert.ok(o.evalPredictions[i] >= 0 && o.evalPredictions[i] < V);
      });
      assert.ok(o.evalLogLikelihood < 0 && Number.isFinite(o.evalLogLikelihood));
      // A perfect decoder's log-likelihood is near 0; one at chance is near −H(prior)·n ≈ −1.22 nats · n.
      const perRow = -o.evalLogLikelihood / o.evalCount;
      if (o.delta <= K) assert.ok(perRow < 0.1, `δ=${o.delta}: ${perRow} nats`);
      else assert.ok(perRow > 1.1, `δ=${o.delta}: ${perRow} nats`);
      assert.equal(o.parameters, decoderParameterCount(K * V, V, [16]));
    }
  });

  it('chooses per δ the keep probability with the best dev accuracy, among the rung and the finalist', () => {
    const keepProbs = [0.5, 0.7, 1.0];
    const swept = fitDecoders(tsGemm, data, config({ keepProbs, maxEpochs: 4 }));
    // Successive halving: every keep probability trained the rung (1 epoch); one of them, the same for every δ,
    // trained on through two stages of at most 4 epochs each.
    const finalist = swept[0]!.sweep.findIndex((p) => p.epochs > 1);
    for (const o of swept) {
      o.sweep.forEach((p, i) => {
        if (i !== finalist) assert.equal(p.epochs, 1);
      });
      assert.deepEqual(
        o.sweep.map((p) => p.keepProb),
        keepProbs,
      );
      assert.ok(keepProbs.includes(o.keepProb));
      const best = Math.max(...o.sweep.map((p) => p.devAccuracy));
      assert.equal(o.devAccuracy, best);
      const chosen = o.sweep.find((p) => p.keepProb === o.keepProb);
      assert.ok(chosen);
      assert.equal(chosen.devAccuracy, best);
      assert.equal(o.epochs, chosen.epochs);
      assert.ok(o.epochs >= 1 && o.epochs <= 8);
      // Ties go to the first keep probability in the sweep.
      assert.equal(
        o.sweep.findIndex((p) => p.devAccuracy === best),
        keepProbs.indexOf(o.keepProb),
      );
    }
  });

  it('decodes only chance from shuffled labels', () => {
    const shuffled: DecoderData = {
      ...data,
      trainLabels: data.trainLabels.map((l, d) => (d === 0 ? shuffledLabels(l, 7) : l)),
      devLabels: data.devLabels.map((l, d) => (d === 0 ? shuffledLabels(l, 8) : l)),
      evalLabels: data.evalLabels.map((l, d) => (d === 0 ? shuffledLabels(l, 9) : l)),
    };
    const [first] = fitDecoders(tsGemm, shuffled, config({ keepProbs: [1] }));
    const acc = evalAccuracy(first, shuffled.evalLabels[0]);
    const chance = majorityRate(shuffled.trainLabels[0], shuffled.evalLabels[0]);
    assert.ok(Math.abs(acc - chance) <= CHANCE_TOL, `accuracy ${acc}, chance ${chance}`);
  });

  it('ignores rows whose labels are all −1, however adversarial their states', () => {
    const rng = new Rng(99);
    const every = 7; // an adversarial row after every 7th row
    const insert = (x: Float32Array, n: number, labels: Int32Array[]) => {
      const D = data.D;
      const extra = Math.floor(n / every);
      const nx = new Float32Array((n + extra) * D);
      const nl = labels.map(() => new Int32Array(n + extra).fill(-1));
      const kept: number[] = []; // new index of each original row
      let r = 0;
      for (let i = 0; i < n; i++) {
        nx.set(x.subarray(i * D, (i + 1) * D), r * D);
        labels.forEach((l, d) => {
          nl[d][r] = l[i];
        });
        kept.push(r++);
        if ((i + 1) % every === 0) {
          for (let j = 0; j < D; j++) nx[r * D + j] = 1e3 * rng.normal();
          r++;
        }
      }
      return { x: nx, n: n + extra, labels: nl, kept };
    };
    const tr = insert(data.train, data.nTrain, data.trainLabels);
    const dv = insert(data.dev, data.nDev, data.devLabels);
    const ev = insert(data.eval, data.nEval, data.evalLabels);
    const padded: DecoderData = {
      ...data,
      train: tr.x,
      nTrain: tr.n,
      trainLabels: tr.labels,
      dev: dv.x,
      nDev: dv.n,
      devLabels: dv.labels,
      eval: ev.x,
      nEval: ev.n,
      evalLabels: ev.labels,
    };
    const cfg = config({ keepProbs: [0.8], maxEpochs: 3 });
    const plain = fitDecoders(tsGemm, data, cfg);
    const withRows = fitDecoders(tsGemm, padded, cfg);
    plain.forEach((o, d) => {
      const { evalPredictions, ...rest } = withRows[d];
      const { evalPredictions: _, ...plainRest } = o;
      assert.deepEqual(rest, plainRest);
      assert.deepEqual(
        Int32Array.from(ev.kept, (i) => evalPredictions[i]),
        o.evalPredictions,
      );
      assert.equal(evalPredictions.filter((p) => p !== -1).length, o.evalCount);
    });
  });

  it("keeps each decoder independent of the others' labels (−1 targets included)", () => {
    const cfg = config({ keepProbs: [0.8], maxEpochs: 3 });
    const base = fitDecoders(tsGemm, data, cfg);
    const changed: DecoderData = {
      ...data,
      trainLabels: data.trainLabels.map((l, d) => (d === 2 ? shuffledLabels(l, 3) : l)),
    };
    const other = fitDecoders(tsGemm, changed, cfg);
    assert.deepEqual(other[0], base[0]);
    assert.deepEqual(other[1], base[1]);
    assert.notEqual(other[2].evalLogLikelihood, base[2].evalLogLikelihood);
  });

  it('is deterministic for a seed, and the seed matters', () => {
    const cfg = config({ keepProbs: [0.7], maxEpochs: 2 });
    const a = fitDecoders(tsGemm, data, cfg);
    const b = fitDecoders(tsGemm, data, cfg);
    assert.deepEqual(a, b);
    const c = fitDecoders(tsGemm, data, { ...cfg, seed: 2 });
    assert.notDeepEqual(
      a.map((o) => o.evalLogLikelihood),
      c.map((o) => o.evalLogLikelihood),
    );
  });

  it('trains deeper decoders too', () => {
    const deep = fitDecoders(tsGemm, data, config({ hidden: [16, 8], keepProbs: [1] }));
    for (const o of deep.slice(0, K)) {
      const acc = evalAccuracy(o, data.evalLabels[o.delta - 1]);
      assert.ok(acc >= 0.99, `δ=${o.delta}: eval accuracy ${acc}`);
      assert.equal(o.parameters, decoderParameterCount(K * V, V, [16, 8]));
    }
  });

  it('is deterministic on the onnxruntime backend too', { skip: onnxLoadError() !== '' }, () => {
    const gemm = new OnnxGemm({ smallWork: 0 }); // every product native, even these small ones
    const cfg = config({ keepProbs: [0.7], maxEpochs: 2 });
    const a = fitDecoders(gemm, data, cfg);
    assert.deepEqual(fitDecoders(gemm, data, cfg), a);
    for (const o of a.slice(0, K)) assert.ok(evalAccuracy(o, data.evalLabels[o.delta - 1]) >= 0.99);
  });

  it('uses the raw states when standardize is off', () => {
    const cfg = config({ keepProbs: [1], maxEpochs: 2 });
    const shifted: DecoderData = { ...data, train: data.train.map((v) => v + 5), dev: data.dev.map((v) => v + 5) };
    shifted.eval = data.eval.map((v) => v + 5);
    // Standardized, a constant shift of every state changes nothing but rounding.
    const a = fitDecoders(tsGemm, data, cfg);
    const b = fitDecoders(tsGemm, shifted, cfg);
    assert.deepEqual(
      a.map((o) => o.evalPredictions),
      b.map((o) => o.evalPredictions),
    );
    const raw = fitDecoders(tsGemm, shifted, { ...cfg, standardize: false });
    assert.notDeepEqual(
      raw.map((o) => o.evalLogLikelihood),
      b.map((o) => o.evalLogLikelihood),
    );
  });

  it('reports progress per batch and stops at an aborted signal', () => {
    const seen: DecoderProgress[] = [];
    fitDecoders(tsGemm, data, config({ keepProbs: [0.9], maxEpochs: 1, groups: 1 }), {
      onProgress: (p) => seen.push(p),
    });
    const rows = data.nTrain - data.nTrain / SEGMENT; // each segment's first row has no label at all
    const B = effectiveBatch(64, rows); // a small sample: smaller minibatches, so that an epoch has 64 steps
    assert.ok(B < 64 && B >= 32);
    const halfBatches = Math.ceil(Math.floor(rows / 2) / B);
    const batches = Math.ceil(rows / B);
    // One epoch on the random half of the rows, then one on all of them.
    assert.equal(seen.length, halfBatches + batches);
    seen.forEach((p, i) => {
      const half = i < halfBatches;
      assert.deepEqual(
        { ...p, loss: 0 },
        {
          keepProb: 0.9,
          stage: half ? 'half' : 'full',
          deltas: [1, DELTAS],
          groups: 1,
          epoch: 1,
          maxEpochs: 1,
          batch: half ? i + 1 : i - halfBatches + 1,
          batches: half ? halfBatches : batches,
          loss: 0,
          lr: 1e-2,
        },
      );
      assert.ok(p.loss > 0 && Number.isFinite(p.loss));
    });
    const controller = new AbortController();
    const reason = new Error('stop');
    assert.throws(
      () =>
        fitDecoders(tsGemm, data, config(), {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.batch === 3) controller.abort(reason);
          },
        }),
      (err) => err === reason,
    );
  });

  it('rejects an unresolved hidden size and bad labels', () => {
    assert.throws(() => fitDecoders(tsGemm, data, config({ hidden: [] })), /hiddenSizeByRule/);
    const bad = { ...data, devLabels: data.devLabels.map((l) => l.map((s) => (s === 3 ? V : s))) };
    assert.throws(() => fitDecoders(tsGemm, bad, config()), /not in \[-1, 4\)/);
  });
});

describe('hiddenSizeByRule', () => {
  it('gives the smallest hidden size whose decoder has at least the target parameter count', () => {
    const count = (D: number, V: number, h: number) => D * h + h + h * V + V;
    for (const [D, V, target] of [
      [320, 30, 3 * 320 * (32 + 320) + 2 * 3 * 320],
      [80, 30, 4 * 80 * (32 + 80) + 8 * 80],
      [10, 3, 1],
      [10, 3, 14],
      [10, 3, 15],
      [10, 3, 28],
      [7, 5, 1000],
    ]) {
      const h = hiddenSizeByRule(D, V, target);
      assert.ok(count(D, V, h) >= target, `D=${D} V=${V} target=${target}: h=${h} too small`);
      assert.ok(h === 1 || count(D, V, h - 1) < target, `D=${D} V=${V} target=${target}: h=${h} not the smallest`);
    }
    assert.equal(hiddenSizeByRule(320, 30, 339840), 969);
  });
});
