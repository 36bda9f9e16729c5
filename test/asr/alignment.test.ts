import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scoreAlignment } from '../../src/asr/alignment-score.js';
import { expectedListenerFrames, guidedAttentionLoss, listenerFrameAt } from '../../src/asr/guided-attention.js';

/** (L, 1, U) weights: each step's weight on the frame `at(i)` and a little on its neighbours. */
function weightsOf(L: number, U: number, at: (i: number) => number): Float32Array {
  const w = new Float32Array(L * U).fill(0.02 / U);
  for (let i = 0; i < L; i++) w[i * U + at(i)] += 0.98;
  return w;
}

test('scoreAlignment(): a sharp diagonal scores near 1, uniform or stuck attention near 0, going back lowers monotonic', () => {
  const L = 10;
  const U = 20;
  const steps = [L];
  const frames = [U];
  const diagonal = scoreAlignment(
    weightsOf(L, U, (i) => 2 * i),
    L,
    1,
    U,
    steps,
    frames,
  );
  assert.ok(diagonal.score > 0.95, JSON.stringify(diagonal));
  assert.equal(diagonal.monotonic, 1);
  const uniform = scoreAlignment(new Float32Array(L * U).fill(1 / U), L, 1, U, steps, frames);
  assert.ok(uniform.score < 0.05 && uniform.focus < 0.2, JSON.stringify(uniform));
  const stuck = scoreAlignment(
    weightsOf(L, U, () => 3),
    L,
    1,
    U,
    steps,
    frames,
  );
  assert.ok(stuck.score < 0.05 && stuck.focus > 0.9, JSON.stringify(stuck));
  const back = scoreAlignment(
    weightsOf(L, U, (i) => (i === 5 ? 0 : 2 * i)),
    L,
    1,
    U,
    steps,
    frames,
  );
  assert.ok(back.monotonic < 1 && back.score < diagonal.score);
});

test('expectedListenerFrames(): graphemes spread over their word, spaces at its end, <eos> at the last end; guided loss prefers attention there', () => {
  const timing = { shiftSeconds: 0.01, lengthSeconds: 0.025, reduction: 4 };
  const words = [
    { word: 'ab', start: 0, end: 0.4 },
    { word: 'c', start: 0.4, end: 0.8 },
  ];
  const centres = expectedListenerFrames('ab c', words, timing, 30)!;
  assert.equal(centres.length, 5);
  assert.ok(Math.abs(centres[0]! - listenerFrameAt(0.1, timing)) < 1e-9);
  assert.ok(Math.abs(centres[2]! - listenerFrameAt(0.4, timing)) < 1e-9);
  assert.ok(Math.abs(centres[4]! - listenerFrameAt(0.8, timing)) < 1e-9);
  assert.equal(expectedListenerFrames('ab d', words, timing, 20), null);
  assert.equal(expectedListenerFrames('ab c', null, timing, 20), null);
  const L = 5;
  const U = 30;
  const near = weightsOf(L, U, (i) => Math.round(centres[i]!));
  const far = weightsOf(L, U, (i) => (Math.round(centres[i]!) + 8) % U);
  const frames = Int32Array.of(U);
  const dW = new Float32Array(L * U);
  const lossNear = guidedAttentionLoss(near, L, 1, U, [centres], frames, 2, 1, dW);
  const lossFar = guidedAttentionLoss(far, L, 1, U, [centres], frames, 2, 1, null);
  assert.ok(lossNear < lossFar - 1, `${lossNear} ${lossFar}`);
  // The gradient on the weights, against central differences (the loss is smooth in α).
  for (const at of [3, 12 * 1 + 4, 2 * U + 9]) {
    const w = near.slice();
    const h = 1e-4 * w[at]!;
    w[at] += h;
    const up = guidedAttentionLoss(w, L, 1, U, [centres], frames, 2, 1, null);
    w[at] -= 2 * h;
    const down = guidedAttentionLoss(w, L, 1, U, [centres], frames, 2, 1, null);
    const numeric = (up - down) / (2 * h);
    assert.ok(Math.abs(numeric - dW[at]!) <= 1e-3 * Math.abs(dW[at]!) + 1e-6, `${at}: ${numeric} vs ${dW[at]}`);
  }
  assert.equal(guidedAttentionLoss(near, L, 1, U, [null], frames, 2, 1, dW), 0);
  assert.ok(dW.every((v) => v === 0));
});
