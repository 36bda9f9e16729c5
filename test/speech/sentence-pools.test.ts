import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSentencePools, selectSentences } from '../../src/speech/sentence-pools.js';
import { FIXTURES } from '../cli/helpers.js';

test('selectSentences() keeps speakable lengths, drops the digit symbol and makes the pools disjoint', () => {
  const pools = selectSentences(
    {
      train: [
        'a sentence long enough.',
        'held out text here.',
        'too short',
        'year ####.... and more',
        'a sentence long enough.',
      ],
      dev: ['held out text here.', 'only in dev, long enough.'],
      eval: ['held out text here.'],
    },
    { minChars: 12, maxChars: 40, digitSymbol: '#' },
  );
  assert.deepEqual(pools, {
    train: ['a sentence long enough.'],
    dev: ['only in dev, long enough.'],
    eval: ['held out text here.'],
  });
});

test('loadSentencePools() follows the corpus split of memsig train and leaves digits out', async () => {
  const { pools, alphabet, digitSymbol } = await loadSentencePools(join(FIXTURES, 'speech-corpus', 'sentences.txt'), {
    minChars: 20,
    maxChars: 200,
  });
  assert.equal(digitSymbol, '#');
  assert.ok(alphabet.includes('#'));
  assert.ok(pools.train.length > 80 && pools.dev.length >= 5 && pools.eval.length >= 5);
  const train = new Set(pools.train);
  for (const s of [...pools.dev, ...pools.eval]) assert.ok(!train.has(s));
  for (const s of [...pools.train, ...pools.dev, ...pools.eval]) assert.ok(!s.includes('#') && s === s.toLowerCase());
});
