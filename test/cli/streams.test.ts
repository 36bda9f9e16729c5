import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadModel } from '../../src/io/load-model.js';
import { FIXTURES, runCli, TINY, tempDir } from './helpers.js';

const STREAM_MODEL = join(FIXTURES, 'streams', 'pytorch-stream-model');
const expected = JSON.parse(readFileSync(join(STREAM_MODEL, 'expected.json'), 'utf8')) as {
  text: string;
  predictions: number;
  perplexity: number;
  bitsPerChar: number;
  lineReading: { predictions: number; bitsPerChar: number };
};

test('eval reads a model whose alphabet has a newline as one stream, as PyTorch does (state carried across lines)', async (t) => {
  const dir = tempDir(t);
  const text = join(dir, 'eval.txt');
  writeFileSync(text, expected.text);
  const r = await runCli(['eval', '--model', STREAM_MODEL, '--corpus', text, '--split', 'all', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.corpus.segmentation, 'none');
  assert.equal(result.corpus.segments, 1);
  // Every newline is predicted, and there is one start of state: n − 1 predictions.
  assert.equal(result.predicted, expected.predictions);
  assert.ok(
    Math.abs(result.bitsPerChar / expected.bitsPerChar - 1) < 1e-4,
    `${result.bitsPerChar} bits/char vs PyTorch's ${expected.bitsPerChar}`,
  );
  // Read by lines when asked: the state reset at every line, newlines never read.
  const lines = await runCli([
    'eval',
    '--model',
    STREAM_MODEL,
    '--corpus',
    text,
    '--split',
    'all',
    '--segment',
    'line',
    '--json',
  ]);
  assert.equal(lines.code, 0, lines.stderr);
  const byLine = JSON.parse(lines.stdout);
  assert.equal(byLine.predicted, expected.lineReading.predictions);
  assert.ok(Math.abs(byLine.bitsPerChar / expected.lineReading.bitsPerChar - 1) < 1e-4);
  // The table names the newline instead of breaking its line.
  const table = await runCli(['eval', '--model', STREAM_MODEL, '--corpus', text, '--split', 'all']);
  assert.match(table.stdout, /^newline +5 +[\d.]+%$/m);
  assert.match(table.stdout, /: 1 stream, 107 symbols/);
});

/** A short play excerpt, about 7 KB: capitals, punctuation, digits and blank lines. */
function playText(): string {
  const speeches: string[] = [];
  for (let i = 0; i < 60; i++) {
    const who = ['MENENIUS', 'First Citizen', 'MARCIUS'][i % 3];
    speeches.push(`${who}:\nAct ${1 + (i % 5)}, the ${i}th time: what say you, friends?\nWe say: "Speak!"\n`);
  }
  return speeches.join('\n');
}

test('train --segment none --alphabet raw: a stream model of every character, recorded and read back as a stream', async (t) => {
  const dir = tempDir(t);
  const corpus = join(dir, 'play.txt');
  const text = playText();
  writeFileSync(corpus, text);
  const out = join(dir, 'model');
  const r = await runCli([
    'train',
    '--corpus',
    corpus,
    '--segment',
    'none',
    '--alphabet',
    'raw',
    '--cell',
    'gru',
    ...TINY,
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\(streams\)/);
  assert.match(r.stderr, /alphabet: the \d+ characters of the text, most frequent first \(" " "/);

  const { config } = await loadModel(out);
  const n = config.normalization;
  assert.deepEqual(new Set(n.alphabet), new Set(text));
  assert.equal(n.alphabet[0], ' ', 'the most frequent character first');
  assert.ok(
    n.alphabet.includes('\n') && n.alphabet.includes('M') && n.alphabet.includes('"') && n.alphabet.includes('3'),
  );
  assert.deepEqual(
    { lowercase: n.lowercase, digitSymbol: n.digitSymbol, collapseWhitespace: n.collapseWhitespace },
    { lowercase: false, digitSymbol: null, collapseWhitespace: false },
  );
  const rec = config.corpus!;
  assert.equal(rec.segmentation, 'none');
  assert.deepEqual(rec.segments, { train: 1, dev: 1, eval: 1 });
  // Contiguous 90/5/5 blocks of the text's characters.
  const dev = Math.round(text.length * 0.05);
  assert.deepEqual(rec.symbols, { train: text.length - 2 * dev, dev, eval: dev });

  // eval reads the training corpus as it was trained: one stream, its last 5% the eval split.
  const ev = await runCli(['eval', '--model', out, '--corpus', corpus, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  const result = JSON.parse(ev.stdout);
  assert.deepEqual(
    { ...result.corpus, source: undefined },
    {
      source: undefined,
      split: 'eval',
      segmentation: 'none',
      trainingCorpus: true,
      splitSeed: 1,
      segments: 1,
      symbols: dev,
    },
  );
  assert.equal(result.predicted, dev - 1);
  assert.ok(
    Math.abs(result.perplexity / config.metrics.evalPerplexity! - 1) < 1e-9,
    'the eval perplexity training measured',
  );

  // Another text is read as a stream too, split into blocks with the default fractions.
  const other = join(dir, 'other.txt');
  writeFileSync(other, text.slice(0, 4000));
  const ev2 = await runCli(['eval', '--model', out, '--corpus', other, '--json']);
  assert.equal(ev2.code, 0, ev2.stderr);
  assert.deepEqual([JSON.parse(ev2.stdout).corpus.segmentation, JSON.parse(ev2.stdout).corpus.symbols], ['none', 200]);
});

test('signature of a stream model reads the text as a stream; --alphabet raw with --init is refused', async (t) => {
  const dir = tempDir(t);
  const corpus = join(dir, 'play.txt');
  writeFileSync(corpus, playText());
  const out = join(dir, 'model');
  const trained = await runCli([
    'train',
    '--corpus',
    corpus,
    '--segment',
    'none',
    '--alphabet',
    'raw',
    ...TINY,
    '--out',
    out,
  ]);
  assert.equal(trained.code, 0, trained.stderr);
  const sigPath = join(dir, 'sig.json');
  const small = ['--train-positions', '400', '--dev-positions', '100', '--eval-positions', '100', '--max-delta', '3'];
  const r = await runCli([
    'signature',
    '--model',
    out,
    '--corpus',
    corpus,
    '--out',
    sigPath,
    ...small,
    '--keep-probs',
    '1',
    '--max-epochs',
    '1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /training corpus and split, streams\)/);
  const sig = JSON.parse(readFileSync(sigPath, 'utf8'));
  assert.equal(sig.corpus.segmentation, 'none');
  assert.ok(sig.alphabet.includes('\n'));

  const bad = await runCli(['train', '--corpus', corpus, '--alphabet', 'raw', '--init', out, '--out', join(dir, 'm2')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--alphabet raw cannot be used with --init/);

  // Fine-tuning a stream model reads the new text as a stream too, unless --segment says otherwise.
  const tuned = join(dir, 'tuned');
  const ft = await runCli(['train', '--corpus', corpus, '--init', out, ...TINY, '--out', tuned]);
  assert.equal(ft.code, 0, ft.stderr);
  assert.equal((await loadModel(tuned)).config.corpus?.segmentation, 'none');
  const byLine = join(dir, 'by-line');
  const ft2 = await runCli(['train', '--corpus', corpus, '--init', out, '--segment', 'line', ...TINY, '--out', byLine]);
  assert.equal(ft2.code, 0, ft2.stderr);
  assert.equal((await loadModel(byLine)).config.corpus?.segmentation, 'line');
});
