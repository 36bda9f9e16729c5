import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from './helpers.js';

test('memsig experiment fig5 --quick writes its numbers, figures and the reproduction report', async (t) => {
  const dir = tempDir(t);
  const report = join(dir, 'reproduction.md');
  const r = await runCli(['experiment', 'fig5', '--quick', '--out', dir, '--report', report]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /fig5: done in/);
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
