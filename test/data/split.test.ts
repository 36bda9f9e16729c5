import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { splitCorpusSegments, splitCounts, splitSegments, splitStreams } from '../../src/data/split.js';

const segments = Array.from({ length: 1000 }, (_, i) => i);
const fractions = { train: 0.8, dev: 0.1, eval: 0.1 };

test('same seed gives the same split; a different seed a different one', () => {
  const a = splitSegments(segments, fractions, 7);
  const b = splitSegments(segments, fractions, 7);
  const c = splitSegments(segments, fractions, 8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.dev, c.dev);
  assert.notDeepEqual(a.eval, c.eval);
});

test('partition sizes follow the fractions; every segment lands in exactly one partition, in corpus order', () => {
  const s = splitSegments(segments, fractions, 3);
  assert.equal(s.train.length, 800);
  assert.equal(s.dev.length, 100);
  assert.equal(s.eval.length, 100);
  assert.deepEqual(
    [...s.train, ...s.dev, ...s.eval].sort((x, y) => x - y),
    segments,
  );
  for (const part of [s.train, s.dev, s.eval]) {
    for (let i = 1; i < part.length; i++) assert.ok(part[i - 1] < part[i], 'partition is not in corpus order');
  }
  // Random assignment, not a contiguous cut: dev draws from across the corpus.
  assert.ok(s.dev[0] < 200 && s.dev[s.dev.length - 1] > 800);
});

test('default fractions are 0.9 / 0.05 / 0.05', () => {
  const s = splitSegments(segments);
  assert.deepEqual([s.train.length, s.dev.length, s.eval.length], [900, 50, 50]);
  assert.deepEqual(splitCounts(10, { train: 0.9, dev: 0.05, eval: 0.05 }), { train: 8, dev: 1, eval: 1 });
});

test('a corpus too small for the split is a UserError', () => {
  assert.throws(
    () => splitSegments(['a', 'b', 'c', 'd', 'e'], undefined, 1),
    (err: unknown) =>
      err instanceof UserError &&
      err.message.startsWith('corpus too small for the split: 5 segments (needs at least 10)'),
  );
  assert.doesNotThrow(() => splitSegments(['a', 'b', 'c'], { train: 0.4, dev: 0.3, eval: 0.3 }, 1));
});

test('fractions must be positive and add up to 1', () => {
  assert.throws(() => splitSegments(segments, { train: 0.9, dev: 0.1, eval: 0 }, 1), /eval/);
  assert.throws(() => splitSegments(segments, { train: 0.5, dev: 0.1, eval: 0.1 }, 1), /add up to 1/);
  assert.throws(() => splitSegments(segments, { train: Number.NaN, dev: 0.1, eval: 0.1 }, 1), UserError);
});

test('splitStreams: contiguous 90/5/5 blocks of the symbols, train first, then dev, then eval', () => {
  const text = 'abcdefghij'.repeat(10); // 100 characters
  const s = splitStreams([text]);
  assert.deepEqual(s, { train: [text.slice(0, 90)], dev: [text.slice(90, 95)], eval: [text.slice(95)] });
  // The seed of a segment split plays no part: streams are never shuffled.
  assert.deepEqual(splitCorpusSegments([text], 'none', { train: 0.9, dev: 0.05, eval: 0.05 }, 7), s);
});

test('splitStreams: a stream cut by a block boundary goes on as a new segment; whole streams stay whole', () => {
  const streams = ['a'.repeat(50), 'b'.repeat(30), 'c'.repeat(15), 'd'.repeat(5)];
  const s = splitStreams(streams, { train: 0.6, dev: 0.3, eval: 0.1 });
  assert.deepEqual(s.train, ['a'.repeat(50), 'b'.repeat(10)]);
  assert.deepEqual(s.dev, ['b'.repeat(20), 'c'.repeat(10)]);
  assert.deepEqual(s.eval, ['c'.repeat(5), 'd'.repeat(5)]);
  assert.equal([...s.train, ...s.dev, ...s.eval].join(''), streams.join(''));
});

test('splitStreams never cuts an astral character in two, and refuses a text too short for the blocks', () => {
  const text = `${'x'.repeat(89)}😀${'y'.repeat(9)}`; // the emoji's two code units straddle offset 90
  const s = splitStreams([text]);
  assert.equal(s.train[0], `${'x'.repeat(89)}😀`);
  assert.throws(
    () => splitStreams(['abcdefghij']),
    (err: unknown) => err instanceof UserError && /too small for the split: 10 characters/.test(err.message),
  );
});
