import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam } from '../../src/core/optim.js';
import { Rng } from '../../src/core/random.js';
import { AdamMemory, SimdAdam, simdAdamAvailable } from '../../src/core/simd-adam.js';

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

test('SimdAdam on an AdamMemory updates its parameters in place, exactly as with copies', { skip }, () => {
  const rng = new Rng(6);
  const sizes = [8, 3, 1000, 17];
  const memory = new AdamMemory(2 * sizes.reduce((a, b) => a + b, 0));
  const inMemory = sizes.map((n, k) => ({ name: `p${k}`, data: memory.alloc(n), grad: memory.alloc(n) }));
  // A view at an offset that is not 16-byte aligned (the bias row of a decoder's first-layer block) is copied.
  const block = memory.alloc(12);
  const blockGrad = memory.alloc(12);
  inMemory.push({ name: 'tail', data: block.subarray(1), grad: blockGrad.subarray(1) });
  const copied = inMemory.map((p) => ({ name: p.name, data: p.data.slice(), grad: p.grad.slice() }));
  for (const [i, p] of inMemory.entries()) {
    for (let j = 0; j < p.data.length; j++) p.data[j] = copied[i]!.data[j] = rng.normal();
  }
  const free = memory.free;
  const shared = new SimdAdam(inMemory, 1e-2, memory);
  // Moments only (2 × 8, 2 × 1000) for the two it updates in place; value, gradient and moments for the others.
  assert.equal(free - memory.free, 2 * 8 + 2 * 1000 + 4 * (4 + 20 + 12));
  const own = new SimdAdam(copied, 1e-2);
  const before = block[0];
  for (let step = 0; step < 20; step++) {
    for (const [i, p] of inMemory.entries()) {
      for (let j = 0; j < p.grad.length; j++) p.grad[j] = copied[i]!.grad[j] = rng.normal() * 0.1;
    }
    shared.step();
    own.step();
  }
  for (const [i, p] of inMemory.entries()) assert.deepEqual(p.data, copied[i]!.data, p.name);
  assert.equal(block[0], before, 'the entry before the view is not touched');
  assert.notDeepEqual(inMemory[2]!.data, new Float32Array(1000));
  // With its memory full, a new optimizer keeps a memory of its own and copies, with the same result.
  memory.alloc(memory.free);
  assert.equal(memory.free, 0);
  const third = new SimdAdam(inMemory, 1e-2, memory);
  const fourth = new SimdAdam(copied, 1e-2);
  third.step();
  fourth.step();
  for (const [i, p] of inMemory.entries()) assert.deepEqual(p.data, copied[i]!.data, p.name);
});
