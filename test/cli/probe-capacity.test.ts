import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSignature } from '../../src/io/signature-file.js';
import { assertOneLineError, runCli, SMALL_SIGNATURE, tempDir, writeTinyCorpus } from './helpers.js';

const SIG = [...SMALL_SIGNATURE, '--decoder-hidden', '8'];

test('signature --capacity-sweep --mdl: the costs up front, the front and the code in the file, drawn in the marginal figure', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const out = join(dir, 'sig.json');
  const r = await runCli([
    'signature',
    '--ngram',
    '3',
    '--corpus',
    corpus,
    '--out',
    out,
    ...SIG,
    '--capacity-sweep',
    '--mdl',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^--capacity-sweep: .*linear maps and at 0\.25× \(hidden 2\) and 4× \(hidden 32\).*times the decoders' time more$/m,
  );
  assert.match(r.stderr, /^--mdl: each layer's decoders train 10 more times/m);
  assert.match(r.stdout, /^capacity sweep: mean eval accuracy over δ by decoder size/m);
  assert.match(r.stdout, /^ {3}layer 1: .*linear \([\d,]+\) \d+\.\d.*4× \([\d,]+\) \d+\.\d/m);
  assert.match(r.stdout, /^online code length \(bits per position; uniform code \d\.\d\d/m);
  assert.match(r.stdout, /^ {3}2 +\d\.\d{3} +\d\.\d{3}$/m);
  const sig = await readSignature(out);
  assert.deepEqual(sig.settings.capacityFactors, [0, 0.25, 1, 4]);
  const probes = sig.layers[0]!.capacity!;
  // By parameter count: on the n-gram's wide one-hot context a linear decoder is larger than a 2-unit MLP.
  assert.deepEqual(
    [...probes].sort((a, b) => a.factor - b.factor).map((p) => p.hidden),
    [[], [2], [8], [32]],
  );
  for (let i = 1; i < probes.length; i++) assert.ok(probes[i]!.parameters >= probes[i - 1]!.parameters);
  for (const d of sig.layers[0]!.deltas) {
    assert.ok(d.onlineCode!.bitsPerPosition > 0 && d.onlineCode!.compression > 1, `δ ${d.delta}`);
  }
  const svg = join(dir, 'm.svg');
  const g = await runCli(['render', out, '--kind', 'marginal', '--out', svg]);
  assert.equal(g.code, 0, g.stderr);
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(svg, 'utf8');
  assert.match(text, /class="capacity-panel"/);
  assert.match(text, /class="online-code-panel"/);
});

test('signature --capacity-sweep and --mdl: in --help, refused on a speech model in one line', async (t) => {
  const help = await runCli(['signature', '--help']);
  assert.match(help.stdout, /--capacity-sweep/);
  assert.match(help.stdout, /--mdl/);
  const dir = tempDir(t);
  const r = await runCli([
    'signature',
    '--model',
    join(dir, 'none'),
    '--data',
    dir,
    '--out',
    join(dir, 's.json'),
    '--mdl',
  ]);
  assertOneLineError(r, /--capacity-sweep and --mdl are for language models/, 2);
});
