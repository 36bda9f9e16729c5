// `memsig import` from the command line: the mapping it prints, the config it writes (normalization read off the
// alphabet, flags that override it, the import record), one-line errors, and the imported model read by
// `memsig eval` and `memsig signature` in one command each.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOneLineError, runCli, tempDir, writeTinyCorpus } from '../cli/helpers.js';
import { IMPORT_FIXTURES } from './fixtures.js';

const LSTM = join(IMPORT_FIXTURES, 'lstm');
const GRU = join(IMPORT_FIXTURES, 'gru');
const readConfig = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));

test('memsig import prints the mapping it chose and reads the normalization off the alphabet', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'lstm');
  const r = await runCli(['import', join(LSTM, 'pytorch.safetensors'), '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /PyTorch state_dict .*pytorch\.safetensors: 2-layer lstm, 16 units, embed 8, 69 symbols/);
  assert.match(r.stdout, /^ {2}embed\.weight +← encoder\.weight$/m);
  assert.match(r.stdout, /^ {2}proj\.weight +← decoder\.weight$/m);
  assert.match(r.stdout, /case kept, digits as themselves, .*whitespace kept, one stream/);
  const config = readConfig(out);
  // Capitals, digits and a newline in the alphabet: case and digits kept, whitespace kept, one stream.
  assert.equal(config.normalization.lowercase, false);
  assert.equal(config.normalization.digitSymbol, null);
  assert.equal(config.normalization.collapseWhitespace, false);
  assert.equal(config.segmentation, 'none');
  assert.equal(config.corpus, null);
  assert.equal(config.training, null);
  assert.equal(config.imported.framework, 'pytorch');
  assert.equal(config.imported.mapping['rnn.weight_ih_l1'], 'lstm.weight_ih_l1');

  const gru = join(dir, 'gru');
  const g = await runCli([
    'import',
    join(GRU, 'pytorch.safetensors'),
    '--out',
    gru,
    '--alphabet-file',
    join(GRU, 'alphabet.txt'),
  ]);
  assert.equal(g.code, 0, g.stderr);
  assert.match(g.stdout, /^ {2}proj\.weight +← emb\.weight \(tied to the embedding\)$/m);
  assert.match(g.stdout, /^ {2}proj\.bias +← zeros \(no bias\)$/m);
  const n = readConfig(gru).normalization;
  // memsig's default alphabet: lowercase, '#' for digits, unknown characters as a space, spaces collapsed.
  assert.deepEqual([n.lowercase, n.digitSymbol, n.unknown, n.collapseWhitespace], [true, '#', 'space', true]);
  assert.equal(readConfig(gru).segmentation, undefined);
});

test('memsig import flags override the normalization, and --force replaces a model', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'm');
  const first = await runCli(['import', join(LSTM, 'model.onnx'), '--out', out]);
  assert.equal(first.code, 0, first.stderr);
  const again = await runCli(['import', join(LSTM, 'model.onnx'), '--out', out, '--case', 'lower']);
  assertOneLineError(again, /already holds a model \(config\.json\); give --force/, 1);
  const r = await runCli([
    'import',
    join(LSTM, 'model.onnx'),
    '--out',
    out,
    '--force',
    '--case',
    'lower',
    '--unknown',
    'drop',
    '--whitespace',
    'collapse',
    '--segment',
    'line',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const config = readConfig(out);
  assert.deepEqual(
    [config.normalization.lowercase, config.normalization.unknown, config.normalization.collapseWhitespace],
    [true, 'drop', true],
  );
  assert.equal(config.segmentation, 'line');
  assert.equal(config.imported.framework, 'onnx');
});

test('memsig import reports bad command lines and unreadable models as one line', async (t) => {
  const dir = tempDir(t);
  assertOneLineError(await runCli(['import', join(LSTM, 'model.onnx')]), /missing --out/, 2);
  assertOneLineError(
    await runCli(['import', join(LSTM, 'model.onnx'), '--out', join(dir, 'a'), '--case', 'upper']),
    /--case must be/,
    2,
  );
  assertOneLineError(
    await runCli(['import', join(LSTM, 'model.onnx'), '--out', join(dir, 'b'), '--map', 'x=proj.weight']),
    /--map renames the tensors of a PyTorch state_dict/,
    1,
  );
  assertOneLineError(
    await runCli(['import', join(LSTM, 'pytorch.safetensors'), '--out', join(dir, 'c'), '--map', 'broken']),
    /--map takes OLD=NEW/,
    2,
  );
  assertOneLineError(await runCli(['import', join(dir, 'missing.onnx'), '--out', join(dir, 'd')]), /missing\.onnx/, 1);
  assert.equal(existsSync(join(dir, 'd')), false);
});

test('memsig train --init refuses an imported GRU whose reset gate comes before the product, in one line', async (t) => {
  const dir = tempDir(t);
  const model = join(dir, 'gru');
  const r = await runCli([
    'import',
    join(GRU, 'keras-reset-before'),
    '--out',
    model,
    '--alphabet-file',
    join(GRU, 'alphabet.json'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readConfig(model).resetAfter, false);
  const corpus = writeTinyCorpus(dir);
  const train = await runCli([
    'train',
    '--corpus',
    corpus,
    '--init',
    model,
    '--out',
    join(dir, 'tuned'),
    '--max-steps',
    '2',
  ]);
  assertOneLineError(
    train,
    /reset gate comes before the recurrent product .* can be evaluated and analysed, not trained/,
    1,
  );
});

test('an imported model is read by memsig eval and memsig signature in one command each', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const model = join(dir, 'lstm');
  const imported = await runCli(['import', join(LSTM, 'keras'), '--out', model]);
  assert.equal(imported.code, 0, imported.stderr);
  const evaluated = await runCli(['eval', '--model', model, '--corpus', corpus, '--json']);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const result = JSON.parse(evaluated.stdout);
  assert.equal(result.corpus.segmentation, 'none');
  assert.ok(Number.isFinite(result.perplexity) && result.perplexity > 1, `perplexity ${result.perplexity}`);
  const sig = join(dir, 'sig.json');
  const signed = await runCli([
    'signature',
    ...['--model', model, '--corpus', corpus, '--out', sig, '--max-delta', '2'],
    ...['--train-positions', '500', '--dev-positions', '100', '--eval-positions', '100'],
    ...['--keep-probs', '1', '--max-epochs', '2', '--backend', 'ts'],
  ]);
  assert.equal(signed.code, 0, signed.stderr);
  assert.equal(JSON.parse(readFileSync(sig, 'utf8')).layers.length, 2);
});
