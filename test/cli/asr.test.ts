// memsig asr: train (checkpoints, Ctrl-C, --resume), eval, transcribe and one-line errors on a corpus of the three
// Free Spoken Digit Dataset fixture recordings; the quick demo end to end.

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Gemm, tsGemm } from '../../src/core/gemm.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { assertOneLineError, FIXTURES, runCli, tempDir } from './helpers.js';

const CLIPS = [
  ['3_jackson_0.wav', 'three', 'train'],
  ['7_theo_1.wav', 'seven', 'train'],
  ['2_george_5.wav', 'two', 'dev'],
  ['7_theo_1.wav', 'seven', 'eval'],
] as const;

/** A corpus folder of the fixture clips (8 kHz: resampled to 16 kHz by the features). */
function writeDigitCorpus(dir: string, clips: readonly (readonly [string, string, string])[] = CLIPS): string {
  const corpus = join(dir, `digits-${clips.length}`);
  mkdirSync(corpus, { recursive: true });
  const manifest = clips.map(([file, transcript, split], i) => {
    const audio = `${split}-${i}.wav`;
    copyFileSync(join(FIXTURES, 'speech', file), join(corpus, audio));
    const speaker = file.split('_')[1];
    return JSON.stringify({
      id: `u${i}`,
      audio,
      transcript,
      duration: 0.5,
      split,
      speaker,
      rate: null,
      pitch: null,
      words: null,
    });
  });
  writeFileSync(join(corpus, 'manifest.jsonl'), `${manifest.join('\n')}\n`);
  return corpus;
}

const TINY_LAS = [
  '--listener-layers',
  '1',
  '--listener-units',
  '4',
  '--embed',
  '3',
  '--speller-units',
  '6',
  '--attention',
  '4',
  '--location-filters',
  '2',
  '--location-kernel',
  '3',
  '--output-hidden',
  '6',
  '--batch',
  '2',
  '--backend',
  'ts',
];

test('memsig asr train saves a LAS model directory with attention maps; eval and transcribe read it', async (t) => {
  const dir = tempDir(t);
  const corpus = writeDigitCorpus(dir);
  const out = join(dir, 'model');
  const args = ['asr', 'train', '--data', corpus, '--out', out, ...TINY_LAS, '--epochs', '3', '--probe-every', '1'];
  const trainedRun = await runCli(args);
  assert.equal(trainedRun.code, 0, trainedRun.stderr);
  const trained = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(trained.kind, 'las');
  assert.equal(trained.training.steps, 3);
  assert.ok(readdirSync(join(out, 'attention')).some((f) => f.endsWith('.png')));
  assert.match(trainedRun.stdout, /saved .*model \(config\.json, model\.safetensors/);
  assert.match(trainedRun.stdout, /eval CER \d+\.\d%, WER \d+\.\d%/);

  const again = await runCli(args);
  assertOneLineError(again, /already holds a trained model/, 1);

  const evaluated = await runCli(['asr', 'eval', '--model', out, '--data', corpus, '--beam', '2', '--backend', 'ts']);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /eval split: 1 utterances; attention beam 2/);
  assert.match(evaluated.stdout, /CER \d+\.\d%, WER \d+\.\d%; CTC head alone: CER/);
  assert.match(evaluated.stdout, /theo\s+1 utt/);
  const hyp = readFileSync(join(out, 'hypotheses-eval.tsv'), 'utf8').split('\n');
  assert.equal(hyp[0], 'id\tspeaker\tcer\treference\thypothesis\tctc_hypothesis');
  assert.match(hyp[1]!, /^u3\ttheo\t/);
  const json = await runCli([
    'asr',
    'eval',
    '--model',
    out,
    '--data',
    corpus,
    '--json',
    '--ctc-rescore',
    '0.3',
    '--beam',
    '3',
  ]);
  assert.equal(json.code, 0, json.stderr);
  const summary = JSON.parse(json.stdout);
  assert.equal(summary.decoding, 'attention beam 3 + CTC rescoring λ=0.3');
  assert.equal(summary.trainVoices.utterances, 1);
  assert.equal(summary.trainVoices.cer, summary.cer);
  assert.equal(summary.heldOutVoices, null);
  // A split that mixes voices heard in training with voices never heard: each group's rates on a line of its own.
  const mixed = writeDigitCorpus(dir, [...CLIPS, ['2_george_5.wav', 'two', 'eval']]);
  const both = await runCli(['asr', 'eval', '--model', out, '--data', mixed]);
  assert.equal(both.code, 0, both.stderr);
  assert.match(both.stdout, /\n {2}voices in train: 1 utt, CER \d+\.\d%, WER \d+\.\d%; CTC alone CER \d+\.\d%\n/);
  assert.match(both.stdout, /\n {2}voices never in train: 1 utt, CER \d+\.\d%/);
  assert.match(both.stdout, /george\s+1 utt .*\(never in train\)/);
  const wav = join(FIXTURES, 'speech', '2_george_5.wav');
  const said = await runCli(['asr', 'transcribe', '--model', out, wav]);
  assert.equal(said.code, 0, said.stderr);
  assert.match(said.stdout, new RegExp(`^${wav.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\t[a-z#'. ]*\\n$`));
});

