import assert from 'node:assert/strict';
import { test } from 'node:test';
import { factorizedAnalysable, factorizedStateSource } from '../../src/analysis/factorized-analysable.js';
import { charLmStateSource } from '../../src/analysis/state-source.js';
import { tsGemm } from '../../src/core/gemm.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { softmaxCrossEntropy } from '../../src/core/loss.js';
import { Adam, clipGradNorm } from '../../src/core/optim.js';
import { Rng } from '../../src/core/random.js';
import { allocChunk, evalChunks, StreamBatcher } from '../../src/data/batches.js';
import type { EncodedPartition } from '../../src/data/corpus.js';
import { CharLm, type DropoutSettings } from '../../src/models/char-lm.js';
import {
  bigramBasis,
  corpusBigramFrequencies,
  FactorizedLm,
  type FactorizedLmState,
  factorizedLmParamShapes,
  lambdaTable,
  segmentBigramFrequencies,
  writeRunningLambda,
  zeroBigramCounts,
} from '../../src/models/factorized-lm.js';
import { evaluateCharLm } from '../../src/train/evaluate.js';

const T = 4;
const B = 2;
const V = 3;
const K = V * V;

function partitionOf(segments: number[][]): EncodedPartition {
  const starts = new Uint32Array(segments.length + 1);
  segments.forEach((s, i) => {
    starts[i + 1] = starts[i]! + s.length;
  });
  return { ids: Uint8Array.from(segments.flat()), starts };
}

test('factorizedLmParamShapes() names every tensor as PyTorch would, with bases (4H, V²) and (H, V²)', () => {
  const shapes = factorizedLmParamShapes({ layers: 1, units: 5, embed: 4, vocab: 3 });
  assert.deepEqual(
    [...shapes],
    [
      ['embed.weight', [3, 4]],
      ['rnn.weight_ih_l0', [20, 4]],
      ['rnn.weight_hh_l0', [20, 5]],
      ['rnn.bias_ih_l0', [20]],
      ['rnn.bias_hh_l0', [20]],
      ['rnn.basis_u_l0', [20, 9]],
      ['rnn.basis_v_l0', [5, 9]],
      ['proj.weight', [3, 5]],
      ['proj.bias', [3]],
    ],
  );
});

test('segmentBigramFrequencies() of a hand-made segment: counts / (length − 1), summing to 1', () => {
  // "abab" "c" "cab" over {a, b, c} = {0, 1, 2}
  const part = partitionOf([[0, 1, 0, 1], [2], [2, 0, 1]]);
  const [abab, c, cab] = segmentBigramFrequencies(part, V);
  assert.deepEqual([...abab!.index], [bigramBasis(0, 1, V), bigramBasis(1, 0, V)]);
  assert.deepEqual([...abab!.value], [Math.fround(2 / 3), Math.fround(1 / 3)]);
  assert.equal(c!.index.length, 0, 'a segment of one symbol has no bigram: λ = 0, the kernel is W0');
  assert.deepEqual([...cab!.index], [1, 6]); // "ab" = 0·3 + 1, "ca" = 2·3 + 0
  assert.deepEqual([...cab!.value], [0.5, 0.5]);
  const corpus = corpusBigramFrequencies(part, V);
  // Bigrams inside segments only: ab ×3, ba ×1, ca ×1 (none across "abab"|"c"|"cab").
  assert.deepEqual([...corpus], [0, 0.6, 0, 0.2, 0, 0, 0.2, 0, 0].map(Math.fround));
  const table = lambdaTable([abab!, c!, cab!], K);
  assert.equal(table[0 * K + 1], Math.fround(2 / 3));
  assert.equal(table[2 * K + 6], 0.5);
  assert.equal(
    table.subarray(K, 2 * K).reduce((a, b) => a + b, 0),
    0,
  );
});

