// Checks shared by the synthesizer tests.

import assert from 'node:assert/strict';
import { SPEECH_SAMPLE_RATE, type Synthesis } from '../../src/speech/synthesizer.js';

/** Speech for `text`: 16 kHz-length audio of 40-250 ms a character, not silent, one ordered timing per word. */
export function assertPlausibleSpeech(s: Synthesis, text: string): void {
  const seconds = s.samples.length / SPEECH_SAMPLE_RATE;
  assert.ok(seconds > 0.04 * text.length && seconds < 0.25 * text.length, `${seconds} s for ${text.length} chars`);
  let peak = 0;
  for (const x of s.samples) peak = Math.max(peak, Math.abs(x));
  assert.ok(peak > 0.05 && peak <= 1, `peak ${peak}`);
  assert.ok(s.words !== null);
  assert.deepEqual(
    s.words.map((w) => w.word),
    text.split(' '),
  );
  let last = 0;
  for (const w of s.words) {
    assert.ok(w.start >= last && w.end >= w.start && w.end <= seconds, JSON.stringify(w));
    last = w.start;
  }
  assert.ok(s.words[s.words.length - 1].end > 0.5 * seconds);
}
