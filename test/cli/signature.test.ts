import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SignatureProgress } from '../../src/analysis/signature.js';
import type { LayerSignature } from '../../src/analysis/signature-types.js';
import { SignatureProgressReporter } from '../../src/cli/signature-progress.js';
import { Rng } from '../../src/core/random.js';
import { defaultNormalization } from '../../src/data/index.js';
import { type ParamTensor, saveModelDir } from '../../src/io/model-dir.js';
import { acquireRunLock } from '../../src/io/run-lock.js';
import { readSignature } from '../../src/io/signature-file.js';
import { charLmParamShapes } from '../../src/models/char-lm-params.js';
import type { CharLmConfig } from '../../src/models/config.js';
import { FactorizedLm } from '../../src/models/factorized-lm.js';
import { assertOneLineError, runCli, spawnBin, TINY, tempDir, writeTinyCorpus } from './helpers.js';

// Small enough to run in well under a second on the tiny corpus, big enough for δ = 1 to beat chance clearly.
const SIG = [
  '--max-delta',
  '3',
  '--train-positions',
  '3000',
  '--dev-positions',
  '300',
  '--eval-positions',
  '300',
  '--keep-probs',
  '0.9,1',
  '--max-epochs',
  '5',
  '--decoder-batch',
  '64',
  '--decoder-lr',
  '0.01',
];

