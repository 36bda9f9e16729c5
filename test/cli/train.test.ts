import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { type Gemm, tsGemm } from '../../src/core/gemm.js';
import { prepareCorpus } from '../../src/data/corpus.js';
import { loadModelDir } from '../../src/io/model-dir.js';
import { readTrainCheckpoint } from '../../src/io/train-checkpoint.js';
import { assertOneLineError, runCli, TINY, tempDir, writeTinyCorpus } from './helpers.js';

function train(corpus: string, out: string, ...extra: string[]): string[] {
  return ['train', '--corpus', corpus, ...TINY, '--out', out, ...extra];
}

const bytes = (path: string) => readFileSync(path);

test('train writes a valid model directory (default backend) that eval reads', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const out = join(dir, 'model');
  const r = await runCli(train(corpus, out, '--json'));
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.steps, 20);
  assert.equal(summary.stopReason, 'max-steps');
  assert.ok(summary.evalPerplexity > 1 && summary.evalPerplexity < 40, `eval perplexity ${summary.evalPerplexity}`);
  assert.match(r.stderr, /^epoch 1: train loss \d+\.\d+, dev perplexity [\d.]+ \(step 20\)$/m);

  const model = await loadModelDir(out);
  assert.equal(model.config.cell, 'lstm');
  assert.equal(model.config.units, 8);
  assert.equal(model.config.training?.steps, 20);
  // By name alone: the temporary folder lies outside the working directory.
  assert.equal(model.config.corpus?.source, basename(corpus));
  assert.equal(model.config.corpus?.segmentation, 'line');
  assert.equal(model.config.metrics.evalPerplexity, summary.evalPerplexity);
  assert.equal(model.config.metrics.devPerplexity, summary.devPerplexity);
  assert.ok(existsSync(join(out, 'checkpoint.safetensors')));

  // eval on the same corpus reuses the recorded split: same eval perplexity as training reported.
  const e = await runCli(['eval', '--model', out, '--corpus', corpus, '--json']);
  assert.equal(e.code, 0, e.stderr);
  const result = JSON.parse(e.stdout);
  assert.equal(result.corpus.trainingCorpus, true);
  assert.equal(result.corpus.split, 'eval');
  assert.ok(Math.abs(result.perplexity - summary.evalPerplexity) <= 1e-6 * summary.evalPerplexity);
  assert.equal(result.perSymbol.length, 30);

  const text = await runCli(['eval', '--model', out, '--corpus', corpus, '--split', 'dev']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^perplexity {2}[\d.]+ per character/m);
  assert.match(text.stdout, /^space +\d+ +[\d.]+%$/m);
});

test('train refuses to overwrite a model without --force; --force replaces it', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const out = join(dir, 'model');
  assert.equal((await runCli(train(corpus, out, '--backend', 'ts'))).code, 0);
  const before = bytes(join(out, 'model.safetensors'));

  const refused = await runCli(train(corpus, out, '--backend', 'ts', '--seed', '2'));
  assertOneLineError(refused, /already holds a trained model.*--force/, 1);
  assert.deepEqual(bytes(join(out, 'model.safetensors')), before);

  const forced = await runCli(train(corpus, out, '--backend', 'ts', '--seed', '2', '--force'));
  assert.equal(forced.code, 0, forced.stderr);
  assert.notDeepEqual(bytes(join(out, 'model.safetensors')), before);
  assert.equal((await loadModelDir(out)).config.training?.seed, 2);
});

/** A backend that turns every product into NaN once `poisoned()` says so: a run that diverges mid-way. */
function poisonedGemm(poisoned: () => boolean): Gemm {
  return {
    name: 'poisoned',
    gemm(transA, transB, m, n, k, a, b, c, accumulate) {
      tsGemm.gemm(transA, transB, m, n, k, a, b, c, accumulate);
      if (poisoned()) c.subarray(0, m * n).fill(Number.NaN);
    },
  };
}

