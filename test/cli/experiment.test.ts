import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from './helpers.js';

test('memsig experiment fig5 --quick writes its numbers, figures and the reproduction report', async (t) => {
  const dir = tempDir(t);
  const report = join(dir, 'reproduction.md');
  const r = await runCli(['experiment', 'fig5', '--quick', '--out', dir, '--report', report]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /fig5: done in/);
  // The minutes of reading states before the decoders are not silent: each partition says when it is read.
  for (const part of ['train', 'dev', 'eval']) {
    assert.match(r.stderr, new RegExp(`: reading the ${part} states: (\\d+)/\\1 chunks$`, 'm'));
  }
  const results = JSON.parse(readFileSync(join(dir, 'fig5', 'results.json'), 'utf8'));
  assert.equal(results.figure, 'fig5');
  assert.ok(Array.isArray(results.numbers.gruMarginal));
  for (const f of ['fig5-diff.svg', 'fig5-signatures.svg', 'fig5-marginal.svg']) {
    assert.ok(existsSync(join(dir, 'fig5', f)), f);
    assert.match(readFileSync(join(dir, 'fig5', f), 'utf8'), /<svg/);
  }
  const md = readFileSync(report, 'utf8');
  assert.match(md, /Figure 5/);
  assert.match(md, /fig5\/fig5-diff\.svg/);
});

test('memsig experiment refuses an unknown experiment and a missing Shakespeare file with one line', async (t) => {
  const dir = tempDir(t);
  const unknown = await runCli(['experiment', 'fig9', '--out', dir]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^memsig: unknown experiment 'fig9'/);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);
  const missing = await runCli(['experiment', 'fig1', '--out', dir, '--shakespeare', join(dir, 'none.txt.gz')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /none\.txt\.gz: not found/);
});

test('memsig experiment fig6 --basis analyses the bigrams named, a space included', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['experiment', 'fig6', '--quick', '--out', dir, '--basis', 'e ,th']);
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(readFileSync(join(dir, 'fig6', 'results.json'), 'utf8'));
  const names = (results.numbers.restrictions as { name: string; bigram?: string }[]).map((x) => x.name);
  assert.deepEqual(names, ['full', 'base', 'basis-e_', 'basis-th', 'alone-e_', 'alone-th', 'no-kernel']);
  assert.deepEqual(
    (results.numbers.restrictions as { bigram?: string }[]).map((x) => x.bigram),
    [undefined, undefined, 'e ', 'th', 'e ', 'th', undefined],
  );
  assert.ok(existsSync(join(dir, 'fig6', 'signatures', 'basis-e_.json')));

  // The factorized model is a model directory memsig signature can read; one saved before configs gets one.
  const configPath = join(dir, 'fig6', 'models', 'factorized', 'config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  assert.equal(config.kind, 'factorized-lstm');
  assert.ok(config.training.steps > 0 && config.metrics.evalPerplexity > 1);
  rmSync(configPath);
  const again = await runCli(['experiment', 'fig6', '--quick', '--out', dir, '--basis', 'e ,th']);
  assert.equal(again.code, 0, again.stderr);
  const restored = JSON.parse(readFileSync(configPath, 'utf8'));
  assert.equal(restored.training, null);
  assert.equal(restored.metrics.evalPerplexity, config.metrics.evalPerplexity);
});

test('memsig experiment --basis refuses a bigram that is not two symbols, and a figure without bases', async (t) => {
  const dir = tempDir(t);
  const short = await runCli(['experiment', 'fig6', '--quick', '--out', dir, '--basis', 'th,t']);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /^memsig: --basis takes bigrams of two characters .* \(got "t"\)/);
  const unknown = await runCli(['experiment', 'fig6', '--quick', '--out', dir, '--basis', 'th,t!']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^memsig: basis "t!": not two symbols of the model's alphabet \(a b c/);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);
  const elsewhere = await runCli(['experiment', 'fig5', '--quick', '--out', dir, '--basis', 'th']);
  assert.equal(elsewhere.code, 2);
  assert.match(elsewhere.stderr, /--basis is for fig6/);
});
