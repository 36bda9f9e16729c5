import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tsGemm } from '../../src/core/gemm.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { Rng } from '../../src/core/random.js';
import { Las, type LasBatch, type LasConfig, lasParamShapes } from '../../src/models/las.js';

/** A tiny LAS with every option on: stacking, a plain and a pyramid layer, two speller layers, location, CTC. */
function tinyConfig(over: Partial<LasConfig> = {}): LasConfig {
  return {
    features: 3,
    stack: 2,
    listenerLayers: 2,
    pyramidLayers: 1,
    listenerUnits: 2,
    alphabet: 3,
    embed: 2,
    spellerLayers: 2,
    spellerUnits: 3,
    attention: 3,
    location: { filters: 2, kernel: 3 },
    outputHidden: 4,
    labelSmoothing: 0.1,
    ctcWeight: 0.3,
    ...over,
  };
}

function tinyBatch(rng: Rng, features: number): LasBatch {
  const T = 12;
  const B = 3;
  const frames = Int32Array.of(12, 9, 6); // listener frames after stacking and one pyramid layer: 3, 2, 1
  const x = new Float32Array(T * B * features).map(() => rng.normal());
  return { features: x, T, B, frames, transcripts: [Int32Array.of(2, 0), Int32Array.of(1), Int32Array.of()] };
}

function makeLas(config: LasConfig, seed: number): Las {
  const las = new Las(config);
  las.initialize(new Rng(seed));
  // Larger weights than PyTorch's defaults, so that every path carries a gradient a wrong formula would change.
  for (const t of las.params.values()) for (let i = 0; i < t.data.length; i++) t.data[i] *= 2.5;
  return las;
}

for (const [name, over] of [
  ['location-aware attention, joint CTC, label smoothing', {}],
  [
    'content attention, no CTC, no smoothing, one speller layer',
    { location: null, ctcWeight: 0, labelSmoothing: 0, spellerLayers: 1, stack: 1 },
  ],
] as [string, Partial<LasConfig>][]) {
  test(`Las loss gradient matches finite differences for every parameter (${name})`, () => {
    const config = tinyConfig(over);
    const las = makeLas(config, 1);
    const rng = new Rng(2);
    const batch = tinyBatch(rng, config.features);
    las.zeroGrads();
    las.forward(tsGemm, batch);
    las.backward(tsGemm);
    const names = [...las.params.keys()];
    const res = checkGradient({
      params: names.map((n) => las.params.get(n)!.data),
      analytic: names.map((n) => las.grads.get(n)!),
      names,
      loss: () => las.forward(tsGemm, batch).loss,
      samples: 12,
      // The loss is float32 arithmetic: differences carry ~1e-5 of rounding, so small gradients are judged absolutely.
      floor: 1e-2,
      rng,
    });
    assert.ok(res.maxRelError < 5e-3, res.worst);
  });
}

test('Las parameters carry the reference module names (PyTorch nn.LSTM bidirectional naming)', () => {
  const shapes = lasParamShapes(tinyConfig());
  for (const name of [
    'listener.layers.0.weight_ih_l0',
    'listener.layers.0.weight_ih_l0_reverse',
    'listener.layers.1.bias_hh_l0_reverse',
    'speller.embed.weight',
    'speller.rnn.weight_ih_l0',
    'speller.rnn.weight_hh_l1',
    'speller.hidden.weight',
    'speller.out.bias',
    'attention.W.weight',
    'attention.W.bias',
    'attention.V.weight',
    'attention.w.weight',
    'attention.conv.weight',
    'attention.U.weight',
    'ctc.weight',
    'ctc.bias',
  ]) {
    assert.ok(shapes.has(name), name);
  }
  // Layer 0 reads 2 stacked frames of 3 features; layer 1 (pyramid) reads 2 frames of [fwd; bwd] (2 × 2 × 2).
  assert.deepEqual(shapes.get('listener.layers.0.weight_ih_l0'), [8, 6]);
  assert.deepEqual(shapes.get('listener.layers.1.weight_ih_l0_reverse'), [8, 8]);
  assert.deepEqual(shapes.get('speller.rnn.weight_ih_l0'), [12, 2 + 4]);
  assert.deepEqual(shapes.get('ctc.weight'), [4, 4]);
  assert.ok(!lasParamShapes(tinyConfig({ location: null, ctcWeight: 0 })).has('ctc.weight'));
});

