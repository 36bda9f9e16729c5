import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sigmoid32, tanh32 } from '../../src/core/activations.js';

test('tanh32() stays within 4e-8 of Math.tanh on a dense grid, saturates, and passes NaN through', () => {
  let worst = 0;
  for (let x = -30; x <= 30; x += 1 / 1024 + 1e-7) worst = Math.max(worst, Math.abs(tanh32(x) - Math.tanh(x)));
  assert.ok(worst < 4e-8, `max error ${worst}`);
  assert.ok(Math.abs(tanh32(1e30) - 1) < 4e-8 && Math.abs(tanh32(-Infinity) + 1) < 4e-8);
  assert.equal(tanh32(0), 0);
  assert.ok(Number.isNaN(tanh32(Number.NaN)));
});

test('sigmoid32() stays within 2e-8 of the logistic function', () => {
  let worst = 0;
  for (let x = -60; x <= 60; x += 1 / 512 + 1e-7)
    worst = Math.max(worst, Math.abs(sigmoid32(x) - 1 / (1 + Math.exp(-x))));
  assert.ok(worst < 2e-8, `max error ${worst}`);
  assert.equal(sigmoid32(0), 0.5);
});
