import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFliteSynthesizer, parseSegments } from '../../src/speech/flite-synthesizer.js';
import type { VoiceSpec } from '../../src/speech/synthesizer.js';
import { assertPlausibleSpeech } from './synthesis-helpers.js';

const TEXT = 'the state of the union is strong.';

test('Flite synthesize() gives 16 kHz speech of plausible length with ordered word timings inside it', async () => {
  const synth = await createFliteSynthesizer();
  try {
    const voice: VoiceSpec = { synth: 'flite', voice: 'slt', variant: null, rate: 1, pitch: 1 };
    const plain = await synth.synthesize(TEXT, voice);
    assertPlausibleSpeech(plain, TEXT);
    const slow = await synth.synthesize(TEXT, { ...voice, voice: 'slt', rate: 0.7 });
    assert.ok(slow.samples.length > 1.2 * plain.samples.length);
    assertPlausibleSpeech(slow, TEXT);
  } finally {
    synth.close();
  }
});

test('Flite checkVoice() refuses unknown voices with one line naming them', async () => {
  const synth = await createFliteSynthesizer();
  synth.close();
  assert.throws(
    () => synth.checkVoice({ synth: 'flite', voice: 'kal', variant: null }),
    /^UserError: Flite has no voice flite:kal \(it has slt, rms, awb, kal16\)$/,
  );
});

test('parseSegments() reads -psdur output', () => {
  assert.deepEqual(parseSegments('pau:0.184 dh:0.236 ax:0.280 \n'), [
    { phone: 'pau', end: 0.184 },
    { phone: 'dh', end: 0.236 },
    { phone: 'ax', end: 0.28 },
  ]);
});