async function trainTiny(dir: string, name: string, ...extra: string[]): Promise<{ corpus: string; model: string }> {
  const corpus = writeTinyCorpus(dir);
  const model = join(dir, name);
  const r = await runCli(['train', '--corpus', corpus, ...TINY, '--out', model, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return { corpus, model };
}

function signature(model: string, corpus: string, out: string, ...extra: string[]): string[] {
  return ['signature', '--model', model, '--corpus', corpus, '--out', out, ...SIG, ...extra];
}

const bytes = (path: string) => readFileSync(path);

test('signature writes a valid file, prints the table, and δ = 1 beats chance', async (t) => {
  const dir = tempDir(t);
  const { corpus, model } = await trainTiny(dir, 'lstm2', '--layers', '2');
  const out = join(dir, 'sig.json');
  const r = await runCli(signature(model, corpus, out));
  assert.equal(r.code, 0, r.stderr);

  const sig = await readSignature(out);
  assert.equal(sig.state, 'c', 'an LSTM is read at its memory cell by default');
  assert.equal(sig.maxDelta, 3);
  assert.deepEqual(
    sig.layers.map((l) => l.layer),
    [1, 2],
  );
  assert.equal(sig.corpus.sha256, JSON.parse(readFileSync(join(model, 'config.json'), 'utf8')).corpus.sha256);
  const d1 = sig.layers[0]!.deltas[0]!;
  assert.ok(d1.accuracy > d1.chanceAccuracy + 0.1, `δ = 1: accuracy ${d1.accuracy}, chance ${d1.chanceAccuracy}`);
  // The paper's first observation, on a small trained LM: recall falls as δ grows.
  const last = sig.layers[0]!.deltas.at(-1)!;
  assert.ok(last.accuracy < d1.accuracy - 0.1, `δ = ${last.delta}: ${last.accuracy} vs δ = 1: ${d1.accuracy}`);
  assert.equal(existsSync(`${out}.partial.json`), false, 'the partial file goes once the signature is written');

  assert.match(r.stdout, /^ +δ +layer 1 +layer 2 +chance +text$/m);
  const rows = r.stdout.split('\n').filter((l) => /^ +\d+ +[\d.]+\*? +[\d.]+\*? +[\d.]+ +[\d.]+$/.test(l));
  assert.equal(rows.length, 3, r.stdout);
  // Decoders marked not converged get a * in the table and a warning naming their δ on stderr.
  for (const l of sig.layers) {
    const starved = l.deltas.filter((d) => d.convergence?.converged === false).map((d) => d.delta);
    const warning = new RegExp(`^warning: layer ${l.layer}: the decoders of δ = .* are not converged`, 'm');
    if (starved.length > 0) assert.match(r.stderr, warning);
    else assert.doesNotMatch(r.stderr, warning);
  }
  const mark = (d: { convergence?: { converged: boolean } }) => (d.convergence?.converged === false ? '*' : '');
  assert.equal(rows[0]!.trim().split(/ +/)[1], `${(100 * d1.accuracy).toFixed(1)}${mark(d1)}`);
  assert.equal(rows[0]!.trim().split(/ +/)[3], (100 * d1.chanceAccuracy).toFixed(1));
  assert.equal(rows[0]!.trim().split(/ +/)[4], (100 * d1.textBaseline!.accuracy).toFixed(1));
  const s = sig.settings;
  assert.match(
    r.stdout,
    new RegExp(`^positions used: ${s.trainPositions} train, ${s.devPositions} dev, ${s.evalPositions} eval`, 'm'),
  );
  assert.ok(r.stdout.includes(`signature written to ${out}`));

  // Progress on stderr (not a terminal): states per partition, a line per keep probability and per layer.
  assert.match(r.stderr, /^signature of .* state c, Δ = 3;/m);
  assert.match(r.stderr, /^states: train (\d+)\/\1 chunks$/m);
  assert.match(r.stderr, /^states: eval (\d+)\/\1 chunks$/m);
  // The sweep's rung for each keep probability and δ group (Δ = 3: δ 1 and δ 2–3), then the finalist's runs.
  assert.match(r.stderr, /^layer 1\/2: keep 0\.9 \(sweep\) δ 1 done after 1 epoch, loss \d+\.\d+$/m);
  assert.match(r.stderr, /^layer 2\/2: keep 1 \(sweep\) δ 2–3 done after 1 epoch, loss \d+\.\d+$/m);
  assert.match(r.stderr, /^layer 2\/2: keep (0\.9|1) δ 2–3 done after \d+ epochs?, loss \d+\.\d+$/m);
  assert.match(r.stderr, /^layer 2\/2 done in \d+s: δ=1 [\d.]+%, δ=3 [\d.]+% \(chance [\d.]+%\)$/m);

  // --json: one object with, per layer and δ, the accuracy, its chance and the information in bits.
  const j = await runCli(signature(model, corpus, join(dir, 'sig2.json'), '--json', '--layers', '2'));
  assert.equal(j.code, 0, j.stderr);
  const summary = JSON.parse(j.stdout);
  assert.equal(summary.layers.length, 1);
  assert.equal(summary.layers[0].layer, 2);
  assert.deepEqual(Object.keys(summary.layers[0].deltas[0]), [
    'delta',
    'accuracy',
    'chance',
    'informationBits',
    'converged',
    'textBaseline',
    'excessPValue',
    'seedAccuracy',
    'accuracySd',
    'onlineCodeBits',
    'onlineCodeCompression',
  ]);
  assert.equal(summary.layers[0].deltas[0].accuracy, sig.layers[1]!.deltas[0]!.accuracy, 'the same layer 2');
  assert.match(j.stderr, /^layer 2 \(1\/1\) done in/m);
});

test('signature: mistakes are one line, and nothing is written', async (t) => {
  const dir = tempDir(t);
  const { corpus, model } = await trainTiny(dir, 'gru', '--cell', 'gru');
  const out = join(dir, 'sig.json');
  assertOneLineError(
    await runCli(signature(model, corpus, out, '--layers', '2')),
    /--layers 2: the model has 1 layer/,
    1,
  );
  assertOneLineError(await runCli(signature(model, corpus, out, '--state', 'c')), /--state c needs an LSTM.*GRU/, 1);
  assertOneLineError(
    await runCli(signature(model, corpus, out, '--max-delta', '400')),
    /--max-delta 400 is longer than every segment/,
    1,
  );
  assertOneLineError(await runCli(signature(model, corpus, out, '--layers', '0')), /--layers must be/, 2);
  assertOneLineError(await runCli(signature(model, corpus, out, '--layers', '1,1')), /--layers lists 1 twice/, 2);
  assertOneLineError(await runCli(signature(model, corpus, out, '--keep-probs', '0.5,0')), /--keep-probs must be/, 2);
  assertOneLineError(await runCli(signature(model, corpus, out, '--state', 'x')), /--state must be c or h/, 2);
  assertOneLineError(await runCli(['signature', '--model', model, '--corpus', corpus]), /missing --out/, 2);
  const help = await runCli(['signature', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: memsig signature/);
  assert.equal(existsSync(out), false);
  assert.equal(existsSync(`${out}.partial.json`), false);

  // A GRU is read at h by default.
  const r = await runCli(signature(model, corpus, out, '--max-delta', '1', '--keep-probs', '1', '--max-epochs', '1'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await readSignature(out)).state, 'h');
});

/** A model directory (untrained weights) whose alphabet is a–p, period and space. */
async function smallAlphabetModel(dir: string): Promise<string> {
  const normalization = { ...defaultNormalization(), alphabet: [...'abcdefghijklmnop', '.', ' '], digitSymbol: null };
  const shape = { cell: 'gru' as const, layers: 1, units: 8, embed: 4, vocab: normalization.alphabet.length };
  const params = new Map<string, ParamTensor>();
  let k = 12345;
  for (const [name, dims] of charLmParamShapes(shape)) {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) {
      k = (k * 1103515245 + 12345) % 2147483648;
      data[i] = (k / 2147483648 - 0.5) * 0.5;
    }
    params.set(name, { shape: dims, data });
  }
  const config: CharLmConfig = {
    format: 'memsig-model',
    version: 1,
    kind: 'char-lm',
    cell: 'gru',
    layers: 1,
    units: 8,
    embed: 4,
    normalization,
    corpus: null,
    training: null,
    metrics: { devPerplexity: null, evalPerplexity: null },
  };
  const path = join(dir, 'small-alphabet');
  await saveModelDir(path, config, params);
  return path;
}

test('signature refuses a corpus written in another alphabet than the model', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const model = await smallAlphabetModel(dir);
  const out = join(dir, 'sig.json');
  assertOneLineError(
    await runCli(signature(model, corpus, out)),
    /tiny\.txt is written in another alphabet than the model's: [\d.]+% of its letters and digits \("t", .*\) are not among the model's 18 symbols/,
    1,
  );
  assert.equal(existsSync(out), false);

  // The same model on a text in its alphabet is fine.
  const fits = join(dir, 'fits.txt');
  const line = 'a bad egg fell off a high ledge. ';
  writeFileSync(fits, Array.from({ length: 80 }, (_, i) => line.repeat(1 + (i % 3))).join('\n'));
  const r = await runCli(signature(model, fits, out, '--max-delta', '1', '--keep-probs', '1', '--max-epochs', '1'));
  assert.equal(r.code, 0, r.stderr);
});

test('signature never overwrites --out without --force', async (t) => {
  const dir = tempDir(t);
  const { corpus, model } = await trainTiny(dir, 'gru', '--cell', 'gru');
  const out = join(dir, 'sig.json');
  writeFileSync(out, '{"mine": true}\n');
  const quick = ['--max-delta', '1', '--keep-probs', '1', '--max-epochs', '1'];
  assertOneLineError(
    await runCli(signature(model, corpus, out, ...quick)),
    /sig\.json already exists; pass --force/,
    1,
  );
  assert.equal(readFileSync(out, 'utf8'), '{"mine": true}\n');
  assertOneLineError(await runCli(signature(model, corpus, dir, ...quick, '--force')), /is a directory/, 1);

  // --resume with nothing to resume (stopped before a layer was done) starts from the beginning.
  const r = await runCli(signature(model, corpus, out, ...quick, '--force', '--resume'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^no finished layer to resume \(.*sig\.json\.partial\.json is not there\): starting from the beginning$/m,
  );
  assert.equal((await readSignature(out)).maxDelta, 1);
  assert.equal(existsSync(`${out}.lock`), false);

  // A run going on with the same --out (here: this process holds its lock) refuses a second one, which would clear
  // the first's decoder checkpoints; the lock is its own file, the signature stays.
  const lock = acquireRunLock(`${out}.lock`, out);
  t.after(() => lock.release());
  assertOneLineError(
    await runCli(signature(model, corpus, out, ...quick, '--force')),
    /sig\.json: another run is going on \(pid \d+ on .+\); let it finish or stop it/,
    1,
  );
  assert.equal((await readSignature(out)).maxDelta, 1);
});

test('a run stopped after layer 1 resumes to the very bytes of an unbroken run', async (t) => {
  const dir = tempDir(t);
  const { corpus, model } = await trainTiny(dir, 'lstm2', '--layers', '2');
  const whole = join(dir, 'whole.json');
  assert.equal((await runCli(signature(model, corpus, whole))).code, 0);

  const out = join(dir, 'sig.json');
  const partial = `${out}.partial.json`;
  const controller = new AbortController();
  const stopAfterLayer1 = (p: SignatureProgress) => {
    if (p.phase === 'layer-done' && p.layer.layer === 1) controller.abort();
  };
  const stopped = await runCli(signature(model, corpus, out), {
    hooks: { signal: controller.signal, onSignatureProgress: stopAfterLayer1 },
  });
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, /^1 of 2 layers finished, kept in .*sig\.json\.partial\.json$/m);
  assert.match(stopped.stderr, /^stopped; resume with: memsig signature --model .* --resume$/m);
  assert.equal(existsSync(out), false, 'no --out file from a stopped run');
  const kept = JSON.parse(readFileSync(partial, 'utf8'));
  assert.equal(kept.format, 'memsig-signature-partial');
  assert.equal(kept.version, 1);
  assert.match(kept.inputs, /^[0-9a-f]{64}$/);
  assert.deepEqual(
    kept.layers.map((l: { layer: number }) => l.layer),
    [1],
  );

  // Other settings: one line.
  assertOneLineError(
    await runCli(signature(model, corpus, out, '--seed', '2', '--resume')),
    /partial\.json was made with another model, corpus or settings/,
    1,
  );

  const trained: number[] = [];
  const resumed = await runCli(signature(model, corpus, out, '--resume'), {
    hooks: {
      onSignatureProgress: (p) => p.phase === 'decoders' && !trained.includes(p.layer) && trained.push(p.layer),
    },
  });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /^resuming from .*partial\.json: layer 1 done$/m);
  assert.deepEqual(trained, [2], 'only layer 2 is trained again');
  assert.deepEqual(bytes(out), bytes(whole));
  assert.equal(existsSync(partial), false);
});

