import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { makeNormalizer } from '../../src/data/normalize.js';
import { rawAlphabet, rawNormalization } from '../../src/data/raw-alphabet.js';

test('rawAlphabet: every character, most frequent first, ties in code point order', () => {
  assert.deepEqual(rawAlphabet('bAb\nA!a\n\nb', true), ['\n', 'b', 'A', '!', 'a']);
  // Without streams a newline never reaches the model, so it is no symbol.
  assert.deepEqual(rawAlphabet('bAb\nA!a\n\nb', false), ['b', 'A', '!', 'a']);
});

test('rawAlphabet counts apostrophes as normalization will see them, and leaves out control characters', () => {
  assert.deepEqual(rawAlphabet("it’s it's\r\u0007x", true), ["'", 'i', 's', 't', ' ', 'x']);
  assert.throws(
    () => rawAlphabet(Array.from({ length: 300 }, (_, i) => String.fromCharCode(0x400 + i)).join(''), true),
    (err: unknown) => err instanceof UserError && /300 distinct characters/.test(err.message),
  );
});

test('rawNormalization keeps the text as it is: case, digits and whitespace', () => {
  const cfg = rawNormalization(rawAlphabet('Act 3,\n  Scene 1.\n', true));
  assert.deepEqual(
    [cfg.lowercase, cfg.digitSymbol, cfg.collapseWhitespace, cfg.unknown],
    [false, null, false, 'space'],
  );
  assert.equal(makeNormalizer(cfg)('Act 1,\n  Scene 3.\n'), 'Act 1,\n  Scene 3.\n');
  assert.equal(makeNormalizer(cfg)('Act 9!'), 'Act   ', 'characters the text never had become spaces');
});
