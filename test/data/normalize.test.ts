import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { defaultNormalization, normalizeText, validateNormalization } from '../../src/data/normalize.js';
import type { NormalizationConfig } from '../../src/models/config.js';

const cfg = defaultNormalization();

test('default normalization is the paper symbol set, in id order', () => {
  assert.equal(cfg.alphabet.length, 30);
  assert.equal(cfg.alphabet.join(''), "abcdefghijklmnopqrstuvwxyz#'. ");
  assert.deepEqual(
    { ...cfg, alphabet: [] },
    {
      alphabet: [],
      lowercase: true,
      digitSymbol: '#',
      unknown: 'space',
      collapseWhitespace: true,
    },
  );
});

test('normalizeText: case, digits, curly quotes, accents, punctuation to space, collapsed whitespace', () => {
  const raw = '  Hello, World! It’s 2024…  ‘Quoted’ — naïve CAFÉ\tTab\n\nend.  ';
  assert.equal(normalizeText(raw, cfg), "hello world it's #### 'quoted' naive cafe tab end.");
});

test('normalizeText: unknown "drop" removes characters instead of spacing them', () => {
  assert.equal(normalizeText('self-love; e-mail', { ...cfg, unknown: 'drop' }), 'selflove email');
});

test('normalizeText: digitSymbol null treats digits as unknown characters', () => {
  assert.equal(normalizeText('room 101, floor 3', { ...cfg, digitSymbol: null }), 'room floor');
});

test('normalizeText: without collapseWhitespace, spaces are kept as they are', () => {
  assert.equal(normalizeText(' a\t b ', { ...cfg, collapseWhitespace: false }), ' a  b ');
});

test('normalizeText: lowercase false keeps case for an alphabet that has capitals', () => {
  const custom: NormalizationConfig = { ...cfg, alphabet: [...'abAB '], lowercase: false, digitSymbol: null };
  assert.equal(normalizeText('Ab BA cab', custom), 'Ab BA ab');
});

function assertInvalid(value: unknown, pattern: RegExp): void {
  assert.throws(
    () => validateNormalization(value, 'model/config.json'),
    (err: unknown) =>
      err instanceof UserError && err.message.startsWith('model/config.json: ') && pattern.test(err.message),
  );
}

test('validateNormalization accepts the default and rejects broken configs with a named UserError', () => {
  validateNormalization(cfg);
  assertInvalid(null, /object/);
  assertInvalid({ ...cfg, alphabet: 'abc' }, /alphabet/);
  assertInvalid({ ...cfg, alphabet: ['a', 'bc', ' '] }, /one character/);
  assertInvalid({ ...cfg, alphabet: ['a', 'a', ' ', '#'] }, /twice/);
  assertInvalid({ ...cfg, alphabet: ['a', '\r', ' ', '#'] }, /control/);
  // A newline and a tab are symbols of a stream alphabet.
  validateNormalization({ ...cfg, alphabet: ['a', '\n', ' ', '\t', '#'] });
  assertInvalid({ ...cfg, digitSymbol: '0' }, /digitSymbol/);
  assertInvalid({ ...cfg, alphabet: [...'abc#'], collapseWhitespace: false }, /unknown is "space"/);
  assertInvalid({ ...cfg, alphabet: [...'abc#'], unknown: 'drop' }, /collapseWhitespace/);
  assertInvalid({ ...cfg, unknown: 'keep' }, /unknown/);
  assertInvalid({ ...cfg, lowercase: 'yes' }, /lowercase/);
  assertInvalid({ ...cfg, alphabet: Array.from({ length: 256 }, (_, i) => String.fromCharCode(0x100 + i)) }, /255/);
});
