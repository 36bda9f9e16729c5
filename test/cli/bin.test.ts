// The real executable, as a user runs it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, runCli, spawnBin, tempDir, writeTinyCorpus } from './helpers.js';

test('memsig --help exits 0; memsig train without a corpus is one line and a non-zero exit', () => {
  const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: memsig/);
  assert.match(help.stdout, /train/);

  const version = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);

  const bad = spawnSync(process.execPath, [BIN, 'train'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^memsig: missing --corpus[^\n]*\n$/);
});

test('the built executable runs by itself (its shebang, and the mode the build gives it)', {
  skip: process.platform === 'win32',
}, () => {
  // `npx memsig` runs the file directly: a build that leaves it without its execute bits, or a shebang this system's
  // env cannot read (it passes glibc's allocator settings with -S), breaks the quick start.
  const version = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  assert.equal(version.error, undefined, String(version.error));
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('help for each command, in-process', async () => {
  for (const argv of [
    ['train', '--help'],
    ['eval', '--help'],
    ['demo', '--help'],
    ['help', 'train'],
  ]) {
    const r = await runCli(argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Usage: memsig ${argv.includes('help') ? 'train' : argv[0]}`));
  }
  const none = await runCli([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^Usage: memsig/);
});

test('Ctrl-C stops training after a step, writes a checkpoint and exits 130', async (t) => {
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const out = join(dir, 'model');
  const args = ['train', '--corpus', corpus, '--units', '8', '--embed', '4', '--batch', '4', '--seq', '8'];
  args.push('--epochs', '1000', '--patience', '1000', '--backend', 'ts', '--checkpoint-every', '0', '--out', out);
  // The first progress line: training is under way.
  const run = spawnBin(args, (text) => text.includes('\nstep '));
  const code = await run.exited;
  const stderr = run.stderr();
  assert.equal(code, 130, stderr);
  assert.match(stderr, /stopping after the current step/);
  assert.match(stderr, /^stopped at step \d+; resume with: memsig train --corpus .* --resume$/m);
  assert.ok(existsSync(join(out, 'checkpoint.safetensors')));
  assert.equal(existsSync(join(out, 'config.json')), false);
});
