import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultNormalization } from '../../src/data/normalize.js';
import { readingSegmentation, segmentDocuments, segmentText } from '../../src/data/segments.js';

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

const streamCfg = { ...cfg, alphabet: [...cfg.alphabet, '\n'], collapseWhitespace: false };

test('segmentation none: the whole text is one stream, its newlines kept when the alphabet has one', () => {
  const text = 'First Line!\n\nSecond line.\n';
  assert.deepEqual(segmentText(text, 'none', streamCfg), ['first line \n\nsecond line.\n']);
  // Without a newline symbol a newline is whitespace: the stream reads on across lines as one line of words.
  assert.deepEqual(segmentText(text, 'none', cfg), ['first line second line.']);
});

test('segmentDocuments: one stream per document with none, the documents read as one text otherwise', () => {
  const docs = ['One.\nTwo.', '  ', 'Three.'];
  assert.deepEqual(segmentDocuments(docs, 'none', streamCfg), ['one.\ntwo.', 'three.']);
  assert.deepEqual(segmentDocuments(docs, 'line', cfg), ['one.', 'two.', 'three.']);
});

test('readingSegmentation: none for a model trained on a stream or with a newline symbol, else left to the text', () => {
  const base = { normalization: cfg, corpus: null };
  assert.equal(readingSegmentation(base), undefined);
  assert.equal(readingSegmentation({ ...base, normalization: streamCfg }), 'none');
  assert.equal(readingSegmentation({ ...base, segmentation: 'sentence' }), 'sentence');
  const corpus = { segmentation: 'none' as const } as Parameters<typeof readingSegmentation>[0]['corpus'];
  assert.equal(readingSegmentation({ ...base, corpus }), 'none');
});