test('writeRunningLambda() is causal, ends at the whole-segment vector, and carries across chunks', () => {
  // One stream, "abab" then a new segment "cab": steps 0..6.
  const ids = Int32Array.from([0, 1, 0, 1, 2, 0, 1]);
  const resets = Uint8Array.from([1, 0, 0, 0, 1, 0, 0]);
  const whole = new Float32Array(7 * K);
  writeRunningLambda(ids, resets, 7, 1, V, zeroBigramCounts(1, V), whole);
  const row = (t: number) => [...whole.subarray(t * K, (t + 1) * K)];
  assert.deepEqual(row(0), new Array(K).fill(0), 'first symbol: no bigram yet');
  assert.deepEqual(row(1), [0, 1, 0, 0, 0, 0, 0, 0, 0], '"ab"');
  assert.deepEqual(row(2), [0, 0.5, 0, 0.5, 0, 0, 0, 0, 0], '"ab", "ba"');
  const [abab, , cab] = segmentBigramFrequencies(partitionOf([[0, 1, 0, 1], [2], [2, 0, 1]]), V);
  const dense = lambdaTable([abab!, cab!], K);
  assert.deepEqual(row(3), [...dense.subarray(0, K)], 'the last step of "abab" has the whole-segment λ');
  assert.deepEqual(row(4), new Array(K).fill(0), 'a reset starts the counts again');
  assert.deepEqual(row(6), [...dense.subarray(K, 2 * K)]);
  for (let t = 1; t < 7; t++) {
    if (t === 4) continue;
    assert.ok(Math.abs(row(t).reduce((a, b) => a + b, 0) - 1) < 1e-6, `Σλ = 1 at step ${t}`);
  }
  // The same stream read as chunks of 3 and 4 gives the same rows.
  const state = zeroBigramCounts(1, V);
  const first = new Float32Array(3 * K);
  const second = new Float32Array(4 * K);
  writeRunningLambda(ids.subarray(0, 3), resets.subarray(0, 3), 3, 1, V, state, first);
  const present = new Uint8Array(K);
  writeRunningLambda(ids.subarray(3), resets.subarray(3), 4, 1, V, state, second, present);
  assert.deepEqual([...first, ...second], [...whole]);
  // `present` marks every bigram non-zero in some row of the chunk, the ones carried in from the last chunk included.
  const nonZero = Array.from({ length: K }, (_, i) => (second.some((v, j) => j % K === i && v !== 0) ? 1 : 0));
  assert.deepEqual([...present], nonZero);
  assert.equal(present[bigramBasis(1, 0, V)], 1, '"ba", read in the first chunk');
});

function tinyModel(layers = 1): FactorizedLm {
  const model = new FactorizedLm({ layers, units: 3, embed: 4, vocab: V });
  model.initialize(new Rng(11));
  // Larger recurrent weights than the init, so that the gradient paths through time and the bases matter.
  for (const [name, t] of model.params) {
    if (!/weight_hh|basis/.test(name)) continue;
    for (let i = 0; i < t.data.length; i++) t.data[i]! *= name.includes('basis') ? 4 : 3;
  }
  return model;
}

const ids = Int32Array.from([0, 1, 2, 0, 1, 1, 0, 2]);
const targets = Int32Array.from([1, 2, 0, -1, 1, 0, 2, 1]);
const resets = Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0]);
const warmup = Int32Array.from([2, 1, 1, 0]); // a previous chunk (T = 2): the state and the bigram counts carry over

/** The state after the previous chunk, computed once: truncated BPTT treats it as a constant. */
function carriedState(model: FactorizedLm): FactorizedLmState {
  const state = model.zeroState(B);
  model.forward(tsGemm, warmup, 2, B, state, null, null);
  return state;
}

function copyState(s: FactorizedLmState): FactorizedLmState {
  const g = s.bigrams;
  return {
    layers: s.layers.map((l) => ({ h: l.h.slice(), c: l.c!.slice() })),
    bigrams: {
      counts: g.counts.slice(),
      seen: g.seen.slice(),
      distinct: g.distinct.slice(),
      last: g.last.slice(),
      pairs: g.pairs.slice(),
    },
  };
}

