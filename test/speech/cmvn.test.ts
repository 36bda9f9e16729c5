import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeUtterance } from '../../src/speech/cmvn.js';

test('normalizeUtterance() gives every bin mean 0 and variance 1, leaving the input unchanged', () => {
  // (4, 2): bin 0 is 1..4, bin 1 is 10, 30, 10, 30.
  const data = Float32Array.from([1, 10, 2, 30, 3, 10, 4, 30]);
  const input = { frames: 4, bins: 2, data };
  const out = normalizeUtterance(input);
  assert.deepEqual(input.data, Float32Array.from([1, 10, 2, 30, 3, 10, 4, 30]));
  assert.deepEqual([out.frames, out.bins], [4, 2]);
  const s = Math.sqrt(1.25); // population std of 1..4
  const want = [-1.5 / s, -1, -0.5 / s, 1, 0.5 / s, -1, 1.5 / s, 1];
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(out.data[i] - want[i]) < 1e-6, `${i}: ${out.data[i]}`);
});

test('normalizeUtterance() centres a constant bin without dividing by zero, and passes no frames through', () => {
  const out = normalizeUtterance({ frames: 3, bins: 1, data: Float32Array.from([-15.9, -15.9, -15.9]) });
  assert.deepEqual([...out.data], [0, 0, 0]);
  const empty = normalizeUtterance({ frames: 0, bins: 40, data: new Float32Array(0) });
  assert.deepEqual([empty.frames, empty.bins, empty.data.length], [0, 40, 0]);
});
