// The two hooks training uses in Las: a further loss's gradient on the attention weights (guided attention) and fed
// graphemes other than the transcript (scheduled sampling), checked against finite differences.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tsGemm } from '../../src/core/gemm.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { Rng } from '../../src/core/random.js';
import { Las, type LasBatch, type LasConfig } from '../../src/models/las.js';

function tinyConfig(over: Partial<LasConfig> = {}): LasConfig {
  return {
    features: 3,
    stack: 1,
    listenerLayers: 2,
    pyramidLayers: 1,
    listenerUnits: 2,
    alphabet: 4,
    embed: 2,
    spellerLayers: 1,
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
  const T = 8;
  const B = 2;
  const x = new Float32Array(T * B * features).map(() => rng.normal());
  return { features: x, T, B, frames: Int32Array.of(8, 6), transcripts: [Int32Array.of(2, 0, 3), Int32Array.of(1)] };
}

function makeLas(config: LasConfig, seed: number): Las {
  const las = new Las(config);
  las.initialize(new Rng(seed));
  for (const t of las.params.values()) for (let i = 0; i < t.data.length; i++) t.data[i] *= 2.5;
  return las;
}

for (const location of [{ filters: 2, kernel: 3 }, null]) {
  test(`Las.backward({weightGrads}) adds a loss on the attention weights exactly (finite differences, ${location ? 'location-aware' : 'content'})`, () => {
    const config = tinyConfig({ location });
    const las = makeLas(config, 1);
    const rng = new Rng(2);
    const batch = tinyBatch(rng, config.features);
    const first = las.forward(tsGemm, batch);
    // A fixed linear loss Σ G⊙α on top of the model's: its gradient on α is G.
    const G = new Float32Array(first.weights.length).map(() => rng.normal());
    const total = () => {
      const out = las.forward(tsGemm, batch);
      let extra = 0;
      for (let i = 0; i < G.length; i++) extra += G[i]! * out.weights[i]!;
      return out.loss + extra;
    };
    total();
    las.zeroGrads();
    las.backward(tsGemm, { weightGrads: G });
    const names = [...las.params.keys()];
    const res = checkGradient({
      params: names.map((n) => las.params.get(n)!.data),
      analytic: names.map((n) => las.grads.get(n)!),
      names,
      loss: total,
      samples: 10,
      floor: 1e-2,
      rng,
    });
    assert.ok(res.maxRelError < 5e-3, res.worst);
  });
}

test('Las.forward with inputs: the transcript as inputs is teacher forcing; other inputs change the loss, not the targets, and their gradient checks', () => {
  const config = tinyConfig();
  const las = makeLas(config, 3);
  const rng = new Rng(4);
  const batch = tinyBatch(rng, config.features);
  const teacher = las.forward(tsGemm, batch);
  const same = las.forward(tsGemm, { ...batch, inputs: batch.transcripts });
  assert.equal(same.loss, teacher.loss);
  const fed = [Int32Array.of(2, 1, 1), Int32Array.of(0)];
  const sampled = { ...batch, inputs: fed };
  const out = las.forward(tsGemm, sampled);
  assert.notEqual(out.loss, teacher.loss);
  assert.deepEqual([...out.targets], [...teacher.targets]);
  las.zeroGrads();
  las.backward(tsGemm);
  const names = [...las.params.keys()];
  const res = checkGradient({
    params: names.map((n) => las.params.get(n)!.data),
    analytic: names.map((n) => las.grads.get(n)!),
    names,
    loss: () => las.forward(tsGemm, sampled).loss,
    samples: 10,
    floor: 1e-2,
    rng,
  });
  assert.ok(res.maxRelError < 5e-3, res.worst);
  assert.throws(() => las.forward(tsGemm, { ...batch, inputs: [Int32Array.of(1), Int32Array.of(0)] }), /feeds 1/);
});