function lossOf(model: FactorizedLm, carried: FactorizedLmState, dropout: number, dLogits: Float32Array | null) {
  const drop: DropoutSettings | null = dropout > 0 ? { p: dropout, recurrent: dropout, rng: new Rng(5) } : null;
  const logits = model.forward(tsGemm, ids, T, B, copyState(carried), resets, drop);
  return softmaxCrossEntropy(logits, targets, T * B, V, dLogits).loss;
}

for (const [layers, dropout] of [
  [1, 0],
  [1, 0.3],
  [2, 0],
] as const) {
  test(`FactorizedLm (${layers} layer(s), dropout ${dropout}, running λ, carried state) backward matches finite differences`, () => {
    const model = tinyModel(layers);
    const carried = carriedState(model);
    const dLogits = new Float32Array(T * B * V);
    lossOf(model, carried, dropout, dLogits);
    model.zeroGrads();
    model.backward(tsGemm, dLogits);
    assert.ok(model.activeBases(0) > 1 && model.activeBases(0) < K, `${model.activeBases(0)} active bases`);
    const names = [...model.params.keys()];
    const result = checkGradient({
      params: names.map((n) => model.params.get(n)!.data),
      analytic: names.map((n) => model.grads.get(n)!),
      loss: () => lossOf(model, carried, dropout, null),
      names,
      eps: 2e-2,
      floor: 1e-2,
      rng: new Rng(1),
    });
    assert.ok(result.maxRelError < 1e-3, `relative error ${result.maxRelError} at ${result.worst}`);
    assert.ok(result.checked > 150);
    const dU = model.grads.get('rnn.basis_u_l0')!;
    assert.ok(
      dU.some((v) => v !== 0),
      'the bases get a gradient',
    );
  });
}

test('FactorizedLm with the corpus λ: backward matches finite differences', () => {
  const corpus = corpusBigramFrequencies(partitionOf([[0, 1, 2, 0, 2, 2, 1]]), V);
  const base = tinyModel();
  const model = new FactorizedLm(base.shape, { kind: 'corpus', lambda: corpus }, base.params);
  const carried = carriedState(model);
  const dLogits = new Float32Array(T * B * V);
  lossOf(model, carried, 0, dLogits);
  model.zeroGrads();
  model.backward(tsGemm, dLogits);
  assert.equal(model.activeBases(0), 6); // 01, 12, 20, 02, 22, 21
  const names = [...model.params.keys()];
  const result = checkGradient({
    params: names.map((n) => model.params.get(n)!.data),
    analytic: names.map((n) => model.grads.get(n)!),
    loss: () => lossOf(model, carried, 0, null),
    names,
    eps: 2e-2,
    floor: 1e-2,
    samples: 30,
    rng: new Rng(2),
  });
  assert.ok(result.maxRelError < 1e-3, `relative error ${result.maxRelError} at ${result.worst}`);
});

test('FactorizedLm carries state and bigram counts across chunks: two chunks of 2 equal one chunk of 4', () => {
  const model = tinyModel();
  const seq = Int32Array.from([0, 2, 2, 1]);
  const whole = model.forward(tsGemm, seq, 4, 1, model.zeroState(1), null, null).slice();
  const two = model.zeroState(1);
  const first = model.forward(tsGemm, seq.subarray(0, 2), 2, 1, two, null, null).slice();
  const second = model.forward(tsGemm, seq.subarray(2), 2, 1, two, null, null).slice();
  const joined = [...first, ...second];
  for (let i = 0; i < joined.length; i++) assert.ok(Math.abs(joined[i]! - whole[i]!) < 1e-6);
});

/** Multiplies every basis u_i, v_i by `factor`, so that the bases visibly change the kernel. */
function scaleBases(model: FactorizedLm, factor: number): void {
  for (const [name, t] of model.params) {
    if (!name.includes('basis')) continue;
    for (let i = 0; i < t.data.length; i++) t.data[i]! *= factor;
  }
}

