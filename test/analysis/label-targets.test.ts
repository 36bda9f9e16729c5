import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bigramTarget, graphemeTarget, OTHER_BIGRAM, standInSymbols } from '../../src/analysis/label-targets.js';

const ALPHABET = ['a', 'b', 'c', ' '];

test('graphemeTarget() names the symbol itself, −1 outside the sequence or before its segment', () => {
  const t = graphemeTarget(ALPHABET);
  const seq = Int32Array.of(0, 1, 2);
  assert.deepEqual(t.names, ALPHABET);
  assert.deepEqual(
    [-1, 0, 1, 2, 3].map((j) => t.classOf(seq, j)),
    [-1, 0, 1, 2, -1],
  );
  // A language model's partition: position 1 lies before the segment that starts at 2.
  assert.equal(t.classOf(seq, 1, 2), -1);
});

test('bigramTarget() keeps the most frequent training pairs (ties by ids) and puts the rest in "other"', () => {
  // Pairs: ab ×3, bc ×2, ca ×1, ba ×1 (from the second sequence), c␣ ×1.
  const train = [Int32Array.of(0, 1, 2, 0, 1, 2, 3), Int32Array.of(0, 1, 0)];
  const t = bigramTarget(ALPHABET, train, 3);
  assert.deepEqual(t.names, ['ab', 'bc', 'ba', OTHER_BIGRAM]);
  const seq = Int32Array.of(0, 1, 2, 0, 2, 2);
  // j = 0 has no symbol before it; ca and cc are "other" (cc never seen in training).
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((j) => t.classOf(seq, j)),
    [-1, 0, 1, 3, 3, 3, -1],
  );
  // Within a segment starting at 3: position 3 has no pair, 4 does.
  assert.equal(t.classOf(seq, 3, 3), -1);
  assert.equal(t.classOf(seq, 4, 3), 3);
  // Fewer pairs than asked for: all of them, and "other" (never seen: empty).
  assert.deepEqual(bigramTarget(ALPHABET, [Int32Array.of(2, 1)], 5).names, ['cb', OTHER_BIGRAM]);
  assert.throws(() => bigramTarget(ALPHABET, train, 0), RangeError);
});

test('standInSymbols() gives distinct single characters, as many as asked', () => {
  for (const n of [1, 62, 64, 300]) {
    const s = standInSymbols(n);
    assert.equal(s.length, n);
    assert.equal(new Set(s).size, n);
    assert.ok(s.every((c) => [...c].length === 1 && c.trim() === c));
  }
  assert.deepEqual(standInSymbols(3), ['A', 'B', 'C']);
});
