import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featureWindowSize, windowFeatures } from '../../src/analysis/feature-control.js';

test('windowFeatures() stacks frames t−k … t+k, zeros beyond the utterance', () => {
  const F = 2;
  const features = Float32Array.of(1, 2, 3, 4, 5, 6); // 3 frames
  assert.equal(featureWindowSize(F, 1), 6);
  assert.throws(() => featureWindowSize(F, -1), RangeError);
  const out = new Float32Array(1 + 6).fill(9);
  windowFeatures(features, 3, F, 0, 1, out, 1);
  assert.deepEqual([...out], [9, 0, 0, 1, 2, 3, 4]);
  windowFeatures(features, 3, F, 2, 1, out, 1);
  assert.deepEqual([...out], [9, 3, 4, 5, 6, 0, 0]);
  const one = new Float32Array(2);
  windowFeatures(features, 3, F, 1, 0, one, 0);
  assert.deepEqual([...one], [3, 4]);
});
