import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultNormalization } from '../../src/data/normalize.js';
import { segmentText } from '../../src/data/segments.js';

const cfg = defaultNormalization();

test('line segmentation: one normalized segment per line, empty results dropped', () => {
  const text = 'First Line!\n\n   \n--- ***\nSecond, line.\nthird';
  assert.deepEqual(segmentText(text, 'line', cfg), ['first line', 'second line.', 'third']);
});

test('sentence segmentation splits after . ! ? followed by whitespace, on the raw text', () => {
  const text = 'Is it 3.5 miles? Yes! It is.\nA new line continues\nthe sentence. "Quoted." Then (bracketed.) end';
  assert.deepEqual(segmentText(text, 'sentence', cfg), [
    'is it #.# miles',
    'yes',
    'it is.',
    'a new line continues the sentence.',
    'quoted.',
    'then bracketed.',
    'end',
  ]);
});

test('sentence segmentation also ends a sentence at a blank line', () => {
  const text = 'ROMEO\nBut soft what light\n\n  \nJULIET\nAy me';
  assert.deepEqual(segmentText(text, 'sentence', cfg), ['romeo but soft what light', 'juliet ay me']);
});

test('without collapseWhitespace, all-space segments are still dropped', () => {
  assert.deepEqual(segmentText('a  b\n  \n!!\nc', 'line', { ...cfg, collapseWhitespace: false }), ['a  b', 'c']);
});
