import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam } from '../../src/core/optim.js';
import { Rng } from '../../src/core/random.js';
import { SimdAdam, simdAdamAvailable } from '../../src/core/simd-adam.js';

const skip = simdAdamAvailable() ? false : 'no WebAssembly SIMD in this runtime';

test('SimdAdam follows Adam to float32 rounding over many steps, on odd lengths', { skip }, () => {
  const rng = new Rng(5);
  const sizes = [1, 3, 4, 17, 1001]; // not multiples of four: the padding must stay out of the values
  const make = () => sizes.map((n, k) => ({ name: `p${k}`, data: new Float32Array(n), grad: new Float32Array(n) }));
  const a = make();
  const b = make();
  for (let k = 0; k < sizes.length; k++) {
    for (let i = 0; i < sizes[k]!; i++) a[k]!.data[i] = b[k]!.data[i] = rng.normal();
  }
  const js = new Adam(a, { lr: 3e-3 });
  const simd = new SimdAdam(b, 3e-3);
  for (let step = 0; step < 50; step++) {
    if (step === 25) js.lr = simd.lr = 6e-4; // a decayed rate takes effect at once
    for (let k = 0; k < sizes.length; k++) {
      for (let i = 0; i < sizes[k]!; i++) a[k]!.grad[i] = b[k]!.grad[i] = rng.normal() * 0.1;
    }
    js.step();
    simd.step();
  }
  assert.equal(simd.stepCount, 50);
  let moved = 0;
  for (let k = 0; k < sizes.length; k++) {
    for (let i = 0; i < sizes[k]!; i++) {
      assert.ok(Math.abs(a[k]!.data[i]! - b[k]!.data[i]!) < 1e-5, `p${k}[${i}]: ${a[k]!.data[i]} vs ${b[k]!.data[i]}`);
      moved = Math.max(moved, Math.abs(b[k]!.data[i]!));
    }
  }
  assert.ok(moved > 0);
});

test('SimdAdam treats gradients below 1e-16 as zero and keeps no denormal moment', { skip }, () => {
  const p = { data: Float32Array.from([1, 1, 1, 1, 1]), grad: Float32Array.from([1e-21, -1e-20, 0, 1e-3, 1e-17]) };
  const adam = new SimdAdam([p], 1e-3);
  adam.step();
  assert.deepEqual(Array.from(p.data.subarray(0, 3)), [1, 1, 1]);
  assert.ok(p.data[3]! < 1); // a real gradient moves its weight by about the learning rate
  assert.ok(Math.abs(1 - p.data[3]! - 1e-3) < 1e-6);
  assert.equal(p.data[4], 1);
});