test('a run whose loss becomes NaN fails with one line and leaves the old model untouched (--force)', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const out = join(dir, 'model');
  assert.equal((await runCli(train(corpus, out, '--backend', 'ts'))).code, 0);
  const oldWeights = bytes(join(out, 'model.safetensors'));
  const oldConfig = bytes(join(out, 'config.json'));

  let step = 0;
  const hooks = {
    gemm: poisonedGemm(() => step >= 5),
    onProgress: (p: { step: number }) => {
      step = p.step;
    },
  };
  const r = await runCli(train(corpus, out, '--force', '--seed', '3', '--checkpoint-every', '2'), { hooks });
  assertOneLineError(r, /training diverged: the loss became NaN at step 6/, 1);
  assert.deepEqual(bytes(join(out, 'model.safetensors')), oldWeights);
  assert.deepEqual(bytes(join(out, 'config.json')), oldConfig);
  // The new run's last checkpoint (step 4) is there; the model files are the old ones.
  assert.equal((await readTrainCheckpoint(join(out, 'checkpoint.safetensors'))).snapshot.step, 4);

  // In a fresh directory, nothing but checkpoints is written.
  const fresh = join(dir, 'fresh');
  step = 0;
  const r2 = await runCli(train(corpus, fresh, '--checkpoint-every', '2'), { hooks });
  assertOneLineError(r2, /training diverged/, 1);
  assert.equal(existsSync(join(fresh, 'config.json')), false);
  assert.equal(existsSync(join(fresh, 'model.safetensors')), false);
});

test('a run stopped at step 10 and resumed ends with the same weights as an unbroken run', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const flags = ['--dropout', '0.1', '--recurrent-dropout', '0.1'];
  const a = join(dir, 'a');
  assert.equal((await runCli(train(corpus, a, ...flags))).code, 0);

  const b = join(dir, 'b');
  const controller = new AbortController();
  const hooks = { signal: controller.signal, onProgress: (p: { step: number }) => p.step === 10 && controller.abort() };
  const stopped = await runCli(train(corpus, b, ...flags), { hooks });
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, /^stopped at step 10; resume with: memsig train .* --resume$/m);
  assert.equal(existsSync(join(b, 'model.safetensors')), false);
  assert.equal((await readTrainCheckpoint(join(b, 'checkpoint.safetensors'))).snapshot.step, 10);

  // Without --resume the checkpoint of the stopped run is protected.
  assertOneLineError(await runCli(train(corpus, b, ...flags)), /checkpoint of another run.*--resume/, 1);

  const steps: number[] = [];
  const resumed = await runCli(train(corpus, b, ...flags, '--resume'), {
    hooks: { onProgress: (p) => steps.push(p.step) },
  });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(steps, [11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 'the resumed run takes only the last 10 steps');
  assert.match(resumed.stderr, /continuing at step 10/);
  assert.deepEqual(bytes(join(b, 'model.safetensors')), bytes(join(a, 'model.safetensors')));
  const configA = JSON.parse(readFileSync(join(a, 'config.json'), 'utf8'));
  const configB = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8'));
  configA.training.wallSeconds = configB.training.wallSeconds = 0;
  assert.deepEqual(configB, configA);

  // A finished checkpoint: --resume just writes the model again.
  rmSync(join(b, 'model.safetensors'));
  rmSync(join(b, 'config.json'));
  const again = await runCli(train(corpus, b, ...flags, '--resume'));
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(bytes(join(b, 'model.safetensors')), bytes(join(a, 'model.safetensors')));
});

test('--resume refuses a checkpoint made with other flags or another corpus', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const out = join(dir, 'model');
  assert.equal((await runCli(train(corpus, out, '--backend', 'ts'))).code, 0);
  assertOneLineError(
    await runCli(['train', '--corpus', corpus, ...TINY, '--units', '9', '--out', out, '--resume']),
    /--units is 9 now but was 8 when the checkpoint was made/,
    1,
  );
  assertOneLineError(
    await runCli(train(corpus, out, '--max-chars', '4000', '--resume')),
    /trained on another corpus/,
    1,
  );
  assertOneLineError(await runCli(train(corpus, join(dir, 'none'), '--resume')), /no checkpoint to resume from/, 1);
});

test('train --cell factorized-lstm writes a factorized model that eval reads, and resumes its bigram state exactly', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const flags = ['--cell', 'factorized-lstm'];
  const a = join(dir, 'a');
  const r = await runCli(train(corpus, a, ...flags, '--json'));
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.steps, 20);
  assert.match(r.stderr, /^training factorized-lstm \(1 layer, 8 units, embed 4\)/m);
  const model = await loadModelDir(a);
  assert.equal(model.config.kind, 'factorized-lstm');
  assert.equal(model.config.cell, 'lstm');
  assert.equal(model.config.training?.steps, 20);
  assert.deepEqual(model.params.get('rnn.basis_u_l0')?.shape, [32, 30 * 30]);

  const e = await runCli(['eval', '--model', a, '--corpus', corpus, '--json']);
  assert.equal(e.code, 0, e.stderr);
  assert.ok(Math.abs(JSON.parse(e.stdout).perplexity - summary.evalPerplexity) <= 1e-6 * summary.evalPerplexity);

  const b = join(dir, 'b');
  const controller = new AbortController();
  const hooks = { signal: controller.signal, onProgress: (p: { step: number }) => p.step === 10 && controller.abort() };
  assert.equal((await runCli(train(corpus, b, ...flags), { hooks })).code, 130);
  const { snapshot } = await readTrainCheckpoint(join(b, 'checkpoint.safetensors'));
  const counts = snapshot.state.get('bigrams.counts');
  assert.ok(counts instanceof Int32Array && counts.some((n) => n > 0), 'the checkpoint holds the bigram counts');
  const resumed = await runCli(train(corpus, b, ...flags, '--resume'));
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(bytes(join(b, 'model.safetensors')), bytes(join(a, 'model.safetensors')));
});