test('a run stopped in the middle of the decoders of a layer resumes from their last round, to the very bytes', async (t) => {
  const dir = tempDir(t);
  const { corpus, model } = await trainTiny(dir, 'gru1', '--cell', 'gru');
  const whole = join(dir, 'whole.json');
  assert.equal((await runCli(signature(model, corpus, whole))).code, 0);

  const out = join(dir, 'sig.json');
  const checkpoints = `${out}.partial.decoders`;
  // Stopped once the full stage trains: the sweep's rung and the half stage are behind it, checkpointed.
  const controller = new AbortController();
  const stopInFullStage = (p: SignatureProgress) => {
    if (p.phase === 'decoders' && p.decoder.stage === 'full') controller.abort();
  };
  const stopped = await runCli(signature(model, corpus, out), {
    hooks: { signal: controller.signal, onSignatureProgress: stopInFullStage },
  });
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(
    stopped.stderr,
    /^no layer was finished; the decoders' finished rounds are kept in .*partial\.decoders$/m,
  );
  assert.ok(readdirSync(join(checkpoints, 'layer1')).length > 0, 'checkpoint files of layer 1');

  const stages = new Set<string>();
  const resumed = await runCli(signature(model, corpus, out, '--resume'), {
    hooks: { onSignatureProgress: (p) => p.phase === 'decoders' && stages.add(p.decoder.stage) },
  });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /the decoders of the unfinished layer go on from their last round/);
  assert.ok(stages.has('full') && !stages.has('rung'), `the sweep's rung does not train again: ${[...stages]}`);
  assert.deepEqual(bytes(out), bytes(whole));
  assert.equal(existsSync(checkpoints), false, 'checkpoints removed with the finished signature');
});

