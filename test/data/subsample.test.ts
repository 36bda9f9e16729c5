import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Alphabet } from '../../src/data/alphabet.js';
import { encodeSegments, type PreparedCorpus } from '../../src/data/corpus.js';
import { defaultNormalization } from '../../src/data/normalize.js';
import { subsampleTrain } from '../../src/data/subsample.js';
import type { CorpusRecord } from '../../src/models/config.js';

function corpusOf(train: string[], segmentation: CorpusRecord['segmentation']): PreparedCorpus {
  const normalization = defaultNormalization();
  const alphabet = new Alphabet(normalization.alphabet);
  const part = encodeSegments(train, alphabet);
  const record = { segmentation, symbols: { train: part.ids.length, dev: 0, eval: 0 } } as CorpusRecord;
  return { alphabet, normalization, partitions: { train: part, dev: part, eval: part }, record };
}

test('subsampleTrain of a stream corpus keeps a seeded contiguous window of the fraction of its symbols', () => {
  const streams = ['abcdefghijklmnopqrstuvwxyz'.repeat(4), 'the second stream of text.'.repeat(2)];
  const whole = streams.join('');
  const c = subsampleTrain(corpusOf(streams, 'none'), 0.25, 3);
  const kept = c.partitions.train;
  assert.equal(kept.ids.length, Math.round(0.25 * whole.length));
  const text = c.alphabet.decode(kept.ids);
  assert.ok(whole.includes(text), 'one contiguous piece of the text');
  assert.equal(c.record.symbols.train, kept.ids.length);
  assert.deepEqual(
    subsampleTrain(corpusOf(streams, 'none'), 0.25, 3).partitions.train,
    kept,
    'the same seed, the same window',
  );
  // By segment, a line corpus keeps whole lines.
  const lines = subsampleTrain(corpusOf(['one', 'two', 'three', 'four'], 'line'), 0.5, 3);
  assert.equal(lines.partitions.train.starts.length - 1, 2);
});
