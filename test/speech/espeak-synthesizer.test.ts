import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEspeakSynthesizer, espeakPitch, espeakRate } from '../../src/speech/espeak-synthesizer.js';
import type { Synthesis, VoiceSpec } from '../../src/speech/synthesizer.js';
import { assertPlausibleSpeech } from './synthesis-helpers.js';

const TEXT = 'the state of the union is strong.';

test('eSpeak synthesize() gives 16 kHz speech of plausible length with ordered word timings inside it', async () => {
  const synth = await createEspeakSynthesizer();
  const voice: VoiceSpec = { synth: 'espeak', voice: 'en-us', variant: 'f3', rate: 1, pitch: 1 };
  const first = await synth.synthesize(TEXT, voice);
  assertPlausibleSpeech(first, TEXT);
  // Faster speech is shorter; the same request after another gives the same samples (state is not carried over).
  const fast = await synth.synthesize(TEXT, { ...voice, rate: 1.5 });
  assert.ok(fast.samples.length < 0.8 * first.samples.length);
  await synth.synthesize('something else.', { ...voice, voice: 'en-gb-scotland', variant: 'klatt', pitch: 1.2 });
  const again: Synthesis = await synth.synthesize(TEXT, voice);
  assert.deepEqual(again.samples, first.samples);
  assert.deepEqual(again.words, first.words);
});

test('eSpeak checkVoice() refuses unknown voices and variants with one line naming them', async () => {
  const synth = await createEspeakSynthesizer();
  assert.throws(
    () => synth.checkVoice({ synth: 'espeak', voice: 'en-xx', variant: null }),
    /^UserError: eSpeak has no voice "en-xx" in espeak:en-xx \(English ones: [^\n]*en-us[^\n]*\)$/,
  );
  assert.throws(
    () => synth.checkVoice({ synth: 'espeak', voice: 'en-us', variant: 'zzz' }),
    /no variant "zzz" in espeak:en-us\+zzz/,
  );
  synth.checkVoice({ synth: 'espeak', voice: 'en-gb', variant: 'm3' });
});

test('espeakRate() and espeakPitch() map factors onto eSpeak settings', () => {
  assert.equal(espeakRate(1), 175);
  assert.equal(espeakRate(10), 450);
  assert.equal(espeakPitch(1), 50);
  assert.ok(espeakPitch(1.2) > 60 && espeakPitch(1.2) < 75);
  assert.ok(espeakPitch(0.85) > 20 && espeakPitch(0.85) < 40);
  assert.equal(espeakPitch(4), 99);
});
