import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkGradient } from '../../src/core/gradcheck.js';
import { smoothedCrossEntropy } from '../../src/core/label-smoothing.js';
import { softmaxCrossEntropy } from '../../src/core/loss.js';
import { Rng } from '../../src/core/random.js';

const N = 5;
const V = 4;
const targets = Int32Array.of(2, -1, 0, 3, 3);

test('smoothedCrossEntropy() with ε = 0 is softmaxCrossEntropy, loss and gradient', () => {
  const rng = new Rng(1);
  const logits = new Float32Array(N * V).map(() => rng.normal() * 2);
  const a = new Float32Array(N * V);
  const b = new Float32Array(N * V);
  const r = smoothedCrossEntropy(logits, targets, N, V, 0, a);
  const s = softmaxCrossEntropy(logits, targets, N, V, b);
  assert.equal(r.count, 4);
  assert.ok(Math.abs(r.loss - s.loss) < 1e-9);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-7);
});

test('smoothedCrossEntropy() matches the smoothed target distribution written out, and finite differences', () => {
  const rng = new Rng(2);
  const eps = 0.3;
  const logits = new Float32Array(N * V).map(() => rng.normal() * 2);
  let expected = 0;
  for (let r = 0; r < N; r++) {
    if (targets[r] === -1) continue;
    let z = 0;
    for (let j = 0; j < V; j++) z += Math.exp(logits[r * V + j]!);
    for (let j = 0; j < V; j++) {
      const q = (j === targets[r] ? 1 - eps : 0) + eps / V;
      expected -= q * (logits[r * V + j]! - Math.log(z));
    }
  }
  expected /= 4;
  const grad = new Float32Array(N * V);
  const { loss } = smoothedCrossEntropy(logits, targets, N, V, eps, grad, 0.5);
  assert.ok(Math.abs(loss - expected) < 1e-9, `${loss} vs ${expected}`);
  const res = checkGradient({
    params: [logits],
    analytic: [grad],
    loss: () => 0.5 * smoothedCrossEntropy(logits, targets, N, V, eps, null).loss,
    rng,
  });
  assert.ok(res.maxRelError < 1e-3, res.worst);
});
