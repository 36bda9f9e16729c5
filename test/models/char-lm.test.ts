import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tsGemm } from '../../src/core/gemm.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { softmaxCrossEntropy } from '../../src/core/loss.js';
import { Rng } from '../../src/core/random.js';
import { CharLm, type DropoutSettings } from '../../src/models/char-lm.js';
import type { CellKind } from '../../src/models/config.js';

const T = 4;
const B = 2;
const V = 5;

function tinyModel(cell: CellKind): CharLm {
  const model = new CharLm({ cell, layers: 2, units: 3, embed: 4, vocab: V });
  model.initialize(new Rng(11));
  // Larger recurrent weights than the default init, so that the gradient paths through time are not negligible.
  for (const [name, t] of model.params) {
    if (!name.includes('weight_hh')) continue;
    for (let i = 0; i < t.data.length; i++) t.data[i]! *= 3;
  }
  return model;
}

const ids = Int32Array.from([0, 1, 2, 3, 4, 0, 1, 2]);
const targets = Int32Array.from([1, 2, 3, -1, 0, 1, 2, 3]);
const resets = Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0]);

function lossOf(model: CharLm, dropout: number, dLogits: Float32Array | null): number {
  const drop: DropoutSettings | null = dropout > 0 ? { p: dropout, recurrent: dropout, rng: new Rng(5) } : null;
  const state = model.zeroState(B);
  const logits = model.forward(tsGemm, ids, T, B, state, resets, drop);
  return softmaxCrossEntropy(logits, targets, T * B, V, dLogits).loss;
}

for (const cell of ['lstm', 'gru'] as const) {
  for (const dropout of [0, 0.3]) {
    test(`CharLm (${cell}, 2 layers, dropout ${dropout}) backward matches finite differences`, () => {
      const model = tinyModel(cell);
      const dLogits = new Float32Array(T * B * V);
      lossOf(model, dropout, dLogits);
      model.zeroGrads();
      model.backward(tsGemm, dLogits);
      const names = [...model.params.keys()];
      const result = checkGradient({
        params: names.map((n) => model.params.get(n)!.data),
        analytic: names.map((n) => model.grads.get(n)!),
        loss: () => lossOf(model, dropout, null),
        names,
        // Extrapolated central differences with a step large enough to swamp float32 rounding.
        eps: 2e-2,
        // Gradients under 1e-2 are judged by absolute error (< 1e-5): below that float32 rounding of the loss dominates.
        floor: 1e-2,
        rng: new Rng(1),
      });
      assert.ok(result.maxRelError < 1e-3, `relative error ${result.maxRelError} at ${result.worst}`);
      assert.ok(result.checked > 100);
    });
  }
}

test('CharLm carries state across chunks: two chunks of 2 equal one chunk of 4', () => {
  const model = tinyModel('lstm');
  const one = model.zeroState(1);
  const seq = Int32Array.from([0, 3, 1, 4]);
  const whole = model.forward(tsGemm, seq, 4, 1, one, null, null).slice();
  const two = model.zeroState(1);
  const first = model.forward(tsGemm, seq.subarray(0, 2), 2, 1, two, null, null).slice();
  const second = model.forward(tsGemm, seq.subarray(2), 2, 1, two, null, null).slice();
  const joined = [...first, ...second];
  for (let i = 0; i < joined.length; i++) assert.ok(Math.abs(joined[i]! - whole[i]!) < 1e-6);
});