test('Ctrl-C stops a signature run with exit 130 and no --out file', async (t) => {
  const dir = tempDir(t);
  const { corpus, model } = await trainTiny(dir, 'lstm2', '--layers', '2');
  const out = join(dir, 'sig.json');
  const args = signature(model, corpus, out, '--max-epochs', '200', '--patience', '200', '--keep-probs', '1');
  args.push('--epochs-per-rate', '100');
  // The decoders of layer 1 are training in the pool's workers (the first progress line comes after 10 s): they must
  // wind down, not be torn out of a native product (which aborted the process).
  const run = spawnBin(args, (text) => text.includes('layer 1/2: keep'));
  const code = await run.exited;
  const stderr = run.stderr();
  assert.equal(code, 130, stderr);
  assert.doesNotMatch(stderr, /terminate called/);
  assert.match(stderr, /^stopped; resume with: memsig signature .* --resume$/m);
  assert.equal(existsSync(out), false);
});

function decoderEvent(
  layer: number,
  keepProb: number,
  epoch: number,
  batch: number,
  loss: number,
  stage: 'rung' | 'half' | 'full' = 'rung',
): SignatureProgress {
  return {
    phase: 'decoders',
    layer,
    layerIndex: layer - 1,
    layerCount: 2,
    decoder: { keepProb, stage, deltas: [1, 3], groups: 1, epoch, maxEpochs: 3, batch, batches: 2, loss, lr: 2.5e-4 },
  };
}