/** A CharLm (1-layer LSTM) holding the factorized model's weights, bases left out. */
function plainTwin(model: FactorizedLm): CharLm {
  const plain = new CharLm({ cell: 'lstm', ...model.shape });
  for (const [name, t] of plain.params) t.data.set(model.params.get(name)!.data);
  return plain;
}

/** Segments of a repeating, bigram-rich pattern with noise: learnable, and every segment has its own λ. */
function patternCorpus(rng: Rng, segments: number, symbols: number): EncodedPartition {
  const words = [
    [0, 1, 2],
    [3, 1, 4, 0],
    [2, 2, 5],
    [4, 3],
  ].map((w) => w.map((s) => s % symbols));
  const out: number[][] = [];
  for (let s = 0; s < segments; s++) {
    const seg: number[] = [];
    const len = 12 + rng.int(20);
    const bias = rng.int(words.length);
    while (seg.length < len) {
      const w = rng.next() < 0.5 ? words[bias]! : words[rng.int(words.length)]!;
      seg.push(...w, symbols - 1);
    }
    out.push(seg.slice(0, len));
  }
  return partitionOf(out);
}

test("factorizedAnalysable('base'): states and forward accuracy equal those of a CharLm with W_hh = W0 (to rounding)", () => {
  const model = new FactorizedLm({ layers: 1, units: 6, embed: 4, vocab: 7 });
  model.initialize(new Rng(4));
  scaleBases(model, 10);
  const part = patternCorpus(new Rng(8), 30, 7);
  const plain = plainTwin(model);
  const base = factorizedAnalysable(model, tsGemm, { kind: 'base' });
  const full = factorizedAnalysable(model, tsGemm, { kind: 'full' });
  for (const state of ['c', 'h'] as const) {
    const a = base.stateSource(state);
    const b = charLmStateSource(plain, tsGemm, state);
    const c = full.stateSource(state);
    a.begin(4);
    b.begin(4);
    c.begin(4);
    const batches = evalChunks(part, 4, 8);
    let differs = false;
    for (let k = 0; k < Math.min(3, batches.chunkCount); k++) {
      const chunk = batches.chunk(k, allocChunk(4, 8));
      const [sa] = a.run(chunk, 8, 4);
      const sb = b.run(chunk, 8, 4)[0]!.slice();
      // Same math, products summed in another order (the plain LSTM runs gate-major): rounding-level gaps only.
      assert.ok(
        sa!.every((v, i) => Math.abs(v - sb[i]!) < 1e-6),
        "base states equal the plain model's",
      );
      const [sc] = c.run(chunk, 8, 4);
      differs ||= sc!.some((v, i) => Math.abs(v - sb[i]!) > 1e-4);
    }
    assert.ok(differs, 'the full kernel gives other states');
  }
  const symbols = ['a', 'b', 'c', 'd', 'e', 'f', ' '];
  const accBase = base.forwardAccuracy(part, symbols)!;
  const ref = evaluateCharLm(plain, part, symbols, tsGemm);
  assert.ok(Math.abs(accBase.perplexity - ref.perplexity) < 1e-5);
  assert.equal(accBase.accuracy, ref.accuracy);
  assert.equal(base.layerParameterCount(0), 4 * 6 * (4 + 6) + 8 * 6);
  assert.equal(full.layerParameterCount(0), base.layerParameterCount(0));
});

