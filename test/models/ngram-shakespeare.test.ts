import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { prepareCorpus } from '../../src/data/corpus.js';
import { trainNgram } from '../../src/models/ngram.js';

const TINY_SHAKESPEARE = '/work/shared/data/tinyshakespeare.txt';

test('trainNgram() 5-gram on tiny Shakespeare: eval perplexity of a few per character, below lower orders', {
  skip: !existsSync(TINY_SHAKESPEARE),
}, async () => {
  const corpus = await prepareCorpus(TINY_SHAKESPEARE);
  const V = corpus.alphabet.symbols.length;
  const { train, eval: evalPart } = corpus.partitions;
  const five = trainNgram(train, V, { order: 5 });
  const e = five.evaluate(evalPart, corpus.alphabet.symbols);
  // A character 5-gram on ~1 M characters of Shakespeare: about 2 bits per character.
  assert.ok(e.perplexity > 3 && e.perplexity < 5.5, `5-gram eval perplexity ${e.perplexity}`);
  assert.ok(e.accuracy > 0.4 && e.accuracy < 0.7, `5-gram eval accuracy ${e.accuracy}`);
  assert.equal(e.predicted, evalPart.ids.length - (evalPart.starts.length - 1));
  // It fits its own training text better, and a longer context helps.
  assert.ok(five.evaluate(train).perplexity < e.perplexity);
  const three = trainNgram(train, V, { order: 3 }).evaluate(evalPart);
  assert.ok(three.perplexity > e.perplexity, `3-gram ${three.perplexity} vs 5-gram ${e.perplexity}`);
  const unigram = trainNgram(train, V, { order: 1 }).evaluate(evalPart);
  assert.ok(unigram.perplexity > 12 && unigram.perplexity < V, `unigram ${unigram.perplexity}`);
});
