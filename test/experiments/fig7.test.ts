// memsig experiment fig7: on a given corpus and model (a tiny tone-speech corpus and a random LAS, so the test takes
// seconds), the signature of every layer, the three-panel figure, the judged claims in results.json and the
// report's Figure 7 section; the one-line refusals of its flags. (The whole path from synthesis and training, at
// --quick size, runs in experiments.test.ts, which runs every experiment.)

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LayerSignature, Signature } from '../../src/analysis/signature-types.js';
import { judgeClaims } from '../../src/experiments/fig7.js';
import { readSignature } from '../../src/io/signature-file.js';
import { assertOneLineError, runCli, tempDir } from '../cli/helpers.js';
import { writeTinyLas, writeToneCorpus } from '../cli/las-fixtures.js';

test('memsig experiment fig7 --quick --data --model: signature, Figure 7, judged claims, the report section; reused when run again', async (t) => {
  const dir = tempDir(t);
  const data = writeToneCorpus(join(dir, 'tones'), { train: 10, dev: 4, eval: 4 });
  const model = await writeTinyLas(join(dir, 'las'));
  const out = join(dir, 'experiments');
  const report = join(dir, 'reproduction.md');
  const args = ['experiment', 'fig7', '--quick', '--data', data, '--model', model, '--out', out, '--report', report];
  const r = await runCli(args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^fig7: done in [\d.]+ min → .*fig7\/results\.json$/m);
  assert.match(r.stderr, /las: computing the LAS signature \(Δ = 3, 4 layers\)/);
  assert.doesNotMatch(r.stderr, /synthesizing|training/, 'a given corpus and model are used as they are');

  const fig = join(out, 'fig7');
  const sig: Signature = await readSignature(join(fig, 'signatures', 'las.json'));
  assert.deepEqual(
    sig.layers.map((l) => l.speech?.label),
    ['features ±2 frames', 'listener layer 1', 'listener layer 2', 'speller query'],
  );
  for (const f of ['fig7-signatures.svg', 'fig7-marginal.svg', 'fig7-features-control.svg']) {
    assert.ok(existsSync(join(fig, f)), f);
  }
  const svg = readFileSync(join(fig, 'fig7-signatures.svg'), 'utf8');
  assert.match(svg, /a\. first encoder layer · listener layer 1/);
  assert.match(svg, /b\. last encoder layer · listener layer 2/);
  assert.match(svg, /c\. decoder query vectors · speller query/);
  assert.match(svg, /#3f007d/i, 'the paper’s purple scale');

  const results = JSON.parse(readFileSync(join(fig, 'results.json'), 'utf8'));
  assert.equal(results.figure, 'fig7');
  assert.equal(results.quick, true);
  const claims = results.numbers.claims as { id: string; criterion: string; agrees: boolean | null }[];
  assert.deepEqual(
    claims.map((c) => c.id),
    [
      'last-encoder-recalls-more',
      'shallow-encoder-reads-graphemes',
      'decoder-recalls-most',
      'features-control',
      'alignment-agreement',
    ],
  );
  for (const c of claims.slice(0, 3)) {
    assert.equal(typeof c.agrees, 'boolean');
    assert.ok(c.criterion.length > 20);
  }
  const agreement = results.numbers.alignmentAgreement;
  assert.ok(agreement.utterances === 4 && agreement.frames > 0 && agreement.share >= 0 && agreement.share <= 1);
  assert.equal(results.numbers.model.given, true);
  assert.equal(results.numbers.cer.eval, null, 'the random model was never evaluated');
  assert.equal(results.numbers.layers.length, 4);
  assert.equal(results.numbers.layers[1].name, 'encoder 1');
  assert.equal(results.numbers.layers[1].current.accuracy, sig.layers[1]!.current!.accuracy);

  const md = readFileSync(report, 'utf8');
  assert.match(md, /\| Figure 7 \(section 8\) \| 3 \| \d \| \d \| [\d.]+ min \(--quick\) \|/);
  assert.match(md, /## Figure 7 \(section 8\): Memory signatures of a Listen-Attend-Spell speech recognizer/);
  assert.match(
    md,
    /Speech: the corpus given .*: 10 \/ 4 \/ 4 train \/ dev \/ eval utterances; frames labelled by the synthesizer's word timings\./,
  );
  assert.match(
    md,
    /Model: LAS with a 2-layer BLSTM listener × 4 \(3 frames stacked, 0 pyramid\), 1-layer speller × 6 \(given\)\./,
  );
  assert.match(
    md,
    /The last encoder layer recalls prior graphemes much more strongly than the first\. \| mean recall over δ: encoder 1 [\d.]+%, encoder 2 [\d.]+%.* — judged by: mean recall over δ = 1\.\.Δ/,
  );
  assert.match(md, /!\[fig7\]\(experiments\/fig7\/fig7-signatures\.svg\)/);

  // Run again: everything is found.
  const again = await runCli(args);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /las: signature found/);
  assert.doesNotMatch(again.stderr, /computing/);
  assert.deepEqual(JSON.parse(readFileSync(join(fig, 'results.json'), 'utf8')).numbers, results.numbers);
});

test('memsig experiment: --data and --model are for fig7, and --model needs --data', async (t) => {
  const dir = tempDir(t);
  assertOneLineError(
    await runCli(['experiment', 'fig1', '--quick', '--data', dir, '--out', dir]),
    /--data is for fig7/,
    2,
  );
  assertOneLineError(
    await runCli(['experiment', 'fig7', '--quick', '--model', dir, '--out', dir]),
    /--model needs --data/,
    2,
  );
});

/** Layer n, whose eval accuracy is `acc` at every δ (δ = 0 too) over `count` positions, against chance 0.2. */
function layer(n: number, acc: number, role: 'encoder' | 'decoder', p = 1e-6, count = 10_000): LayerSignature {
  const positions = { train: count, dev: count, eval: count };
  const delta = (d: number) => ({ delta: d, accuracy: acc, chanceAccuracy: 0.2, pValue: p, positions }) as never;
  return {
    layer: n,
    stateSize: 4,
    speech: {
      role,
      label: role === 'encoder' ? `listener layer ${n}` : 'speller query',
      reads: 'c',
      direction: 'both',
      frameSeconds: 0.03,
      alignment: 'synth',
      window: null,
    },
    decoder: { hidden: [4], parameters: 1, rule: 'given' },
    current: delta(0),
    deltas: [delta(1), delta(2), delta(3)],
  };
}

test('judgeClaims(): each Figure 7 claim holds only beyond its recorded margin', () => {
  const verdicts = (first: LayerSignature, last: LayerSignature, query: LayerSignature) =>
    judgeClaims(first, last, query, undefined, [first, last]).map((c) => c.agrees);
  // 10,000 eval positions per δ: a standard error near 0.3 points; 0.30 vs 0.60 is far apart.
  assert.deepEqual(verdicts(layer(1, 0.3, 'encoder'), layer(2, 0.6, 'encoder'), layer(3, 0.9, 'decoder')), [
    true,
    true,
    true,
  ]);
  // Differences of 5 points on 100 positions per δ are within noise; layer 1 is not beyond chance at p < 0.001.
  assert.deepEqual(
    verdicts(
      layer(1, 0.3, 'encoder', 0.01, 100),
      layer(2, 0.35, 'encoder', 1e-6, 100),
      layer(3, 0.4, 'decoder', 1e-6, 100),
    ),
    [false, false, false],
  );
});