test('factorizedAnalysable() describes the restriction and names the basis bigram', () => {
  const model = new FactorizedLm({ layers: 1, units: 4, embed: 3, vocab: 30 });
  const symbols = [...'abcdefghijklmnopqrstuvwxyz', '#', "'", '.', ' '];
  const th = bigramBasis(symbols.indexOf('t'), symbols.indexOf('h'), 30);
  const d = factorizedAnalysable(model, tsGemm, { kind: 'basis', index: th }, 'ab'.repeat(32), symbols).describe();
  assert.equal(d.kind, 'factorized-lstm');
  assert.equal(d.cell, 'lstm');
  assert.equal(d.weightsSha256, 'ab'.repeat(32));
  assert.deepEqual(d.details, {
    restrict: 'basis',
    bases: 900,
    lambda: 'running',
    basis: th,
    bigramIds: '19,7',
    bigram: 'th',
  });
  assert.match(d.label, /basis 'th'/);
  assert.equal(factorizedAnalysable(model, tsGemm, { kind: 'base' }).describe().details.restrict, 'base');
  assert.throws(() => factorizedAnalysable(model, tsGemm, { kind: 'basis', index: 900 }), RangeError);
});

test('factorizedStateSource() with one basis differs from the base only where that bigram has been read', () => {
  const model = new FactorizedLm({ layers: 1, units: 5, embed: 4, vocab: 4 });
  model.initialize(new Rng(2));
  scaleBases(model, 10);
  // One segment "a b c a b d": the bigram "ca" is read at step 3, so the kernels of steps 0..2 have λ_ca = 0.
  const chunk = {
    inputs: Int32Array.from([0, 1, 2, 0, 1, 3]),
    targets: new Int32Array(6).fill(-1),
    resets: Uint8Array.from([1, 0, 0, 0, 0, 0]),
    predicted: 0,
  };
  const ca = bigramBasis(2, 0, 4);
  const base = factorizedStateSource(model, tsGemm, 'h', { kind: 'base' });
  const basis = factorizedStateSource(model, tsGemm, 'h', { kind: 'basis', index: ca });
  base.begin(1);
  basis.begin(1);
  const hb = base.run(chunk, 6, 1)[0]!.slice();
  const hc = basis.run(chunk, 6, 1)[0]!.slice();
  const H = 5;
  // The kernel at step t uses λ_t, which includes the bigram ending at t: "ca" ends at step 3, so step 3 already
  // differs; steps 0..2 are identical.
  assert.deepEqual(hc.subarray(0, 3 * H), hb.subarray(0, 3 * H));
  assert.ok(hc.subarray(3 * H).some((v, i) => Math.abs(v - hb[3 * H + i]!) > 1e-5));
});

test('FactorizedLm training smoke test: a few hundred Adam steps lower the loss well below the start', () => {
  const S = 7;
  const rng = new Rng(21);
  const train = patternCorpus(rng, 300, S);
  const model = new FactorizedLm({ layers: 1, units: 16, embed: 8, vocab: S });
  model.initialize(new Rng(3));
  const adam = new Adam(model.trainable(), { lr: 1e-2 });
  const grads = [...model.grads.values()];
  const Bt = 8;
  const Tt = 16;
  const batcher = new StreamBatcher(train, Bt, Tt);
  const state = model.zeroState(Bt);
  const dLogits = new Float32Array(Tt * Bt * S);
  const chunk = allocChunk(Bt, Tt);
  const losses: number[] = [];
  for (let step = 0; step < 300; step++) {
    const k = step % batcher.chunksPerEpoch;
    if (k === 0) {
      const fresh = model.zeroState(Bt);
      state.layers = fresh.layers;
      state.bigrams = fresh.bigrams;
    }
    batcher.chunk(k, chunk);
    const logits = model.forward(tsGemm, chunk.inputs, Tt, Bt, state, chunk.resets, null);
    const { loss } = softmaxCrossEntropy(logits, chunk.targets, Tt * Bt, S, dLogits);
    model.zeroGrads();
    model.backward(tsGemm, dLogits);
    clipGradNorm(grads, 5);
    adam.step();
    losses.push(loss);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const start = mean(losses.slice(0, 10));
  const end = mean(losses.slice(-30));
  assert.ok(start > 0.9 * Math.log(S), `initial loss ${start}`);
  assert.ok(end < 0.6 * start, `loss ${start} → ${end}`);
  assert.ok(
    model.grads.get('rnn.basis_u_l0')!.some((v) => v !== 0),
    'the bases train',
  );
});