test('Las: what lies beyond an utterance (features, listener frames, speller steps) changes nothing', () => {
  const config = tinyConfig();
  const las = makeLas(config, 3);
  const rng = new Rng(4);
  const batch = tinyBatch(rng, config.features);
  const a = las.forward(tsGemm, batch);
  const logits = a.logits.slice();
  const weights = a.weights.slice();
  const loss = a.loss;
  las.backward(tsGemm);
  const grads = new Map([...las.grads].map(([n, g]) => [n, g.slice()]));
  const noisy = batch.features.slice();
  const F = config.features;
  for (let b = 0; b < batch.B; b++) {
    for (let t = batch.frames[b]!; t < batch.T; t++) noisy.fill(40, (t * batch.B + b) * F, (t * batch.B + b + 1) * F);
  }
  las.zeroGrads();
  const c = las.forward(tsGemm, { ...batch, features: noisy });
  assert.equal(c.loss, loss);
  assert.deepEqual(c.logits, logits);
  assert.deepEqual(c.weights, weights);
  las.backward(tsGemm);
  for (const [n, g] of grads) assert.deepEqual(las.grads.get(n), g, n);
  // Each utterance alone gives the same logits on its real steps.
  for (let b = 0; b < batch.B; b++) {
    const n = batch.frames[b]!;
    const alone = new Float32Array(n * F);
    for (let t = 0; t < n; t++)
      alone.set(batch.features.subarray((t * batch.B + b) * F, (t * batch.B + b + 1) * F), t * F);
    const one = las.forward(tsGemm, {
      features: alone,
      T: n,
      B: 1,
      frames: Int32Array.of(n),
      transcripts: [batch.transcripts[b]!],
    });
    const V = config.alphabet + 2;
    for (let i = 0; i < one.steps; i++) {
      for (let v = 0; v < V; v++) {
        const x = one.logits[i * V + v]!;
        const y = logits[(i * batch.B + b) * V + v]!;
        assert.ok(Math.abs(x - y) < 1e-5, `utterance ${b} step ${i}: ${x} vs ${y}`);
      }
    }
  }
});

test('Las exposes per-layer listener states, speller queries and states; greedyDecode stops at <eos> or maxLen', () => {
  const config = tinyConfig();
  const las = makeLas(config, 5);
  const batch = tinyBatch(new Rng(6), config.features);
  const out = las.forward(tsGemm, batch);
  assert.equal(out.steps, 3);
  assert.equal(out.frames, 3);
  assert.equal(las.queries().length, 3 * batch.B * config.spellerUnits);
  const states = las.spellerStates();
  assert.equal(states.length, 2);
  assert.deepEqual(states[1]!.h, las.queries());
  const layers = las.listenerStates();
  assert.deepEqual(
    layers.map((l) => [l.T, [...l.lengths]]),
    [
      [6, [6, 4, 3]],
      [3, [3, 2, 1]],
    ],
  );
  for (const l of layers) {
    assert.equal(l.h.length, l.T * batch.B * 2 * config.listenerUnits);
    assert.equal(l.c.length, l.h.length);
  }
  const encoded = las.encode(tsGemm, batch.features, batch.T, batch.B, batch.frames);
  assert.deepEqual(encoded[1]!.h, layers[1]!.h);
  const decoded = las.greedyDecode(tsGemm, batch.features, batch.T, batch.B, batch.frames, 4);
  assert.equal(decoded.length, batch.B);
  for (const d of decoded) {
    assert.ok(d.length <= 4);
    for (const s of d) assert.ok(s >= 0 && s < config.alphabet);
  }
  // The decoder's first step is the teacher-forced first step: same input (<sos>), same state.
  const V = config.alphabet + 2;
  const first = las.forward(tsGemm, batch).logits;
  for (let b = 0; b < batch.B; b++) {
    let best = 1;
    for (let v = 2; v < V; v++) if (first[b * V + v]! > first[b * V + best]!) best = v;
    if (best === 1) assert.equal(decoded[b]!.length, 0);
    else assert.equal(decoded[b]![0], best - 2);
  }
});

test('Las refuses what it cannot do: backward without its forward, an utterance the pyramid reduces to nothing', () => {
  const config = tinyConfig();
  const las = makeLas(config, 7);
  const batch = tinyBatch(new Rng(8), config.features);
  assert.throws(() => las.backward(tsGemm), /no forward/);
  las.forward(tsGemm, batch);
  las.encode(tsGemm, batch.features, batch.T, batch.B, batch.frames); // overwrites what backward needs
  assert.throws(() => las.backward(tsGemm), /no forward/);
  const short = { ...batch, frames: Int32Array.of(12, 9, 3) }; // 3 frames → 1 after stacking → 0 after the pyramid
  assert.throws(() => las.forward(tsGemm, short), /too short/);
  assert.throws(
    () => las.forward(tsGemm, { ...batch, transcripts: [Int32Array.of(3), Int32Array.of(), Int32Array.of()] }),
    /outside/,
  );
});