function layerDone(layer: number): SignatureProgress {
  const delta = (d: number, accuracy: number) => ({ delta: d, accuracy, chanceAccuracy: 0.175 });
  return {
    phase: 'layer-done',
    layer: { layer, deltas: [delta(1, 0.98), delta(2, 0.5)] } as unknown as LayerSignature,
  };
}

test('signature progress off a terminal: states per partition, a line per keep probability and per layer', () => {
  let text = '';
  let t = 0;
  const progress = new SignatureProgressReporter({
    stream: { write: (s: string) => (text += s) },
    isTTY: false,
    modelLayers: 2,
    layers: [1, 2],
    now: () => t,
  });
  for (let done = 1; done <= 4; done++) progress.update({ phase: 'states', partition: 'train', done, total: 4 });
  progress.update({ phase: 'forward' });
  progress.update(decoderEvent(1, 0.9, 1, 1, 2));
  t = 11_000; // past the 10 s interval: one updating line
  progress.update(decoderEvent(1, 0.9, 1, 2, 1));
  progress.update(decoderEvent(1, 0.9, 2, 1, 1));
  progress.update(decoderEvent(1, 0.9, 2, 2, 0.5));
  progress.update(decoderEvent(1, 1, 1, 1, 3)); // the sweep moves on: keep 0.9 is done
  progress.update(decoderEvent(1, 1, 1, 2, 1));
  progress.update(decoderEvent(1, 1, 1, 1, 1, 'half')); // the finalist: its rung is done
  t = 22_000;
  progress.update(decoderEvent(1, 1, 1, 2, 1, 'half'));
  progress.update(decoderEvent(1, 1, 1, 1, 0.5, 'full'));
  progress.update(decoderEvent(1, 1, 1, 2, 0.5, 'full'));
  t = 25_000;
  progress.update(layerDone(1));
  assert.equal(
    text,
    [
      'states: train 4/4 chunks',
      'layer 1/2: keep 0.9 (sweep), epoch 1/3, batch 2/2, loss 1.500',
      'layer 1/2: keep 0.9 (sweep) done after 2 epochs, loss 0.750',
      'layer 1/2: keep 1 (sweep) done after 1 epoch, loss 2.000',
      'layer 1/2: keep 1, half data, epoch 1/3, lr 2.5e-4, batch 2/2, loss 1.000',
      'layer 1/2: keep 1 done after 1 epoch, loss 0.500',
      'layer 1/2 done in 25s: δ=1 98.0%, δ=2 50.0% (chance 17.5%)',
      '',
    ].join('\n'),
  );
});

