import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSynthConfig, planSynthesis, type SynthConfig } from '../../src/speech/synth-plan.js';
import { formatVoiceLabel } from '../../src/speech/synthesizer.js';

const pools = {
  train: Array.from({ length: 200 }, (_, i) => `train sentence number ${'x'.repeat(i % 30)} ends here ${i}.`),
  dev: Array.from({ length: 20 }, (_, i) => `dev sentence ${i} of a few words.`),
  eval: Array.from({ length: 20 }, (_, i) => `eval sentence ${i} of a few words.`),
};

function config(patch: Partial<SynthConfig> = {}): SynthConfig {
  return {
    ...defaultSynthConfig(),
    hours: 0.1,
    voices: ['espeak:en-us+f3', 'flite:slt', 'flite:rms', 'flite:awb'],
    heldOutVoices: ['flite:awb'],
    ...patch,
  };
}

test('planSynthesis() is seeded, and a plan with more hours extends one with fewer', () => {
  const a = planSynthesis(pools, config());
  assert.deepEqual(planSynthesis(pools, config()), a);
  assert.notDeepEqual(planSynthesis(pools, config({ seed: 2 })).utterances, a.utterances);
  const more = planSynthesis(pools, config({ hours: 0.2 }));
  for (const split of ['train', 'dev', 'eval'] as const) {
    const few = a.utterances.filter((u) => u.split === split);
    assert.deepEqual(more.utterances.filter((u) => u.split === split).slice(0, few.length), few);
  }
  const seconds = a.estimatedSeconds.train + a.estimatedSeconds.dev + a.estimatedSeconds.eval;
  assert.ok(seconds >= 360 && seconds < 400, `${seconds}`);
});

test('planSynthesis() keeps held-out voices out of train and gives dev and eval seen and unseen voices', () => {
  const plan = planSynthesis(pools, config({ hours: 0.001 }));
  const voicesOf = (split: string, heldOut: boolean) =>
    plan.utterances
      .filter((u) => u.split === split && u.heldOutVoice === heldOut)
      .map((u) => formatVoiceLabel(u.voice));
  assert.deepEqual(voicesOf('train', true), []);
  assert.ok(!plan.utterances.some((u) => u.split === 'train' && formatVoiceLabel(u.voice) === 'flite:awb'));
  for (const split of ['dev', 'eval']) {
    assert.ok(voicesOf(split, true).every((v) => v === 'flite:awb') && voicesOf(split, true).length >= 1);
    assert.ok(voicesOf(split, false).length >= 1 && !voicesOf(split, false).includes('flite:awb'));
  }
  for (const u of plan.utterances) {
    assert.ok(u.voice.rate >= 0.85 && u.voice.rate <= 1.2);
    if (u.voice.voice === 'rms') assert.equal(u.voice.pitch, 1); // Flite cannot move its pitch
    assert.equal(u.audio, `wav/${u.split}/${u.id}.wav`);
  }
});

test('planSynthesis() reports a split whose sentences ran out, and refuses bad voice lists in one line', () => {
  assert.deepEqual(planSynthesis(pools, config({ hours: 5 })).exhausted, ['train', 'dev', 'eval']);
  assert.throws(
    () => planSynthesis(pools, config({ heldOutVoices: ['flite:kal16'] })),
    /^UserError: held-out voice flite:kal16 is not among the voices/,
  );
  assert.throws(
    () => planSynthesis(pools, config({ voices: ['flite:slt'], heldOutVoices: ['flite:slt'] })),
    /every voice is held out/,
  );
  assert.throws(() => planSynthesis(pools, config({ voices: ['espeak:en-us', 'espeak:en-us'] })), /listed twice/);
  assert.throws(() => planSynthesis(pools, config({ voices: ['festival:kal'] })), /not a voice: "festival:kal"/);
});
