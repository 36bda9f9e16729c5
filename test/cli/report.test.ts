import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOneLineError, FIXTURES, runCli, tempDir } from './helpers.js';

const LSTM = join(FIXTURES, 'signatures', 'lstm-2layer.json');
const GRU = join(FIXTURES, 'signatures', 'gru-1layer.json');

test('report writes one self-contained HTML file with every figure and the comparison', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'report.html');
  const r = await runCli(['report', LSTM, GRU, '--out', out, '--labels', 'LSTM,GRU', '--title', 'Two models']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*report\.html \(2 signatures\)\n$/);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /<title>Two models<\/title>/);
  assert.doesNotMatch(html, /https?:|\ssrc=|<link|<script|url\(/i);
  assert.equal((html.match(/<svg/g) ?? []).length, 13);
  assert.match(html, /Made by memsig \d+\.\d+\.\d+/);
});

test('report: bad input is one line and writes nothing', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'report.html');
  assertOneLineError(await runCli(['report', LSTM, '--out', join(dir, 'r.pdf')]), /--out must end in \.html/, 2);
  assertOneLineError(await runCli(['report', join(dir, 'none.json'), '--out', out]), /none\.json: cannot read/, 1);
  assertOneLineError(
    await runCli(['report', LSTM, '--out', out, '--palette', 'red']),
    /--palette must be purple or green/,
    2,
  );
  assertOneLineError(await runCli(['report', '--out', out]), /missing required argument/, 2);
  assert.equal(existsSync(out), false);
});
