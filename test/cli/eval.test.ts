import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURES, runCli, tempDir } from './helpers.js';

const MODEL = join(FIXTURES, 'golden', 'pytorch-gru-model');
const expected = JSON.parse(readFileSync(join(MODEL, 'expected.json'), 'utf8')) as {
  text: string;
  predictions: number;
  perplexity: number;
  bitsPerChar: number;
};

test('eval of the PyTorch-made model matches PyTorch to 1e-4', async (t) => {
  const dir = tempDir(t);
  const text = join(dir, 'fox.txt');
  writeFileSync(text, `${expected.text}\n`);
  const r = await runCli(['eval', '--model', MODEL, '--corpus', text, '--split', 'all', '--json', '--backend', 'ts']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.predicted, expected.predictions);
  assert.ok(
    Math.abs(result.perplexity / expected.perplexity - 1) < 1e-4,
    `perplexity ${result.perplexity} vs ${expected.perplexity}`,
  );
  assert.ok(Math.abs(result.bitsPerChar / expected.bitsPerChar - 1) < 1e-4);
  assert.equal(result.corpus.trainingCorpus, false);
  assert.equal(result.corpus.segments, 1);
  const total = result.perSymbol.reduce((n: number, s: { count: number }) => n + s.count, 0);
  assert.equal(total, expected.predictions);

  // The same through the default backend, as a table.
  const table = await runCli(['eval', '--model', MODEL, '--corpus', text, '--split', 'all']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^perplexity {2}${expected.perplexity.toPrecision(4)} per character`, 'm'));
  assert.match(table.stdout, /^next symbol +count +accuracy$/m);
  assert.match(table.stdout, /^# +2 +[\d.]+%$/m);
});

test('eval normalizes text the model has never seen (digits, capitals, other characters)', async (t) => {
  const dir = tempDir(t);
  const text = join(dir, 'other.txt');
  const lines = Array.from({ length: 40 }, (_, i) => `Line ${i}: THE Quick brown fox — jumps over ${i * 7} lazy dogs!`);
  writeFileSync(text, lines.join('\n'));
  for (const split of ['eval', 'all']) {
    const r = await runCli(['eval', '--model', MODEL, '--corpus', text, '--split', split, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.ok(Number.isFinite(result.perplexity) && result.perplexity > 1);
    assert.equal(result.corpus.split, split);
    assert.equal(result.corpus.segments, split === 'all' ? 40 : 2);
  }
});