test("signature progress with the decoders' work plan: an upper bound on the time left, from the batches so far", () => {
  let text = '';
  let t = 0;
  const progress = new SignatureProgressReporter({
    stream: { write: (s: string) => (text += s) },
    isTTY: true,
    modelLayers: 1,
    layers: [1],
    now: () => t,
    // Two keep probabilities and one finalist: 2 rung rounds, then stages of at most 3 rounds (rounds of 2 batches,
    // the full stage's twice as long): 2·2 + 3·2 + 3·4 = 22 batches in all.
    work: {
      keepProbs: 2,
      sweepEpochs: 1,
      finalists: 1,
      halfStage: true,
      groups: 1,
      stageRounds: 3,
      roundPositions: 0,
      batch: 64,
      layers: 1,
    },
  });
  progress.update(decoderEvent(1, 0.9, 1, 1, 2)); // no rate yet
  assert.doesNotMatch(text, /ETA/);
  t = 2000; // 2 batches in 2 s; 20 left
  progress.update(decoderEvent(1, 0.9, 1, 2, 2));
  assert.match(text, /keep 0\.9 \(sweep\), epoch 1\/3, batch 2\/2, loss 2\.000, ETA ≤ 20s$/);
});

test('signature progress on a terminal: one line rewritten in place, permanent lines per layer', () => {
  let text = '';
  let t = 0;
  const progress = new SignatureProgressReporter({
    stream: { write: (s: string) => (text += s) },
    isTTY: true,
    modelLayers: 3,
    layers: [3],
    now: () => t,
  });
  t = 200;
  progress.update(decoderEvent(3, 0.5, 1, 1, 2));
  t = 250; // within 100 ms of the last write: not drawn
  progress.update(decoderEvent(3, 0.5, 1, 2, 2));
  t = 400;
  progress.update(layerDone(3));
  progress.clear();
  assert.equal(
    text,
    '\r\x1b[Klayer 3 (1/1): keep 0.5 (sweep), epoch 1/3, batch 1/2, loss 2.000' +
      '\r\x1b[Klayer 3 (1/1) done in 0s: δ=1 98.0%, δ=2 50.0% (chance 17.5%)\n',
  );
});

/** A factorized-lstm model directory (initialized, untrained) over the default alphabet. */
async function factorizedModel(dir: string): Promise<string> {
  const normalization = defaultNormalization();
  const shape = { layers: 1, units: 8, embed: 4, vocab: normalization.alphabet.length };
  const model = new FactorizedLm(shape);
  model.initialize(new Rng(3));
  const config: CharLmConfig = {
    format: 'memsig-model',
    version: 1,
    kind: 'factorized-lstm',
    cell: 'lstm',
    layers: shape.layers,
    units: shape.units,
    embed: shape.embed,
    normalization,
    corpus: null,
    training: null,
    metrics: { devPerplexity: null, evalPerplexity: null },
  };
  const path = join(dir, 'factorized');
  await saveModelDir(path, config, model.params);
  return path;
}

