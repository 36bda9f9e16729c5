import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identityStats } from '../../src/analysis/decoder-kernels.js';
import {
  dealToShards,
  memoryShards,
  ShardRowStream,
  shardCount,
  shardFeatureStats,
  shardOffsets,
  shardPlaces,
} from '../../src/analysis/train-shards.js';
import { Rng } from '../../src/core/random.js';

test('shardCount() is even, at least 2, and about 64k rows a shard', () => {
  assert.equal(shardCount(0), 2);
  assert.equal(shardCount(10), 2);
  assert.equal(shardCount(65_536 * 3), 4);
  assert.equal(shardCount(4_100_000), 64);
  for (const n of [1, 99, 200_000, 1_000_001]) assert.equal(shardCount(n) % 2, 0);
});

test('dealToShards() fills every shard to its size, and its first half is a uniformly random half', () => {
  const n = 10_001;
  const k = 6;
  const offsets = shardOffsets(n, k);
  const shard = dealToShards(n, k, new Rng(3));
  const sizes = new Array(k).fill(0);
  for (const s of shard) sizes[s]++;
  assert.deepEqual(
    sizes,
    Array.from({ length: k }, (_, s) => offsets[s + 1]! - offsets[s]!),
  );
  // Not a block split: the half stage's rows are spread over the whole sample (reading order).
  const firstHalf = Array.from(shard, (s, i) => (s < k / 2 ? i : -1)).filter((i) => i >= 0);
  const early = firstHalf.filter((i) => i < n / 2).length / firstHalf.length;
  assert.ok(Math.abs(early - 0.5) < 0.03, `share of the half stage in the first half of the sample: ${early}`);
  assert.deepEqual(dealToShards(n, k, new Rng(3)), shard);
  assert.notDeepEqual(dealToShards(n, k, new Rng(4)), shard);
  // Places in shard order are a permutation, each inside its shard's range.
  const place = shardPlaces(shard, offsets);
  assert.deepEqual(
    Array.from(place).sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i),
  );
  for (let i = 0; i < n; i++) assert.ok(place[i]! >= offsets[shard[i]!]! && place[i]! < offsets[shard[i]! + 1]!);
});

test('ShardRowStream visits every used row of its shards once an epoch, across shard boundaries', () => {
  const D = 3;
  const n = 50;
  const offsets = shardOffsets(n, 4);
  // Row r's state is (r, r, r) and its label r: the batch shows which rows came.
  const x = Float32Array.from({ length: n * D }, (_, i) => Math.floor(i / D));
  const labels = [Int32Array.from({ length: n }, (_, r) => r)];
  const used = (r: number) => r % 5 !== 0;
  const visit = [0, 1]; // the half stage: shards 0 and 1
  const stream = new ShardRowStream(memoryShards(x, D, offsets), visit, used, new Rng(1));
  const expected = Array.from({ length: offsets[2]! }, (_, r) => r).filter(used);
  assert.equal(stream.size, expected.length);
  const nb = 7; // does not divide the epoch: batches span shards and epochs
  const input = new Float32Array(nb * (D + 1));
  const targets = [new Int32Array(nb)];
  const seen: number[] = [];
  for (let b = 0; b < Math.ceil((2 * expected.length) / nb); b++) {
    stream.fill(labels, identityStats(D), input, targets, nb, 1, null);
    for (let i = 0; i < nb; i++) {
      assert.equal(input[i * (D + 1)], targets[0]![i]); // the state and the label of the same row
      seen.push(targets[0]![i]!);
    }
  }
  const epoch1 = seen.slice(0, expected.length);
  const epoch2 = seen.slice(expected.length, 2 * expected.length);
  assert.deepEqual(
    [...epoch1].sort((a, b) => a - b),
    expected,
  );
  assert.deepEqual(
    [...epoch2].sort((a, b) => a - b),
    expected,
  );
  assert.notDeepEqual(epoch1, epoch2); // reshuffled
});

test('ShardRowStream reads through `physical` when the states stay where they are', () => {
  const D = 2;
  const n = 20;
  const offsets = shardOffsets(n, 2);
  const physical = Int32Array.from({ length: n }, (_, r) => n - 1 - r); // shard order reverses the rows
  const x = Float32Array.from({ length: n * D }, (_, i) => Math.floor(i / D));
  const labels = [Int32Array.from({ length: n }, (_, r) => n - 1 - r)];
  const stream = new ShardRowStream({ D, offsets, physical, read: () => x }, [0, 1], () => true, new Rng(2));
  const input = new Float32Array(n * (D + 1));
  const targets = [new Int32Array(n)];
  stream.fill(labels, identityStats(D), input, targets, n, 1, null);
  for (let i = 0; i < n; i++) assert.equal(input[i * (D + 1)], targets[0]![i]);
});

test('shardFeatureStats() gives the mean and 1/std of the used rows', () => {
  const D = 2;
  const x = Float32Array.from([1, 5, 3, 5, 100, 100, 5, 5]); // rows (1,5) (3,5) (100,100) (5,5)
  const stats = shardFeatureStats(memoryShards(x, D, shardOffsets(4, 2)), (r) => r !== 2);
  assert.ok(Math.abs(stats.mean[0]! - 3) < 1e-6);
  assert.ok(Math.abs(stats.invStd[0]! - 1 / Math.sqrt(8 / 3)) < 1e-6);
  assert.equal(stats.mean[1], 5);
  assert.equal(stats.invStd[1], 1); // constant: not divided by zero
});
