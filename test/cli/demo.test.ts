import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadModelDir } from '../../src/io/model-dir.js';
import { readSignature } from '../../src/io/signature-file.js';
import { assertOneLineError, runCli, tempDir } from './helpers.js';

test('demo --quick trains on sotu, computes the signature, and may replace its own output', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'demo');
  const r = await runCli(['demo', '--quick', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /dev perplexity [\d.]+, eval perplexity [\d.]+/);
  assert.match(r.stdout, /memsig eval --model .*demo --corpus sotu/);
  const model = await loadModelDir(out);
  assert.equal(model.config.cell, 'gru');
  assert.equal(model.config.corpus?.source, 'sotu');
  assert.equal(model.config.corpus?.segmentation, 'sentence');

  // The signature of the GRU's state h, Δ = 10, on the model's own partitions.
  const sig = await readSignature(join(out, 'signature.json'));
  assert.equal(sig.state, 'h');
  assert.equal(sig.maxDelta, 10);
  assert.equal(sig.corpus.sha256, model.config.corpus?.sha256);
  assert.equal(sig.model.weightsSha256, model.weightsSha256);
  assert.match(r.stdout, /^ +δ +layer 1 +chance +text$/m);
  assert.equal(r.stdout.split('\n').filter((l) => /^ +\d+ +[\d.]+\*? +[\d.]+ +[\d.]+$/.test(l)).length, 10, r.stdout);
  assert.match(r.stdout, /^best-remembered symbols of layer 1 /m);
  assert.match(r.stdout, /^ +1 {2}\S+ [\d.]+%, \S+ [\d.]+%, \S+ [\d.]+%$/m);
  assert.match(r.stdout, /^the state holds the input|^the decoders do not beat chance/m);
  assert.match(r.stdout, /^the state holds (more|no more) than the text after a symbol implies/m);
  assert.match(r.stderr, /^layer 1\/1 done in/m);

  const again = await runCli(['demo', '--quick', '--out', out, '--json']);
  assert.equal(again.code, 0, again.stderr);
  const summary = JSON.parse(again.stdout);
  assert.equal(summary.corpus, 'sotu');
  assert.equal(summary.signature.layers[0].deltas.length, 10);
  assert.equal(summary.signature.bestRemembered.length, 10);

  const e = await runCli(['eval', '--model', out, '--corpus', 'sotu', '--json']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(JSON.parse(e.stdout).corpus.trainingCorpus, true);
});

test('demo never replaces a config.json it did not write', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'mine');
  mkdirSync(out);
  writeFileSync(join(out, 'config.json'), '{"name": "my project"}\n');
  assertOneLineError(await runCli(['demo', '--quick', '--out', out]), /did not write; choose another --out/, 1);
  assert.equal(existsSync(join(out, 'model.safetensors')), false);
  assert.equal(existsSync(join(out, 'signature.json')), false);
});
