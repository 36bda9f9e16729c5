import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { Alphabet } from '../../src/data/alphabet.js';
import { defaultNormalization } from '../../src/data/normalize.js';

const alphabet = new Alphabet(defaultNormalization().alphabet);

test('Alphabet maps symbols to ids in order', () => {
  assert.equal(alphabet.size, 30);
  assert.equal(alphabet.idOf('a'), 0);
  assert.equal(alphabet.idOf('z'), 25);
  assert.equal(alphabet.idOf('#'), 26);
  assert.equal(alphabet.idOf("'"), 27);
  assert.equal(alphabet.idOf('.'), 28);
  assert.equal(alphabet.idOf(' '), 29);
  assert.equal(alphabet.idOf('A'), -1);
  assert.equal(alphabet.idOf('ab'), -1);
  assert.equal(alphabet.idOf(''), -1);
});

test('encode and decode round-trip', () => {
  const ids = alphabet.encode("it's #.");
  assert.deepEqual([...ids], [8, 19, 27, 18, 29, 26, 28]);
  assert.ok(ids instanceof Uint8Array);
  assert.equal(alphabet.decode(ids), "it's #.");
  assert.equal(alphabet.decode([]), '');
});

test('encode names the character that is not in the alphabet', () => {
  assert.throws(
    () => alphabet.encode('ok!'),
    (err: unknown) => err instanceof UserError && err.message.includes('"!"') && err.message.includes('U+0021'),
  );
  assert.throws(() => alphabet.decode([30]), RangeError);
});

test('astral symbols are one character each', () => {
  const emoji = new Alphabet(['a', '😀']);
  assert.deepEqual([...emoji.encode('a😀a')], [0, 1, 0]);
  assert.equal(emoji.idOf('😀'), 1);
  assert.equal(emoji.decode([1, 0]), '😀a');
});

test('Alphabet rejects duplicates, multi-character symbols and more than 255 symbols', () => {
  assert.throws(() => new Alphabet(['a', 'a']), UserError);
  assert.throws(() => new Alphabet(['a', 'bc']), UserError);
  assert.throws(() => new Alphabet([]), UserError);
  const many = Array.from({ length: 256 }, (_, i) => String.fromCharCode(0x100 + i));
  assert.throws(() => new Alphabet(many), UserError);
  const max = new Alphabet(many.slice(0, 255));
  assert.equal(max.encode(many[254])[0], 254);
});
