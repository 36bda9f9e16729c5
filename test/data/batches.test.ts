import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { allocChunk, evalChunks, StreamBatcher } from '../../src/data/batches.js';
import type { EncodedPartition } from '../../src/data/corpus.js';

/** A partition from explicit segments of ids. */
function partition(segments: number[][]): EncodedPartition {
  const starts = [0];
  for (const s of segments) starts.push(starts[starts.length - 1] + s.length);
  return { ids: Uint8Array.from(segments.flat()), starts: Uint32Array.from(starts) };
}

// Positions 0..13: segments start at 0, 3, 5 and 9. The id tells its segment (tens) and place (units).
const hand = partition([
  [10, 11, 12],
  [20, 21],
  [30, 31, 32, 33],
  [40, 41, 42, 43, 44],
]);

test('StreamBatcher: B=2, T=3 on 14 symbols, worked out by hand', () => {
  const batcher = new StreamBatcher(hand, 2, 3);
  // L = 7: stream 0 = positions 0..6, stream 1 = positions 7..13 (starting mid-segment, at 32).
  assert.equal(batcher.streamLength, 7);
  assert.equal(batcher.chunksPerEpoch, 2);
  const c0 = batcher.chunk(0);
  assert.deepEqual([...c0.inputs], [10, 32, 11, 33, 12, 40]);
  assert.deepEqual([...c0.targets], [11, 33, 12, -1, -1, 41]);
  assert.deepEqual([...c0.resets], [1, 1, 0, 0, 0, 1]);
  assert.equal(c0.predicted, 4);
  const c1 = batcher.chunk(1);
  assert.deepEqual([...c1.inputs], [20, 41, 21, 42, 30, 43]);
  assert.deepEqual([...c1.targets], [21, 42, -1, 43, 31, 44]);
  assert.deepEqual([...c1.resets], [1, 0, 0, 0, 1, 0]);
  assert.equal(c1.predicted, 5);
  assert.equal(batcher.predictedCount(1), 5);
});

test('StreamBatcher drops the n mod B tail and never reads past a stream', () => {
  // 15 symbols, B = 2: L = 7, symbol 14 is unused; chunksPerEpoch = floor(6 / 2) = 3 with T = 2.
  const p = partition([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]]);
  const batcher = new StreamBatcher(p, 2, 2);
  assert.equal(batcher.chunksPerEpoch, 3);
  const last = batcher.chunk(2);
  // Positions 4, 5 of each stream; stream 1 starts at position 7 (id 8).
  assert.deepEqual([...last.inputs], [5, 12, 6, 13]);
  assert.deepEqual([...last.targets], [6, 13, 7, 14]);
  assert.deepEqual([...last.resets], [0, 0, 0, 0]);
  assert.throws(() => batcher.chunk(3), RangeError);
});

test('StreamBatcher chunks follow on: chunk k+1 starts where chunk k predicted', () => {
  const batcher = new StreamBatcher(hand, 2, 3);
  const out = allocChunk(2, 3);
  const c0 = [...batcher.chunk(0, out).targets];
  const c1 = batcher.chunk(1, out);
  assert.equal(c1, out);
  for (let b = 0; b < 2; b++) {
    const lastTarget = c0[2 * 2 + b];
    if (lastTarget !== -1) assert.equal(c1.inputs[b], lastTarget);
    else assert.equal(c1.resets[b], 1);
  }
});

test('StreamBatcher: a corpus too small for the batch is a UserError', () => {
  assert.throws(
    () => new StreamBatcher(hand, 2, 7),
    (err: unknown) => err instanceof UserError && err.message.startsWith('corpus too small for batch 2 × seq 7'),
  );
  assert.doesNotThrow(() => new StreamBatcher(hand, 2, 6));
  assert.throws(() => new StreamBatcher(hand, 0, 3), UserError);
  assert.throws(() => new StreamBatcher(hand, 2, 1.5), UserError);
});

