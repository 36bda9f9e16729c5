// Bad input of every kind ends with one "memsig: ..." line, a non-zero exit code and no stack trace.

import assert from 'node:assert/strict';
import { cpSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOneLineError, FIXTURES, runCli, TINY, tempDir, writeTinyCorpus } from './helpers.js';

const MODEL_FIXTURE = join(FIXTURES, 'golden', 'pytorch-gru-model');

test('train: unreadable corpora', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'out');
  assertOneLineError(
    await runCli(['train', '--corpus', join(dir, 'missing.txt'), ...TINY, '--out', out]),
    /corpus not found: .*missing\.txt/,
    1,
  );
  const empty = join(dir, 'empty.txt');
  writeFileSync(empty, '');
  assertOneLineError(await runCli(['train', '--corpus', empty, ...TINY, '--out', out]), /has no text/, 1);
  const binary = join(dir, 'binary.txt');
  writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x41, 0x42]));
  assertOneLineError(await runCli(['train', '--corpus', binary, ...TINY, '--out', out]), /looks binary/, 1);
});

test('train: bad flag values name the flag (exit 2)', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const out = join(dir, 'out');
  const cases: [string[], RegExp][] = [
    [['--units', 'abc'], /--units must be a whole number ≥ 1 \(got "abc"\)/],
    [['--units', '2.5'], /--units must be a whole number/],
    [['--layers', '0'], /--layers must be a whole number ≥ 1/],
    [['--lr', '-1'], /--lr must be a number > 0 and < 10 \(got "-1"\)/],
    [['--lr', '1e9'], /--lr must be a number > 0 and < 10/],
    [['--dropout', '1'], /--dropout must be a number ≥ 0 and < 1/],
    [['--cell', 'rnn'], /--cell must be lstm, gru or factorized-lstm \(got "rnn"\)/],
    [['--segment', 'word'], /--segment must be auto, line, sentence or none/],
    [['--backend', 'gpu'], /--backend must be auto, onnx or ts/],
    [['--max-steps', '-3'], /--max-steps must be a whole number ≥ 1/],
    [['--seed', '0x10'], /--seed must be a whole number from 0 to 4294967295/],
    [['--checkpoint-every', 'often'], /--checkpoint-every must be a whole number ≥ 0/],
    [['--unitz', '8'], /unknown option '--unitz'.*Did you mean --units\?/],
    [['--units'], /option '--units <n>' argument missing/],
  ];
  for (const [flags, pattern] of cases) {
    const r = await runCli(['train', '--corpus', corpus, '--out', out, ...flags]);
    assertOneLineError(r, pattern, 2);
  }
  assertOneLineError(await runCli(['train', '--out', out]), /missing --corpus/, 2);
  assertOneLineError(await runCli(['train', '--corpus', corpus]), /missing --out/, 2);
  assertOneLineError(await runCli(['frobnicate']), /unknown command 'frobnicate'/, 2);
  assertOneLineError(await runCli(['train', 'extra', '--corpus', corpus, '--out', out]), /too many arguments/, 2);
});

test('train: a corpus too small for the batch, or for the split', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const out = join(dir, 'out');
  assertOneLineError(
    await runCli(['train', '--corpus', corpus, '--batch', '64', '--seq', '128', '--out', out]),
    /corpus too small for batch 64 × seq 128/,
    1,
  );
  const short = join(dir, 'short.txt');
  writeFileSync(short, 'one line only\nand another\n');
  assertOneLineError(await runCli(['train', '--corpus', short, ...TINY, '--out', out]), /too small for the split/, 1);
});

test('eval: missing or broken model directories', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  assertOneLineError(
    await runCli(['eval', '--model', join(dir, 'nope'), '--corpus', corpus]),
    /model directory not found/,
    1,
  );
  const broken = join(dir, 'broken');
  cpSync(MODEL_FIXTURE, broken, { recursive: true });
  const weights = join(broken, 'model.safetensors');
  truncateSync(weights, Math.floor(readFileSync(weights).length / 2));
  assertOneLineError(await runCli(['eval', '--model', broken, '--corpus', corpus]), /model\.safetensors/, 1);

  const noConfig = join(dir, 'no-config');
  cpSync(MODEL_FIXTURE, noConfig, { recursive: true });
  writeFileSync(join(noConfig, 'config.json'), '{"format": "memsig-model", "version": 1');
  assertOneLineError(
    await runCli(['eval', '--model', noConfig, '--corpus', corpus]),
    /config\.json: not valid JSON/,
    1,
  );

  // An alphabet that does not fit the weights (29 symbols for a 30-row embedding).
  const mismatch = join(dir, 'mismatch');
  cpSync(MODEL_FIXTURE, mismatch, { recursive: true });
  const config = JSON.parse(readFileSync(join(mismatch, 'config.json'), 'utf8'));
  config.normalization.alphabet = config.normalization.alphabet.filter((s: string) => s !== 'q');
  writeFileSync(join(mismatch, 'config.json'), JSON.stringify(config));
  assertOneLineError(
    await runCli(['eval', '--model', mismatch, '--corpus', corpus]),
    /embed\.weight' has shape \[30, 8\] but config\.json .* requires \[29, 8\]/,
    1,
  );

  assertOneLineError(
    await runCli(['eval', '--model', MODEL_FIXTURE, '--corpus', corpus, '--split', 'test']),
    /--split must be train, dev, eval or all/,
    2,
  );
  assertOneLineError(await runCli(['eval', '--corpus', corpus]), /missing --model/, 2);
});

test('a bug (not a user error) says so, and MEMSIG_DEBUG=1 prints the stack', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const gemm = {
    name: 'broken',
    gemm() {
      throw new TypeError('boom');
    },
  };
  const args = ['train', '--corpus', corpus, ...TINY, '--out', join(dir, 'out')];
  const r = await runCli(args, { hooks: { gemm } });
  assertOneLineError(
    r,
    /internal error: TypeError: boom \(this is a bug; rerun with MEMSIG_DEBUG=1 for the stack\)/,
    1,
  );
  const debug = await runCli(args, { hooks: { gemm }, env: { MEMSIG_DEBUG: '1' } });
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /TypeError: boom\n\s+at /);
});