test('signature of a factorized-lstm model: one file per --basis bigram, and the base kernel', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const model = await factorizedModel(dir);
  const evaluated = await runCli(['eval', '--model', model, '--corpus', corpus]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /\(factorized lstm, 1 layer, 8 units/);

  const pattern = join(dir, 'f-{basis}.json');
  const r = await runCli(signature(model, corpus, pattern, '--basis', 'th,e '));
  assert.equal(r.code, 0, r.stderr);
  const th = await readSignature(join(dir, 'f-th.json'));
  assert.equal(th.model.kind, 'factorized-lstm');
  assert.equal(th.model.details?.restrict, 'basis');
  assert.equal(th.model.details?.bigram, 'th');
  assert.equal((await readSignature(join(dir, 'f-e_.json'))).model.details?.bigram, 'e ');

  // --resume continues the set: the files already written are skipped, not refused.
  const again = await runCli([...signature(model, corpus, pattern, '--basis', 'th,he'), '--resume']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /f-th\.json: already written; skipped/);
  assert.equal((await readSignature(join(dir, 'f-he.json'))).model.details?.bigram, 'he');

  const base = join(dir, 'base.json');
  assert.equal((await runCli(signature(model, corpus, base, '--kernel', 'base'))).code, 0);
  assert.equal((await readSignature(base)).model.details?.restrict, 'base');
  const alone = join(dir, 'alone.json');
  assert.equal((await runCli(signature(model, corpus, alone, '--basis', 'th', '--basis-alone'))).code, 0);
  assert.equal((await readSignature(alone)).model.details?.restrict, 'basis-alone');
  const none = join(dir, 'none.json');
  assert.equal((await runCli(signature(model, corpus, none, '--kernel', 'none'))).code, 0);
  const control = await readSignature(none);
  assert.equal(control.model.details?.restrict, 'none');
  assert.match(control.model.label, /: no recurrent kernel$/);
});

test('signature --kernel/--basis: one-line errors for a plain model, a bad bigram and a missing {basis}', async (t) => {
  const dir = tempDir(t);
  const { corpus, model } = await trainTiny(dir, 'lstm1');
  const plain = await runCli(signature(model, corpus, join(dir, 's.json'), '--basis', 'th'));
  assertOneLineError(plain, /--kernel and --basis are for factorized-lstm models; .* is a lstm model/, 1);
  const factorized = await factorizedModel(dir);
  const several = await runCli(signature(factorized, corpus, join(dir, 's.json'), '--basis', 'th,he'));
  assertOneLineError(several, /--out must hold \{basis\}/, 2);
  const unknown = await runCli(signature(factorized, corpus, join(dir, 's.json'), '--basis', 't!'));
  assertOneLineError(unknown, /basis "t!": not two symbols of the model's alphabet/, 1);
  const lone = await runCli(signature(factorized, corpus, join(dir, 's.json'), '--basis-alone'));
  assertOneLineError(lone, /--basis-alone needs --basis/, 2);
  const both = await runCli(signature(factorized, corpus, join(dir, 's.json'), '--basis', 'th', '--kernel', 'none'));
  assertOneLineError(both, /--basis and --kernel none exclude each other/, 2);
  assert.equal(existsSync(join(dir, 's.json')), false);
});

test('--ngram: the signature and eval of an n-gram estimated on the corpus (known answer: it holds n − 2 symbols back)', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const out = join(dir, 'trigram.json');
  const r = await runCli(['signature', '--ngram', '3', '--corpus', corpus, '--out', out, ...SIG]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^estimated a 3-gram, modified Kneser-Ney on the train partition of .*: \d+ n-grams$/m);
  const sig = await readSignature(out);
  assert.equal(sig.model.kind, 'ngram');
  assert.equal(sig.state, 'h');
  const [d1, d2] = sig.layers[0]!.deltas;
  // A trigram's state is its context x_{t−1} x_t (shorter where that pair was never seen): x_{t−1} is there to read,
  // x_{t−2} only to guess from it, so recall falls steeply past δ = 1.
  assert.ok(d1!.accuracy > 0.8, `δ = 1: ${d1!.accuracy}`);
  assert.ok(d2!.accuracy < d1!.accuracy - 0.3, `δ = 2: ${d2!.accuracy} vs δ = 1: ${d1!.accuracy}`);

  const e = await runCli(['eval', '--ngram', '3', '--corpus', corpus, '--json']);
  assert.equal(e.code, 0, e.stderr);
  const result = JSON.parse(e.stdout);
  assert.match(result.modelDescription, /modified Kneser-Ney, \d+ n-grams, 30 symbols/);
  assert.ok(result.perplexity > 1 && result.perplexity < 30, `perplexity ${result.perplexity}`);
  assert.equal(result.corpus.split, 'eval');
  // The signature's forward strip is the same evaluation of the same partition.
  assert.ok(Math.abs(sig.forward!.perplexity - result.perplexity) < 1e-9);

  assertOneLineError(
    await runCli(['signature', '--ngram', '3', '--model', dir, '--corpus', corpus, '--out', out]),
    /give --model or --ngram, not both/,
    2,
  );
  assertOneLineError(
    await runCli(['signature', '--ngram', '3', '--corpus', corpus, '--out', join(dir, 'c.json'), '--state', 'c']),
    /an n-gram model has only its context state \(use --state h\)/,
    1,
  );
  assertOneLineError(
    await runCli(['eval', '--ngram', '3', '--corpus', corpus, '--split', 'all']),
    /--split all: an n-gram is estimated on the train partition/,
    1,
  );
  assertOneLineError(
    await runCli(['eval', '--prune', '2', '--model', dir, '--corpus', corpus]),
    /--prune is for --ngram/,
    2,
  );
});

