// memsig signature of a speech recognizer (--model LAS --data DIR): a valid signature on a tiny tone-speech corpus,
// the table with named layers and δ = 0, progress, --json, Ctrl-C and --resume, and one-line errors.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LasSignatureProgressReporter } from '../../src/cli/las-signature-progress.js';
import { tsGemm } from '../../src/core/gemm.js';
import { readSignature } from '../../src/io/signature-file.js';
import { renderSignatureSvg } from '../../src/render/index.js';
import { assertOneLineError, runCli, TINY, tempDir, writeTinyCorpus } from './helpers.js';
import { writeCorpusAlphabet, writeTinyLas, writeToneCorpus } from './las-fixtures.js';

// Small decoders: the whole signature takes about a second.
const SIG = [
  '--max-delta',
  '2',
  '--train-positions',
  '800',
  '--dev-positions',
  '150',
  '--eval-positions',
  '300',
  '--keep-probs',
  '1',
  '--max-epochs',
  '4',
  '--decoder-hidden',
  '12',
  '--decoder-batch',
  '64',
  '--decoder-lr',
  '0.01',
];

async function fixtures(dir: string): Promise<{ model: string; data: string }> {
  const data = writeToneCorpus(join(dir, 'tones'));
  const model = await writeTinyLas(join(dir, 'las'));
  return { model, data };
}

function signature(model: string, data: string, out: string, ...extra: string[]): string[] {
  return ['signature', '--model', model, '--data', data, '--out', out, ...SIG, ...extra];
}

test('signature --model LAS --data DIR: a valid signature, the table by layer name with δ = 0, progress and --json', async (t) => {
  const dir = tempDir(t);
  const { model, data } = await fixtures(dir);
  const out = join(dir, 'sig.json');
  const r = await runCli(signature(model, data, out, '--probes', 'features:2,encoder,decoder'), {
    hooks: { gemm: tsGemm },
  });
  assert.equal(r.code, 0, r.stderr);

  const sig = await readSignature(out);
  assert.equal(sig.model.kind, 'las');
  assert.equal(sig.target?.kind, 'grapheme');
  assert.deepEqual(
    sig.layers.map((l) => [l.layer, l.speech?.role, l.speech?.label]),
    [
      [1, 'features', 'features ±2 frames'],
      [2, 'encoder', 'listener layer 1'],
      [3, 'encoder', 'listener layer 2'],
      [4, 'decoder', 'speller query'],
    ],
  );
  for (const l of sig.layers) {
    assert.equal(l.current?.delta, 0);
    assert.deepEqual(
      l.deltas.map((d) => d.delta),
      [1, 2],
    );
  }
  // Named as corpora are, never by a path of this machine: a manifest outside the working directory by its name.
  assert.equal(sig.corpus.source, 'manifest.jsonl');
  // Known answer: each letter is a tone of its own pitch, so the features name the letter being spoken.
  const now = sig.layers[0]!.current!;
  assert.ok(now.accuracy > now.chanceAccuracy + 0.3, `features δ = 0: ${now.accuracy} vs chance ${now.chanceAccuracy}`);
  assert.equal(existsSync(`${out}.partial.json`), false, 'the partial file goes once the signature is written');
  // The heatmap draws δ = 0 as its first row, above δ = 1..Δ.
  const svg = renderSignatureSvg(sig, { layer: 1 });
  const drawn = [...svg.matchAll(/class="cell(?: no-data)?"[^>]*data-delta="(\d+)"/g)].map((m) => Number(m[1]));
  assert.deepEqual([...new Set(drawn)], [0, 1, 2]);
  assert.equal(drawn.length, 3 * sig.alphabet.length);

  assert.match(r.stdout, /^ +δ +features ±2 +encoder 1 +encoder 2 +decoder query +chance frames +chance steps$/m);
  const rows = r.stdout.split('\n').filter((l) => /^ +\d+( +([\d.]+\*?|n\/a)){6}$/.test(l));
  assert.deepEqual(
    rows.map((l) => Number(l.trim().split(/ +/)[0])),
    [0, 1, 2],
    r.stdout,
  );
  const mark = sig.layers[0]!.current!.convergence?.converged === false ? '*' : '';
  assert.equal(rows[0]!.trim().split(/ +/)[1], `${(100 * now.accuracy).toFixed(1)}${mark}`);
  assert.equal(rows[0]!.trim().split(/ +/)[5], (100 * now.chanceAccuracy).toFixed(1));
  assert.equal(rows[0]!.trim().split(/ +/)[6], (100 * sig.layers[3]!.current!.chanceAccuracy).toFixed(1));
  assert.ok(r.stdout.includes(`signature written to ${out}`));

  assert.match(
    r.stderr,
    /^signature of .*las \(LAS, 2-layer listener\) on .*manifest\.jsonl: features ±2 frames, listener layer 1, listener layer 2, speller query; state c \(both directions\), graphemes, synth alignment, Δ = 2 and δ = 0;/m,
  );
  assert.match(r.stderr, /^utterances: 8 train, 3 dev, 3 eval$/m);
  assert.match(r.stderr, /^states: eval 3\/3 utterances$/m);
  assert.match(r.stderr, /^listener layer 2 \(3\/4\) done in \d+s: δ=1 [\d.]+%, δ=2 [\d.]+% \(chance [\d.]+%\)$/m);
  for (const l of sig.layers) {
    const starved = [l.current!, ...l.deltas].some((d) => d.convergence?.converged === false);
    const warning = new RegExp(`^warning: .* \\(layer ${l.layer}\\): the decoders of δ = .* are not converged`, 'm');
    if (starved) assert.match(r.stderr, warning);
    else assert.doesNotMatch(r.stderr, warning);
  }

  // --json: per layer its name, role, δ = 0 and the δ ≥ 1 decoders; the default probes are the encoder layers and
  // the speller's query.
  const j = await runCli(signature(model, data, join(dir, 'sig2.json'), '--json', '--no-current'), {
    hooks: { gemm: tsGemm },
  });
  assert.equal(j.code, 0, j.stderr);
  const summary = JSON.parse(j.stdout);
  assert.equal(summary.kind, 'las');
  assert.deepEqual(
    summary.layers.map((l: { name: string; current: unknown }) => [l.name, l.current]),
    [
      ['encoder 1', null],
      ['encoder 2', null],
      ['decoder query', null],
    ],
  );
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
  // A speech signature has no text-only baseline (its positions are frames, not the text's symbols), and one decoder
  // seed (--decoder-seeds is for language models).
  const first = summary.layers[0].deltas[0];
  assert.deepEqual([first.textBaseline, first.seedAccuracy, first.accuracySd], [null, null, null]);
});

