import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSignatureOptions } from '../../src/analysis/signature.js';
import { parseLmTarget, parseSignatureSettings } from '../../src/cli/commands/signature.js';
import { parseLasSignatureFlags } from '../../src/cli/las-signature-flags.js';

test('signature flags: --train-positions all, --round-positions, --state-memory and the schedule map onto the options', () => {
  const d = defaultSignatureOptions();
  const defaults = parseSignatureSettings({});
  assert.equal(defaults.trainPositions, d.trainPositions);
  assert.equal(defaults.decoder.roundPositions, d.decoder.roundPositions);
  assert.equal(defaults.stateMemoryBytes, 512 * 2 ** 20);
  assert.equal(defaults.decoder.whiten, true);
  assert.equal(parseSignatureSettings({ whiten: false }).decoder.whiten, false); // --no-whiten
  assert.equal(parseSignatureSettings({ whiten: true }).decoder.whiten, true); // --whiten

  const s = parseSignatureSettings({
    trainPositions: 'all',
    roundPositions: '0',
    stateMemory: '64',
    epochsPerRate: '5',
    decays: '0',
    sweepEpochs: '2',
    finalists: '2',
  });
  assert.equal(s.trainPositions, Number.MAX_SAFE_INTEGER); // every eligible position (samplePositions takes all)
  assert.equal(s.decoder.roundPositions, 0); // whole passes
  assert.equal(s.stateMemoryBytes, 64 * 2 ** 20);
  assert.deepEqual(
    [s.decoder.epochsPerRate, s.decoder.decays, s.decoder.sweepEpochs, s.decoder.finalists],
    [5, 0, 2, 2],
  );
  assert.deepEqual(parseSignatureSettings({ epochsPerRate: '6,2,1' }).decoder.epochsPerRate, [6, 2, 1]);
});

test('signature flags: a bad position count or memory budget is refused with the flag named', () => {
  for (const [flags, pattern] of [
    [{ trainPositions: 'most' }, /--train-positions/],
    [{ roundPositions: '-5' }, /--round-positions/],
    [{ stateMemory: 'lots' }, /--state-memory/],
    [{ epochsPerRate: '6,0' }, /--epochs-per-rate/],
    [{ epochsPerRate: '6,,1' }, /--epochs-per-rate/],
  ] as const) {
    assert.throws(() => parseSignatureSettings(flags), pattern);
  }
});

test('signature flags: a language model names graphemes by default, bigrams with --target bigram, never audio units', () => {
  assert.equal(parseLmTarget({}), undefined);
  assert.equal(parseLmTarget({ target: 'grapheme' }), undefined);
  assert.deepEqual(parseLmTarget({ target: 'bigram' }), { kind: 'bigram', top: 63 });
  assert.deepEqual(parseLmTarget({ target: 'bigram', bigrams: '20' }), { kind: 'bigram', top: 20 });
  assert.throws(() => parseLmTarget({ bigrams: '20' }), /--bigrams is for --target bigram/);
  assert.throws(() => parseLmTarget({ target: 'audio-unit' }), /speech recognizers/);
});

test("signature flags: a speech recognizer's decoders read the standardized state unless --whiten is given", () => {
  const las = (whiten?: boolean) =>
    parseLasSignatureFlags({ model: 'las', data: 'speech', out: 'sig.json', whiten }, []).settings.decoder.whiten;
  assert.equal(las(), false);
  assert.equal(las(true), true);
  assert.equal(las(false), false);
});