test('memsig asr train: a Ctrl-C (the signal) stops with exit 130 and a checkpoint; --resume ends as an unbroken run does', async (t) => {
  const dir = tempDir(t);
  const corpus = writeDigitCorpus(dir);
  const whole = join(dir, 'whole');
  const args = (out: string) => ['asr', 'train', '--data', corpus, '--out', out, ...TINY_LAS, '--epochs', '3'];
  assert.equal((await runCli(args(whole))).code, 0);
  const broken = join(dir, 'broken');
  const controller = new AbortController();
  // Ctrl-C as the signal, after a fixed number of products: mid-training, the same point every time.
  let products = 0;
  const counting: Gemm = {
    name: 'counting',
    gemm: (...a: Parameters<Gemm['gemm']>) => {
      if (++products === 400) controller.abort();
      tsGemm.gemm(...a);
    },
  };
  const stopped = await runCli(args(broken), { hooks: { signal: controller.signal, gemm: counting } });
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, /stopped at step \d+; resume with: memsig asr train .*--resume/);
  assert.ok(existsSync(join(broken, 'checkpoint.safetensors')));
  const changed = await runCli([...args(broken), '--lr', '0.5', '--resume']);
  assertOneLineError(changed, /--lr is 0\.5 now but was 0\.003 when the checkpoint was made/, 1);
  const resumed = await runCli([...args(broken), '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(readFileSync(join(broken, 'model.safetensors')), readFileSync(join(whole, 'model.safetensors')));
});

test('memsig asr train --shards 2 trains the weights serial steps train, up to float rounding', async (t) => {
  const dir = tempDir(t);
  const corpus = writeDigitCorpus(dir);
  const run = async (name: string, extra: string[]) => {
    const out = join(dir, name);
    const args = ['asr', 'train', '--data', corpus, '--out', out, ...TINY_LAS, '--epochs', '2', ...extra];
    const r = await runCli([...args, '--backend', 'ts']);
    assert.equal(r.code, 0, r.stderr);
    return (await readSafetensors(join(out, 'model.safetensors'))).tensors;
  };
  const serial = await run('serial', []);
  const sharded = await run('sharded', ['--shards', '2']);
  let largest = 0;
  let differs = false;
  for (const [name, t] of serial) {
    const a = t.data as Float32Array;
    const b = sharded.get(name)!.data as Float32Array;
    assert.equal(b.length, a.length, name);
    for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]! - b[i]!));
    differs ||= a.some((x, i) => x !== b[i]);
  }
  assert.ok(largest < 1e-4, `largest weight difference ${largest}`);
  // Sums in another order round differently: bit-identical weights would mean the flag changed nothing.
  assert.ok(differs, 'the sharded run took its own path');
  assertOneLineError(
    await runCli(['asr', 'train', '--data', corpus, '--out', join(dir, 'x'), '--shards', '0']),
    /--shards must be a whole number ≥ 1/,
    2,
  );
});

test('memsig asr: user errors are one line', async (t) => {
  const dir = tempDir(t);
  const corpus = writeDigitCorpus(dir);
  const out = join(dir, 'm');
  assertOneLineError(await runCli(['asr', 'train', '--out', out]), /missing --data/, 2);
  assertOneLineError(
    await runCli(['asr', 'train', '--data', join(dir, 'nope'), '--out', out]),
    /--data .*nope: not found/,
    1,
  );
  assertOneLineError(
    await runCli(['asr', 'train', '--data', corpus, '--out', out, '--listener-units', '0']),
    /--listener-units must be a whole number ≥ 1 \(got "0"\)/,
    2,
  );
  assertOneLineError(
    await runCli(['asr', 'train', '--data', corpus, '--out', out, '--location-kernel', '4']),
    /--location-kernel must be odd/,
    1,
  );
  assertOneLineError(
    await runCli(['asr', 'train', '--data', corpus, '--out', out, '--ctc-weight', '0', '--ctc-weight-start', '0.5']),
    /--ctc-weight-start must be 0 when --ctc-weight is 0/,
    1,
  );
  assertOneLineError(
    await runCli(['asr', 'train', '--data', corpus, '--out', out, '--stack', '16', '--pyramid-layers', '2']),
    /too short for the listener's 64x time reduction/,
    1,
  );
  assertOneLineError(
    await runCli(['asr', 'eval', '--model', join(dir, 'none'), '--data', corpus]),
    /model directory not found/,
    1,
  );
  const lm = join(FIXTURES, 'golden', 'pytorch-gru-model');
  assertOneLineError(
    await runCli(['asr', 'eval', '--model', lm, '--data', corpus]),
    /a language model .*not a speech recognizer/,
    1,
  );
  const las = join(FIXTURES, 'golden', 'las-model-dir');
  assertOneLineError(
    await runCli(['eval', '--model', las, '--corpus', 'sotu']),
    /speech recognizer \(kind "las"\).*memsig asr/,
    1,
  );
  assertOneLineError(
    await runCli(['asr', 'eval', '--model', las, '--data', corpus, '--split', 'test']),
    /--split must be train, dev or eval/,
    2,
  );
  assertOneLineError(await runCli(['asr', 'transcribe', '--model', las, join(dir, 'missing.wav')]), /missing\.wav/, 1);
});

test('memsig asr demo --quick: synthesizes, trains and evaluates in seconds', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'demo');
  const r = await runCli(['asr', 'demo', '--quick', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /saved .*model/);
  assert.match(r.stdout, /eval split: \d+ utterances; attention greedy/);
  assert.ok(existsSync(join(out, 'corpus', 'manifest.jsonl')));
  assert.ok(readdirSync(join(out, 'model', 'attention')).length > 0);
});