test('a LAS signature stopped after its first layer resumes to the very bytes of an unbroken run', async (t) => {
  const dir = tempDir(t);
  const { model, data } = await fixtures(dir);
  const whole = join(dir, 'whole.json');
  const args = (out: string) => signature(model, data, out, '--probes', 'encoder:1,encoder:2');
  assert.equal((await runCli(args(whole), { hooks: { gemm: tsGemm } })).code, 0);

  const out = join(dir, 'broken.json');
  const stop = new AbortController();
  const broken = await runCli(args(out), {
    hooks: {
      gemm: tsGemm,
      signal: stop.signal,
      onSignatureProgress: (p) => {
        if (p.phase === 'layer-done') stop.abort();
      },
    },
  });
  assert.equal(broken.code, 130, broken.stderr);
  assert.equal(existsSync(out), false);
  assert.ok(existsSync(`${out}.partial.json`));
  assert.match(broken.stderr, /^1 of 2 layers finished, kept in .*broken\.json\.partial\.json$/m);
  assert.match(broken.stderr, /^stopped; resume with: memsig signature .* --probes encoder:1,encoder:2 --resume$/m);

  // Other settings do not reuse the partial file.
  const other = await runCli([...args(out), '--seed', '9', '--resume'], { hooks: { gemm: tsGemm } });
  assertOneLineError(other, /was made with another model, corpus or settings/);

  const resumed = await runCli([...args(out), '--resume'], { hooks: { gemm: tsGemm } });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /^resuming from .*partial\.json: listener layer 1 done$/m);
  assert.match(resumed.stderr, /^listener layer 1: kept from the interrupted run$/m);
  assert.deepEqual(readFileSync(out), readFileSync(whole));
  assert.equal(existsSync(`${out}.partial.json`), false);
});

test('a LAS signature stopped in the middle of a layer resumes its decoders from their last round', async (t) => {
  const dir = tempDir(t);
  const { model, data } = await fixtures(dir);
  const whole = join(dir, 'whole.json');
  const args = (out: string) => signature(model, data, out, '--probes', 'encoder:1');
  assert.equal((await runCli(args(whole), { hooks: { gemm: tsGemm } })).code, 0);

  const out = join(dir, 'broken.json');
  const stop = new AbortController();
  const broken = await runCli(args(out), {
    hooks: {
      gemm: tsGemm,
      signal: stop.signal,
      onSignatureProgress: (p) => {
        if (p.phase === 'decoders' && p.decoder.stage === 'full') stop.abort();
      },
    },
  });
  assert.equal(broken.code, 130, broken.stderr);
  assert.match(
    broken.stderr,
    /^no layer was finished; the decoders' finished rounds are kept in .*partial\.decoders$/m,
  );

  const stages = new Set<string>();
  const resumed = await runCli([...args(out), '--resume'], {
    hooks: { gemm: tsGemm, onSignatureProgress: (p) => p.phase === 'decoders' && stages.add(p.decoder.stage) },
  });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /the decoders of the unfinished layer go on from their last round/);
  assert.ok(stages.has('full') && !stages.has('rung'), `the sweep's rung does not train again: ${[...stages]}`);
  assert.deepEqual(readFileSync(out), readFileSync(whole));
  assert.equal(existsSync(`${out}.partial.decoders`), false);
});

