import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkGradient } from '../../src/core/gradcheck.js';
import { concatFrames, concatFramesBackward, reduceLengths } from '../../src/core/pyramid.js';
import { Rng } from '../../src/core/random.js';

test('concatFrames() joins k consecutive frames per utterance and drops the odd tail', () => {
  const T = 5;
  const B = 2;
  const D = 2;
  // src[t, b, d] = 100·t + 10·b + d
  const src = new Float32Array(T * B * D).map((_, i) => {
    const t = Math.floor(i / (B * D));
    const b = Math.floor(i / D) % B;
    return 100 * t + 10 * b + (i % D);
  });
  const dst = new Float32Array(2 * B * 2 * D);
  assert.equal(concatFrames(src, T, B, D, 2, dst), 2);
  assert.deepEqual([...dst.subarray(0, 4)], [0, 1, 100, 101]); // t' = 0, b = 0: frames 0 and 1
  assert.deepEqual([...dst.subarray(4, 8)], [10, 11, 110, 111]); // t' = 0, b = 1
  assert.deepEqual([...dst.subarray(12, 16)], [210, 211, 310, 311]); // t' = 1, b = 1: frames 2 and 3
  assert.deepEqual([...reduceLengths(Int32Array.of(5, 4, 1), 2)], [2, 2, 0]);
  assert.deepEqual([...reduceLengths(Int32Array.of(7, 9), 3)], [2, 3]);
});

test('concatFramesBackward() is the adjoint of concatFrames (⟨Ax, y⟩ = ⟨x, Aᵀy⟩)', () => {
  const rng = new Rng(1);
  for (const [T, k] of [
    [7, 2],
    [9, 3],
    [4, 1],
  ]) {
    const B = 3;
    const D = 4;
    const Tk = Math.floor(T / k);
    const x = new Float32Array(T * B * D).map(() => rng.normal());
    const y = new Float32Array(Tk * B * k * D).map(() => rng.normal());
    const ax = new Float32Array(y.length);
    concatFrames(x, T, B, D, k, ax);
    const aty = new Float32Array(x.length).fill(7); // must be overwritten, the dropped tail with zeros
    concatFramesBackward(y, T, B, D, k, aty);
    let left = 0;
    let right = 0;
    for (let i = 0; i < y.length; i++) left += ax[i]! * y[i]!;
    for (let i = 0; i < x.length; i++) right += x[i]! * aty[i]!;
    assert.ok(Math.abs(left - right) < 1e-4, `T=${T} k=${k}: ${left} vs ${right}`);
    for (let i = Tk * k * B * D; i < x.length; i++) assert.equal(aty[i], 0);
  }
});

test('concatFramesBackward() matches finite differences of Σ r·concatFrames(x)', () => {
  const rng = new Rng(2);
  const T = 7;
  const B = 2;
  const D = 3;
  const x = new Float32Array(T * B * D).map(() => rng.normal());
  const r = new Float32Array(3 * B * 2 * D).map(() => rng.normal());
  const y = new Float32Array(r.length);
  const loss = () => {
    concatFrames(x, T, B, D, 2, y);
    let s = 0;
    for (let i = 0; i < r.length; i++) s += r[i]! * y[i]!;
    return s;
  };
  const dX = new Float32Array(x.length);
  concatFramesBackward(r, T, B, D, 2, dX);
  const res = checkGradient({ params: [x], analytic: [dX], loss, rng });
  assert.ok(res.maxRelError < 1e-4, res.worst);
});
