import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  groupPhonesByPause,
  splitTextWords,
  spokenWords,
  timeWordsFromPhones,
  timeWordsFromStarts,
} from '../../src/speech/word-timings.js';

test('splitTextWords() gives each word with its character span', () => {
  assert.deepEqual(splitTextWords('we  go on.'), [
    { word: 'we', start: 0, end: 2 },
    { word: 'go', start: 4, end: 6 },
    { word: 'on.', start: 7, end: 10 },
  ]);
});

test('timeWordsFromStarts() times every word, sharing an interval where eSpeak joined two words', () => {
  // eSpeak's events for "the state of the union": no event for the second "the" (spoken with "of").
  const text = 'the state of the union';
  const words = timeWordsFromStarts(
    text,
    [
      { position: 1, time: 0 },
      { position: 5, time: 0.1 },
      { position: 11, time: 0.4 },
      { position: 18, time: 0.6 },
    ],
    1,
  );
  assert.deepEqual(words, [
    { word: 'the', start: 0, end: 0.1 },
    { word: 'state', start: 0.1, end: 0.4 },
    { word: 'of', start: 0.4, end: 0.48 },
    { word: 'the', start: 0.48, end: 0.6 },
    { word: 'union', start: 0.6, end: 1 },
  ]);
});

test('timeWordsFromStarts() takes a position on the space after a full stop as the next word', () => {
  const words = timeWordsFromStarts(
    'mr. smith',
    [
      { position: 1, time: 0 },
      { position: 4, time: 0.3 },
    ],
    0.8,
  );
  assert.deepEqual(words, [
    { word: 'mr.', start: 0, end: 0.3 },
    { word: 'smith', start: 0.3, end: 0.8 },
  ]);
  assert.equal(timeWordsFromStarts('no events', [], 1), null);
});

test('timeWordsFromPhones() cuts the phones by the words-alone phone counts, despite changed phones', () => {
  const text = 'the end . now';
  const segments = [
    { phone: 'pau', end: 0.2 },
    { phone: 'dh', end: 0.25 },
    { phone: 'iy', end: 0.3 }, // "the" before a vowel
    { phone: 'eh', end: 0.4 },
    { phone: 'n', end: 0.45 },
    { phone: 'd', end: 0.5 },
    { phone: 'pau', end: 0.7 },
    { phone: 'n', end: 0.8 },
    { phone: 'aw', end: 0.9 },
    { phone: 'pau', end: 1.0 },
  ];
  const groups = groupPhonesByPause('pau dh ax pau eh n d pau n aw pau'.split(' '));
  assert.deepEqual(spokenWords(text), ['the', 'end', 'now']);
  assert.deepEqual(timeWordsFromPhones(text, segments, groups), [
    { word: 'the', start: 0.2, end: 0.3 },
    { word: 'end', start: 0.3, end: 0.5 },
    { word: '.', start: 0.5, end: 0.5 },
    { word: 'now', start: 0.7, end: 0.9 },
  ]);
  // Counts that do not add up, or phones that mostly disagree, give no timings rather than wrong ones.
  assert.equal(
    timeWordsFromPhones(text, segments, [
      ['dh', 'ax'],
      ['eh', 'n', 'd'],
    ]),
    null,
  );
  assert.equal(
    timeWordsFromPhones(text, segments, [
      ['x', 'x'],
      ['x', 'x', 'x'],
      ['x', 'x'],
    ]),
    null,
  );
});
