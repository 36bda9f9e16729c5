import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  countCharacterErrors,
  countWordErrors,
  editDistance,
  errorRate,
  splitWords,
} from '../../src/asr/error-rates.js';

test('editDistance() counts substitutions, deletions and insertions (known answers)', () => {
  assert.equal(editDistance([...'kitten'], [...'sitting']), 3);
  assert.equal(editDistance([...'flaw'], [...'lawn']), 2);
  assert.equal(editDistance([], [...'abc']), 3);
  assert.equal(editDistance([...'abc'], []), 3);
  assert.equal(editDistance([...'same'], [...'same']), 0);
});

test('countCharacterErrors() and countWordErrors(): CER and WER of known pairs; corpus rates sum before dividing', () => {
  assert.deepEqual(countCharacterErrors('the cat', 'the bat'), { edits: 1, length: 7 });
  assert.deepEqual(countWordErrors('the cat sat', 'the bat sat down'), { edits: 2, length: 3 });
  assert.deepEqual(splitWords('  two  words '), ['two', 'words']);
  // 1 edit in 7 characters and 4 in 3: (1 + 4) / (7 + 3), not the mean of the two rates.
  const rate = errorRate([countCharacterErrors('the cat', 'the bat'), countCharacterErrors('abc', 'xyzw')]);
  assert.equal(rate, 5 / 10);
  assert.equal(errorRate([]), 0);
  assert.equal(errorRate([{ edits: 2, length: 0 }]), Number.POSITIVE_INFINITY);
});