test('train --cell factorized-lstm --lambda corpus stores its fixed λ with the weights; eval and signature use it', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const out = join(dir, 'fixed');
  const r = await runCli(train(corpus, out, '--cell', 'factorized-lstm', '--lambda', 'corpus', '--json'));
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  const model = await loadModelDir(out);
  assert.equal(model.config.lambda, 'corpus');
  const lambda = model.params.get('rnn.corpus_lambda')!.data;
  assert.equal(lambda.length, 30 * 30);
  assert.ok(Math.abs(lambda.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'λ holds frequencies that sum to 1');
  assert.ok(lambda[19 * 30 + 7]! > 0.005, "'th' is among the corpus's bigrams");

  const e = await runCli(['eval', '--model', out, '--corpus', corpus, '--json']);
  assert.equal(e.code, 0, e.stderr);
  assert.ok(Math.abs(JSON.parse(e.stdout).perplexity - summary.evalPerplexity) <= 1e-6 * summary.evalPerplexity);
  const text = await runCli(['eval', '--model', out, '--corpus', corpus]);
  assert.match(text.stdout, /factorized lstm with corpus λ, 1 layer/);

  assertOneLineError(
    await runCli(train(corpus, join(dir, 'x'), '--lambda', 'corpus')),
    /--lambda is for --cell factorized-lstm/,
    2,
  );
  assertOneLineError(
    await runCli(train(corpus, join(dir, 'y'), '--cell', 'factorized-lstm', '--lambda', 'segment')),
    /--lambda must be running or corpus \(got "segment"\)/,
    2,
  );
});

test('train --init fine-tunes a saved model on another corpus, on --train-fraction of its training segments', async (t) => {
  const dir = tempDir(t);
  const source = join(dir, 'source');
  // A GRU: the run below names no --cell, and must not fall back to the default lstm.
  assert.equal((await runCli(train(writeTinyCorpus(dir), source, '--cell', 'gru'))).code, 0);
  // The target: other text, in upper case and with digits, which the source model's normalization folds.
  const target = join(dir, 'target.txt');
  const lines = Array.from({ length: 400 }, (_, i) => `In ${1990 + (i % 30)} THE UNION WAS STRONG, said speaker ${i}.`);
  writeFileSync(target, `${lines.join('\n')}\n`);
  const tuned = join(dir, 'tuned');
  // A vanishing learning rate: the weights stay those the run started from.
  const flags = ['--batch', '4', '--seq', '8', '--max-steps', '2', '--lr', '1e-9', '--train-fraction', '0.5'];
  const run = ['train', '--corpus', target, '--init', source, ...flags, '--out', tuned];
  const r = await runCli(run);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^starting from the weights of .*source \(fine-tuning\)$/m);
  assert.match(r.stderr, /^training on 0\.5 of the training segments/m);
  const [a, b] = [await loadModelDir(source), await loadModelDir(tuned)];
  assert.equal(b.config.training?.initWeightsSha256, a.weightsSha256);
  assert.equal(b.config.training?.trainFraction, 0.5);
  assert.equal(b.config.units, 8, 'the architecture comes from the --init model');
  assert.equal(b.config.cell, 'gru');
  assert.deepEqual(b.config.normalization, a.config.normalization);
  for (const [name, t0] of a.params) {
    const t1 = b.params.get(name)!.data;
    assert.ok(
      t0.data.every((x, i) => Math.abs(x - t1[i]!) < 1e-6),
      `${name} moved: fine-tuning did not start from the model`,
    );
  }
  const full = await prepareCorpus(target, { segmentation: 'line' });
  assert.equal(b.config.corpus?.segments.train, Math.round(0.5 * full.record.segments.train));

  assertOneLineError(
    await runCli([...run, '--units', '9', '--force']),
    /--units 9 differs from the --init model's 8 .*leave --units out/,
    1,
  );
  assertOneLineError(
    await runCli([...run, '--train-fraction', '0', '--force']),
    /--train-fraction must be a number > 0 and ≤ 1 \(got 0\)/,
    2,
  );
});
