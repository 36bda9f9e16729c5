import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskFeatures } from '../../src/asr/augment.js';
import { makeLasBatch, planEpochBatches } from '../../src/asr/batching.js';
import { Rng } from '../../src/core/random.js';

const lengths = Array.from({ length: 50 }, (_, i) => 100 + ((i * 37) % 50) * 7);

test('planEpochBatches(): every utterance once per epoch, similar lengths together, seeded, a new order each epoch', () => {
  const a = planEpochBatches(lengths, { batch: 4, seed: 1, epoch: 0, curriculum: false });
  assert.deepEqual(
    a.flat().sort((x, y) => x - y),
    lengths.map((_, i) => i),
  );
  assert.equal(a.length, 13);
  assert.deepEqual(planEpochBatches(lengths, { batch: 4, seed: 1, epoch: 0, curriculum: false }), a);
  assert.notDeepEqual(planEpochBatches(lengths, { batch: 4, seed: 1, epoch: 1, curriculum: false }), a);
  // Within a batch the spread of lengths stays within one bucket's (8 batches of the sorted order).
  const sorted = [...lengths].sort((x, y) => x - y);
  for (const b of a) {
    const ls = b.map((i) => lengths[i]!);
    assert.ok(Math.max(...ls) - Math.min(...ls) <= sorted[31]! - sorted[0]!);
  }
});

test('planEpochBatches() with curriculum: batches from the shortest to the longest', () => {
  const c = planEpochBatches(lengths, { batch: 5, seed: 3, epoch: 0, curriculum: true });
  const longest = c.map((b) => Math.max(...b.map((i) => lengths[i]!)));
  assert.deepEqual(
    longest,
    [...longest].sort((x, y) => x - y),
  );
});

test('makeLasBatch(): time-major, zero-padded; maskFeatures() zeroes bands and leaves the input as it is', () => {
  const one = { features: Float32Array.of(1, 2, 3, 4, 5, 6), frames: 3, labels: Int32Array.of(1) };
  const two = { features: Float32Array.of(7, 8), frames: 1, labels: Int32Array.of(0, 2) };
  const batch = makeLasBatch([one, two], 2);
  assert.equal(batch.T, 3);
  assert.deepEqual([...batch.features], [1, 2, 7, 8, 3, 4, 0, 0, 5, 6, 0, 0]);
  assert.deepEqual([...batch.frames], [3, 1]);
  const x = new Float32Array(100 * 10).fill(1);
  const masked = maskFeatures(
    x,
    100,
    10,
    { timeMasks: 2, timeMaskWidth: 10, freqMasks: 2, freqMaskWidth: 3 },
    new Rng(1),
  );
  assert.ok(masked !== x && x.every((v) => v === 1));
  assert.ok(masked.some((v) => v === 0));
  const none = { timeMasks: 0, timeMaskWidth: 10, freqMasks: 0, freqMaskWidth: 3 };
  assert.equal(maskFeatures(x, 100, 10, none, new Rng(1)), x);
});