test('evalChunks: B=2, T=3 on the same 14 symbols, worked out by hand', () => {
  const ev = evalChunks(hand, 2, 3);
  // The even cut (7) is equally near segment starts 5 and 9; the lower one wins: streams 0..4 and 5..13.
  assert.deepEqual([...ev.streamStarts], [0, 5, 14]);
  assert.equal(ev.chunkCount, 3);
  assert.equal(ev.predictedTotal, 10);
  const [c0, c1, c2] = [...ev];
  assert.deepEqual([...c0.inputs], [10, 30, 11, 31, 12, 32]);
  assert.deepEqual([...c0.targets], [11, 31, 12, 32, -1, 33]);
  assert.deepEqual([...c0.resets], [1, 1, 0, 0, 0, 0]);
  assert.deepEqual([...c1.inputs], [20, 33, 21, 40, 0, 41]);
  assert.deepEqual([...c1.targets], [21, -1, -1, 41, -1, 42]);
  assert.deepEqual([...c1.resets], [1, 0, 0, 1, 1, 0]);
  assert.deepEqual([...c2.inputs], [0, 42, 0, 43, 0, 44]);
  assert.deepEqual([...c2.targets], [-1, 43, -1, 44, -1, -1]);
  assert.deepEqual([...c2.resets], [1, 0, 1, 0, 1, 0]);
  assert.deepEqual([c0.predicted, c1.predicted, c2.predicted], [5, 3, 2]);
});

/** Random segments of 1..maxLen symbols. */
function randomPartition(rng: Rng, segments: number, maxLen: number): EncodedPartition {
  return partition(
    Array.from({ length: segments }, () => Array.from({ length: 1 + rng.int(maxLen) }, () => rng.int(30))),
  );
}

test('evalChunks covers every position once and predicts every predictable position exactly once', () => {
  const rng = new Rng(42);
  const shapes: [number, number, number, number][] = [
    [1, 1, 40, 9],
    [3, 4, 40, 9],
    [8, 5, 6, 3],
    [16, 7, 200, 30],
    [4, 64, 50, 20],
    [5, 3, 30, 1],
  ];
  for (const [B, T, segs, maxLen] of shapes) {
    const p = randomPartition(rng, segs, maxLen);
    const n = p.ids.length;
    const isStart = new Uint8Array(n + 1);
    for (const s of p.starts) isStart[s] = 1;
    const predictable = n - segs;
    if (predictable === 0) {
      assert.throws(() => evalChunks(p, B, T), UserError);
      continue;
    }
    const ev = evalChunks(p, B, T);
    // Walk each stream through the chunks, reading back the positions it covers.
    const seen: number[][] = Array.from({ length: B }, () => []);
    let predicted = 0;
    for (const c of ev) {
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const i = t * B + b;
          const g = ev.streamStarts[b] + seen[b].length;
          if (g >= ev.streamStarts[b + 1]) {
            assert.deepEqual([c.inputs[i], c.targets[i], c.resets[i]], [0, -1, 1], 'padding');
            continue;
          }
          seen[b].push(c.inputs[i]);
          assert.equal(c.inputs[i], p.ids[g]);
          assert.equal(c.resets[i], isStart[g] || seen[b].length === 1 ? 1 : 0);
          if (seen[b].length === 1) assert.equal(isStart[g], 1, 'a stream starts at a segment start');
          assert.equal(c.targets[i], isStart[g + 1] ? -1 : p.ids[g + 1]);
          if (c.targets[i] !== -1) predicted++;
        }
      }
      assert.equal(c.predicted, [...c.targets].filter((x) => x !== -1).length);
    }
    assert.deepEqual(Uint8Array.from(seen.flat()), p.ids, `B=${B} T=${T}: every position exactly once, in order`);
    assert.equal(predicted, predictable);
    assert.equal(ev.predictedTotal, predictable);
  }
});

test('StreamBatcher matches a direct reading of the layout on random partitions', () => {
  const rng = new Rng(7);
  for (const [B, T] of [
    [1, 5],
    [4, 3],
    [7, 10],
  ]) {
    const p = randomPartition(rng, 60, 12);
    const n = p.ids.length;
    const isStart = new Uint8Array(n + 1);
    for (const s of p.starts) isStart[s] = 1;
    const batcher = new StreamBatcher(p, B, T);
    const L = Math.floor(n / B);
    assert.equal(batcher.chunksPerEpoch, Math.floor((L - 1) / T));
    for (let k = 0; k < batcher.chunksPerEpoch; k++) {
      const c = batcher.chunk(k);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const g = b * L + k * T + t;
          const i = t * B + b;
          assert.equal(c.inputs[i], p.ids[g]);
          assert.equal(c.targets[i], isStart[g + 1] ? -1 : p.ids[g + 1]);
          assert.equal(c.resets[i], isStart[g] || k * T + t === 0 ? 1 : 0);
        }
      }
    }
  }
});
