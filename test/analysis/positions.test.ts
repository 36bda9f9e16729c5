import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eligiblePositionCount, labelCount, labelCounts, samplePositions } from '../../src/analysis/positions.js';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import type { EncodedPartition } from '../../src/data/corpus.js';

/** A partition from explicit segments of ids. */
function partition(segments: number[][]): EncodedPartition {
  const starts = [0];
  for (const s of segments) starts.push(starts[starts.length - 1]! + s.length);
  return { ids: Uint8Array.from(segments.flat()), starts: Uint32Array.from(starts) };
}

// Offsets 0..14; segments start at 0, 3, 4, 4 (empty), 6 and 10. The id tells the segment (tens) and place (units).
const hand = partition([[10, 11, 12], [20], [30, 31], [], [50, 51, 52, 53], [60, 61, 62, 63, 64]]);

test('take-all: a partition with no more eligible positions than asked gives all of them, labelled by hand', () => {
  assert.equal(eligiblePositionCount(hand), 2 + 0 + 1 + 0 + 3 + 4);
  const s = samplePositions(hand, 100, 3, new Rng(1));
  // Every position but the first of its segment.
  assert.deepEqual([...s.index], [1, 2, 5, 7, 8, 9, 11, 12, 13, 14]);
  assert.equal(s.labels.length, 3);
  assert.deepEqual([...s.labels[0]!], [10, 11, 30, 50, 51, 52, 60, 61, 62, 63]);
  assert.deepEqual([...s.labels[1]!], [-1, 10, -1, -1, 50, 51, -1, 60, 61, 62]);
  assert.deepEqual([...s.labels[2]!], [-1, -1, -1, -1, -1, 50, -1, -1, 60, 61]);
  assert.equal(labelCount(s, 1), 10);
  assert.equal(labelCount(s, 3), 3);
  assert.deepEqual(labelCounts(s), [10, 6, 3]);
  assert.throws(() => labelCount(s, 4), RangeError);
  // Exactly as many as there are: still all of them.
  assert.deepEqual([...samplePositions(hand, 10, 1, new Rng(2)).index], [...s.index]);
});

test('labels are −1 exactly where t−δ crosses a segment start', () => {
  const rng = new Rng(5);
  const segments = Array.from({ length: 40 }, () => Array.from({ length: 1 + rng.int(12) }, () => rng.int(200)));
  const p = partition(segments);
  const s = samplePositions(p, 60, 15, new Rng(9));
  assert.equal(s.index.length, 60);
  for (let i = 0; i < s.index.length; i++) {
    const g = s.index[i]!;
    let start = 0;
    for (let k = 0; k < p.starts.length - 1; k++) if (p.starts[k]! <= g) start = p.starts[k]!;
    assert.ok(g - start >= 1, 'a sampled position has history in its segment');
    for (let delta = 1; delta <= 15; delta++) {
      const expected = g - delta >= start ? p.ids[g - delta]! : -1;
      assert.equal(s.labels[delta - 1]![i], expected, `position ${g}, δ ${delta}`);
    }
  }
});

test('sampling is deterministic per seed, sorted, distinct, and differs between seeds', () => {
  const p = partition(Array.from({ length: 50 }, (_, i) => Array.from({ length: 20 }, (_, j) => (i + j) % 29)));
  const a = samplePositions(p, 100, 4, new Rng(42));
  const b = samplePositions(p, 100, 4, new Rng(42));
  const c = samplePositions(p, 100, 4, new Rng(43));
  assert.deepEqual(a, b);
  assert.notDeepEqual([...a.index], [...c.index]);
  assert.equal(a.index.length, 100);
  for (let i = 1; i < a.index.length; i++) assert.ok(a.index[i]! > a.index[i - 1]!);
  for (const g of a.index) assert.ok(g % 20 !== 0, 'never the first position of a segment');
});

test('sampling is roughly uniform over the eligible positions', () => {
  const p = partition([[1, 2, 3, 4, 5, 6], [7], [8, 9, 10], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]]);
  const E = eligiblePositionCount(p); // 5 + 0 + 2 + 10
  assert.equal(E, 17);
  const runs = 3000;
  const k = 5;
  const hits = new Map<number, number>();
  for (let seed = 0; seed < runs; seed++) {
    const s = samplePositions(p, k, 1, new Rng(seed));
    assert.equal(new Set(s.index).size, k);
    for (const g of s.index) hits.set(g, (hits.get(g) ?? 0) + 1);
  }
  assert.equal(hits.size, E);
  const expected = (runs * k) / E; // ≈ 882, standard deviation ≈ 25
  let chi2 = 0;
  for (const n of hits.values()) {
    assert.ok(Math.abs(n - expected) < 0.15 * expected, `${n} hits, expected about ${expected}`);
    chi2 += (n - expected) ** 2 / expected;
  }
  // 16 degrees of freedom: P[χ² > 39.25] = 0.001.
  assert.ok(chi2 < 39.25, `χ² = ${chi2}`);
});

test('rejects bad counts and δ; an empty sample is fine', () => {
  assert.throws(() => samplePositions(hand, -1, 2, new Rng(1)), UserError);
  assert.throws(() => samplePositions(hand, 1.5, 2, new Rng(1)), UserError);
  assert.throws(() => samplePositions(hand, 3, 0, new Rng(1)), UserError);
  const none = samplePositions(hand, 0, 2, new Rng(1));
  assert.equal(none.index.length, 0);
  assert.deepEqual(
    none.labels.map((l) => l.length),
    [0, 0],
  );
  const onlyShort = partition([[1], [2], [3]]);
  assert.equal(samplePositions(onlyShort, 5, 1, new Rng(1)).index.length, 0);
});
