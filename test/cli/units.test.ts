// Flag parsing and the progress reporter on their own.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChoice, parseInteger, parsePositive, parseProbability, UsageError } from '../../src/cli/args.js';
import { formatDuration, shellQuote } from '../../src/cli/format.js';
import { ProgressReporter } from '../../src/cli/progress.js';
import type { TrainProgress } from '../../src/train/train-char-lm.js';

test('number flags accept plain decimals and reject everything else with the flag named', () => {
  assert.equal(parseInteger('--units', '128', 1), 128);
  assert.equal(parseInteger('--units', '1e3', 1), 1000);
  assert.equal(parsePositive('--lr', '2e-3'), 0.002);
  assert.equal(parsePositive('--lr', '.5', 10), 0.5);
  assert.equal(parseProbability('--dropout', '0'), 0);
  for (const bad of ['', 'abc', '12abc', '0x10', 'Infinity', 'NaN', '1,5']) {
    assert.throws(
      () => parseInteger('--units', bad, 1),
      (e: unknown) => e instanceof UsageError && /--units/.test(e.message),
    );
  }
  assert.throws(() => parseInteger('--units', '-4', 1), /--units must be a whole number ≥ 1 \(got "-4"\)/);
  assert.throws(() => parsePositive('--clip', '0'), /--clip must be a number > 0/);
  assert.throws(() => parseProbability('--dropout', '-0.1'), /--dropout must be a number ≥ 0 and < 1/);
  assert.throws(() => parseChoice('--cell', 'rnn', ['lstm', 'gru']), /--cell must be lstm or gru \(got "rnn"\)/);
});

test('formatting', () => {
  assert.equal(formatDuration(7.4), '7s');
  assert.equal(formatDuration(65), '1m05s');
  assert.equal(formatDuration(7380), '2h03m');
  assert.equal(
    shellQuote(['memsig', 'train', '--corpus', 'my file.txt', "it's"]),
    `memsig train --corpus 'my file.txt' 'it'\\''s'`,
  );
});

function progress(step: number, extra: Partial<TrainProgress> = {}): TrainProgress {
  return { step, totalSteps: 100, epoch: 1, loss: 2, charsPerSecond: 12_345, etaSeconds: 100 - step, ...extra };
}

test('progress off a terminal: a line every 5% or 10 s, and a line per epoch', () => {
  let out = '';
  let now = 0;
  const r = new ProgressReporter({
    stream: { write: (s: string) => (out += s) },
    isTTY: false,
    epochs: 2,
    now: () => now,
  });
  r.start(0, 100);
  for (let step = 1; step <= 12; step++) r.update(progress(step, { loss: step }));
  assert.equal(
    out,
    'step 5/100 (5%), epoch 1/2, loss 3.000, 12.3k chars/s, ETA 1m35s\nstep 10/100 (10%), epoch 1/2, loss 8.000, 12.3k chars/s, ETA 1m30s\n',
  );
  out = '';
  now = 10_001;
  r.update(progress(13));
  assert.match(out, /^step 13\/100/);
  out = '';
  r.update(progress(14, { epochRecord: { epoch: 1, step: 14, trainLoss: 1.5, devLoss: 1, devPerplexity: Math.E } }));
  assert.equal(out, 'epoch 1: train loss 1.500, dev perplexity 2.718 (step 14)\n');
});

test('progress on a terminal: one line rewritten in place, cleared before other lines', () => {
  let out = '';
  let now = 0;
  const r = new ProgressReporter({
    stream: { write: (s: string) => (out += s) },
    isTTY: true,
    epochs: 1,
    now: () => now,
  });
  r.start(0, 100);
  now = 200;
  r.update(progress(1));
  now = 250;
  r.update(progress(2)); // within 100 ms: skipped
  now = 400;
  r.update(progress(3));
  assert.equal(out.split('\r\x1b[K').length, 3);
  assert.ok(!out.includes('\n'));
  r.log('hello');
  assert.ok(out.endsWith('\r\x1b[Khello\n'));
});