test('LAS signature: mistakes are one line, and nothing is written', async (t) => {
  const dir = tempDir(t);
  const { model, data } = await fixtures(dir);
  const out = join(dir, 'sig.json');
  const run = (...args: string[]) => runCli(args, { hooks: { gemm: tsGemm } });

  const empty = join(dir, 'empty');
  mkdirSync(empty);
  assertOneLineError(await run(...signature(model, empty, out)), /--data .*empty: no manifest\.jsonl there/, 1);
  assertOneLineError(await run(...signature(model, join(dir, 'nowhere'), out)), /--data .*nowhere: not found/, 1);
  assertOneLineError(
    await run('signature', '--model', model, '--corpus', 'sotu', '--out', out),
    /--corpus is for language models; .* is a speech recognizer: give --data DIR/,
    2,
  );
  assertOneLineError(
    await run('signature', '--model', model, '--out', out),
    /missing --data: .* is a speech recognizer/,
    2,
  );
  assertOneLineError(
    await run(...signature(model, data, out, '--layers', '1')),
    /--layers is for language models; .* \(choose its layers with --probes/,
    2,
  );
  assertOneLineError(
    await run(...signature(model, data, out, '--probes', 'encoder:3')),
    /listener layer 3 does not exist: the model has 2/,
    1,
  );
  assertOneLineError(
    await run(...signature(model, data, out, '--probes', 'speller')),
    /--probes: "speller" is not a layer/,
    2,
  );
  assertOneLineError(
    await run(...signature(model, data, out, '--alignment', 'dtw')),
    /--alignment must be synth or attention/,
    2,
  );
  assertOneLineError(
    await run(...signature(model, data, out, '--target', 'audio-unit', '--probes', 'encoder,decoder')),
    /audio units belong to frames/,
    1,
  );
  assertOneLineError(
    await run(...signature(model, data, out, '--bigrams', '8')),
    /--bigrams is for --target bigram/,
    2,
  );

  // A corpus in another alphabet than the model's.
  const other = writeToneCorpus(join(dir, 'other'), { train: 2, dev: 1, eval: 1 });
  writeCorpusAlphabet(other, ['a', 'b', 'c', ' ']);
  assertOneLineError(
    await run(...signature(model, other, out)),
    /corpus\.json: the corpus alphabet \("abc "\) differs from the model's graphemes/,
    1,
  );
  // A transcript the model cannot spell.
  const manifest = join(other, 'manifest.jsonl');
  writeFileSync(join(other, 'corpus.json'), '{}');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/"transcript":"[a-h]/, '"transcript":"Z'));
  assertOneLineError(
    await run(...signature(model, other, out)),
    /manifest\.jsonl:1: transcript of "train0" has "Z"/,
    1,
  );

  // LAS flags on a language model, and --data without a LAS model.
  const corpus = writeTinyCorpus(dir);
  const lm = join(dir, 'lm');
  assert.equal((await runCli(['train', '--corpus', corpus, ...TINY, '--out', lm])).code, 0);
  assertOneLineError(
    await run('signature', '--model', lm, '--corpus', corpus, '--out', out, '--alignment', 'attention'),
    /--alignment is for speech recognizers \(a model directory of kind "las"\); .*lm is a language model/,
    2,
  );
  assertOneLineError(
    await run('signature', '--model', lm, '--data', data, '--out', out),
    /--data is for speech recognizers/,
    2,
  );
  assertOneLineError(await run('signature', '--data', data, '--out', out), /missing --model/, 2);
  assert.equal(existsSync(out), false);

  // --out is never overwritten without --force.
  writeFileSync(out, 'keep me');
  assertOneLineError(await run(...signature(model, data, out)), /already exists; pass --force/, 1);
  assert.equal(readFileSync(out, 'utf8'), 'keep me');
});

test('LAS signature progress: utterances, states in utterances, layers by name, δ groups counted from δ = 0', () => {
  let text = '';
  let t = 0;
  const progress = new LasSignatureProgressReporter({
    stream: { write: (s: string) => (text += s) },
    isTTY: false,
    names: ['features (one frame)', 'listener layer 1'],
    current: true,
    now: () => t,
  });
  progress.update({ phase: 'utterances', used: { train: 8, dev: 3, eval: 3 }, skipped: { train: 1, dev: 0, eval: 0 } });
  for (let done = 1; done <= 3; done++) progress.update({ phase: 'states', partition: 'eval', done, total: 3 });
  const decoder = (epoch: number, batch: number) => ({
    phase: 'decoders' as const,
    layer: 2,
    layerIndex: 1,
    layerCount: 2,
    decoder: {
      keepProb: 1,
      stage: 'full' as const,
      deltas: [1, 2] as [number, number],
      groups: 2,
      epoch,
      maxEpochs: 3,
      batch,
      batches: 2,
      loss: 0.5,
      lr: 1e-3,
    },
  });
  progress.update(decoder(1, 1));
  t = 11_000;
  progress.update(decoder(1, 2));
  assert.equal(
    text,
    [
      'utterances: 8 train, 3 dev, 3 eval (1 left out: too short for the listener, or without word timings)',
      'states: eval 3/3 utterances',
      'listener layer 1 (2/2): keep 1 δ 0–1, full data, epoch 1/3, lr 1.0e-3, batch 2/2, loss 0.500',
      '',
    ].join('\n'),
  );
});
