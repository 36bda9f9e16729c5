import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadModelDir } from '../../src/io/model-dir.js';
import { assertOneLineError, runCli, tempDir } from './helpers.js';

test('demo --quick trains on sotu, saves the model and may replace its own output', async (t) => {
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

  const again = await runCli(['demo', '--quick', '--out', out, '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).corpus, 'sotu');

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
});
