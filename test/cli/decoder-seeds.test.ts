import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Signature } from '../../src/analysis/signature-types.js';
import { readSignature, serializeSignature } from '../../src/io/signature-file.js';
import { tinySignature } from '../render/helpers.js';
import { assertOneLineError, runCli, SMALL_SIGNATURE, TINY, tempDir, writeTinyCorpus } from './helpers.js';

const SIG = [...SMALL_SIGNATURE];

/** Writes a signature as NAME into dir and returns its path. */
function signatureWriter(dir: string): (name: string, sig: Signature) => string {
  return (name, sig) => {
    const path = join(dir, name);
    writeFileSync(path, serializeSignature(sig));
    return path;
  };
}

test('signature --decoder-seeds 2: the cost up front, mean ± sd in the table, the spread in the file and --json', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const model = join(dir, 'gru');
  assert.equal((await runCli(['train', '--corpus', corpus, ...TINY, '--cell', 'gru', '--out', model])).code, 0);
  const out = join(dir, 'sig.json');
  const args = ['signature', '--model', model, '--corpus', corpus, '--out', out, ...SIG];
  const r = await runCli([...args, '--decoder-seeds', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^--decoder-seeds 2: every decoder trains 2 times .* about 2× the time/m);
  assert.match(r.stdout, /^ {3}1 +\d+\.\d±\d+\.\d\*? /m);
  assert.match(r.stdout, /±: standard deviation over 2 decoder seeds/);
  const sig = await readSignature(out);
  assert.equal(sig.settings.decoderSeeds, 2);
  for (const d of sig.layers[0]!.deltas) {
    assert.deepEqual(d.seeds!.seeds, [1001, 101_001]);
    assert.ok(Math.abs(d.accuracy - (d.seeds!.accuracy[0]! + d.seeds!.accuracy[1]!) / 2) < 1e-12);
  }
  // The first seed is the one-seed run.
  const one = join(dir, 'one.json');
  const j = await runCli(['signature', '--model', model, '--corpus', corpus, '--out', one, ...SIG, '--json']);
  assert.equal(j.code, 0, j.stderr);
  const summary = JSON.parse(j.stdout);
  assert.equal(summary.layers[0].deltas[0].seedAccuracy, null);
  const single = await readSignature(one);
  assert.equal(single.layers[0]!.deltas[0]!.accuracy, sig.layers[0]!.deltas[0]!.seeds!.accuracy[0]);
});

test('signature --decoder-seeds: a count below 1 or on a speech model is a one-line error', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const base = ['signature', '--ngram', '3', '--corpus', corpus, '--out', join(dir, 's.json')];
  assertOneLineError(await runCli([...base, '--decoder-seeds', '0']), /--decoder-seeds must be/, 2);
  assertOneLineError(await runCli([...base, '--decoder-seeds', 'two']), /--decoder-seeds must be/, 2);
  const help = await runCli(['signature', '--help']);
  assert.match(help.stdout, /--decoder-seeds <k>/);
});

test('diff of two groups of seeds: the means drawn, cells marked against the seed spread; mismatches refused', async (t) => {
  const dir = tempDir(t);
  const write = signatureWriter(dir);
  const centre = [0.9, 0.5, 0.7, 0.4];
  const shifted = [0.9, 0.1, 0.7, 0.4];
  const jitter = (row: number[], k: number) => row.map((r, s) => (s === 2 ? r + 0.1 * (k % 2) : r));
  const a = [1, 2, 3].map((k) => write(`a${k}.json`, tinySignature([[jitter(centre, k)]])));
  const b = [1, 2, 3].map((k) => write(`b${k}.json`, tinySignature([[jitter(shifted, k + 1)]])));
  const out = join(dir, 'd.svg');
  const r = await runCli(['diff', a.join(','), b.join(','), '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^1 of 4 cells \(δ, symbol\) differ beyond the spread of the seeds: A recalls better in 1, B in 0 \(Welch's t over seeds, 3 vs 3,/m,
  );
  // The marginal view: a row per δ and the mean over δ, each with the seeds' mean ± sd and Welch's p.
  assert.match(r.stdout, /^marginal accuracy \(%\) by δ, mean ± sd over seeds; A − B in points; p: Welch's t/m);
  assert.match(r.stdout, /^ {3}1 +\d+\.\d\d ± \d+\.\d\d +\d+\.\d\d ± \d+\.\d\d +[+−]\d+\.\d\d +[\d.e-]+( •)?$/m);
  assert.match(
    r.stdout,
    /^mean over δ: A \d+\.\d\d ± \d+\.\d\d%, B \d+\.\d\d ± \d+\.\d\d%; A − B [+−]\d+\.\d\d points, p = /m,
  );
  const svg = readFileSync(out, 'utf8');
  assert.match(svg, /mean of 3 model seeds/);
  assert.match(svg, /Welch&#39;s t over seeds|Welch's t over seeds/);
  const other = write('other.json', tinySignature([[centre]], ['a', 'b', 'c', '#']));
  assertOneLineError(
    await runCli(['diff', a.join(','), `${b[0]},${other}`, '--out', out]),
    /other\.json: its alphabet differs from .*a1\.json's/,
    1,
  );
  const longer = write('longer.json', tinySignature([[centre, centre]]));
  assertOneLineError(await runCli(['diff', a.join(','), `${b[0]},${longer}`, '--out', out]), /Δ = 2, but .* Δ = 1/, 1);
  assertOneLineError(await runCli(['diff', a.join(','), b[0]!, '--out', out]), /group B has 1 signature/, 1);
});

test('compare of groups of seeds: each group drawn as its mean, with a band of ± 1 sd over its model seeds', async (t) => {
  const dir = tempDir(t);
  const write = signatureWriter(dir);
  const a = [0.1, 0.2, 0.3].map((x, k) => write(`a${k + 1}.json`, tinySignature([[[0.9, x, 0.7, 0.4]]])));
  const single = write('single.json', tinySignature([[[0.5, 0.5, 0.5, 0.5]]]));
  const out = join(dir, 'c.svg');
  const r = await runCli(['compare', '--kind', 'marginal', a.join(','), single, '--labels', 'A,B', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const svg = readFileSync(out, 'utf8');
  // One band (the group's, none for the single file), its legend, and the group's label.
  assert.equal(svg.match(/class="seed-band"/g)?.length, 1);
  assert.match(svg, /± 1 sd over 3 model seeds/);
  assert.match(svg, /A \(mean of 3 model seeds\)/);
  assert.ok(!svg.includes('B (mean'));
  // The group's line is the mean of its seeds: symbol b's recall 0.1, 0.2, 0.3 → 0.2, as one file of it draws.
  const meanOnly = write('mean.json', tinySignature([[[0.9, 0.2, 0.7, 0.4]]]));
  const outMean = join(dir, 'm.svg');
  assert.equal((await runCli(['compare', '--kind', 'marginal', meanOnly, single, '--out', outMean])).code, 0);
  const line = (x: string) => x.match(/<polyline class="series" points="([^"]+)"/)?.[1];
  assert.equal(line(svg), line(readFileSync(outMean, 'utf8')));
  const other = write('other.json', tinySignature([[[0.9, 0.5, 0.7]]], ['a', 'b', 'c']));
  assertOneLineError(
    await runCli(['compare', '--kind', 'marginal', `${a[0]},${other}`, '--out', out]),
    /other\.json: its alphabet differs from .*a1\.json's/,
    1,
  );
  assertOneLineError(await runCli(['compare', `${a[0]},`, '--out', out]), /group 1 .* has an empty file name/, 2);
});