test('--random-weights: the control signature of the same architecture untrained, labelled and digested as such', async (t) => {
  const dir = tempDir(t);
  const { corpus, model } = await trainTiny(dir, 'gru', '--cell', 'gru', '--max-steps', '200');
  const trained = join(dir, 'trained.json');
  const control = join(dir, 'control.json');
  assert.equal((await runCli(signature(model, corpus, trained))).code, 0);
  const r = await runCli(signature(model, corpus, control, '--random-weights'));
  assert.equal(r.code, 0, r.stderr);
  const [a, b] = [await readSignature(trained), await readSignature(control)];
  assert.match(b.model.label, /^1-layer GRU, 8 units, random weights \(seed 1\)$/);
  assert.equal(b.model.details.randomWeightsSeed, 1);
  assert.match(b.model.weightsSha256!, /^[0-9a-f]{64}$/);
  assert.notEqual(b.model.weightsSha256, a.model.weightsSha256);
  // The trained model predicts the next symbol better than its untrained architecture.
  assert.ok(a.forward!.accuracy > b.forward!.accuracy + 0.05, `${a.forward!.accuracy} vs ${b.forward!.accuracy}`);
  // The same seed draws the same weights; another seed others.
  const again = join(dir, 'again.json');
  assert.equal((await runCli(signature(model, corpus, again, '--random-weights'))).code, 0);
  assert.equal((await readSignature(again)).model.weightsSha256, b.model.weightsSha256);
  const other = join(dir, 'other.json');
  assert.equal((await runCli(signature(model, corpus, other, '--random-weights', '--seed', '2'))).code, 0);
  assert.notEqual((await readSignature(other)).model.weightsSha256, b.model.weightsSha256);
  // memsig diff then tells what training added.
  const d = await runCli(['diff', trained, control, '--out', join(dir, 'added.svg')]);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /cells \(δ, symbol\) differ beyond chance/);
  assertOneLineError(
    await runCli(['signature', '--ngram', '3', '--corpus', corpus, '--out', join(dir, 'n.json'), '--random-weights']),
    /--random-weights is for --model/,
    1,
  );
});
