import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GRU_PATH, LSTM_PATH } from '../web/helpers.js';
import { assertOneLineError, BIN, runCli, tempDir } from './helpers.js';

test('view with a missing file fails with one line naming it', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['view', GRU_PATH, join(dir, 'nope.json'), '--no-open']);
  assertOneLineError(r, /nope\.json/, 1);
  assert.equal(r.stdout, '');
});

test('view with a file that is not a signature fails with one line', async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ format: 'memsig-signature', version: 1, alphabet: [] }));
  assertOneLineError(await runCli(['view', bad, '--no-open']), /bad\.json: missing field/, 1);
  const notJson = join(dir, 'text.json');
  writeFileSync(notJson, 'hello');
  assertOneLineError(await runCli(['view', notJson, '--no-open']), /text\.json: not valid JSON/, 1);
});

test('view without a file, or with a bad --port, is a usage error', async () => {
  assertOneLineError(await runCli(['view']), /missing required argument/, 2);
  assertOneLineError(await runCli(['view', GRU_PATH, '--port', '70000', '--no-open']), /--port must be/, 2);
});

test('view serves until stopped, printing its URL', async () => {
  const controller = new AbortController();
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    isTTY: false,
    env: {},
  };
  const { main } = await import('../../src/cli/main.js');
  const done = main(['view', LSTM_PATH, GRU_PATH, '--no-open'], io, { signal: controller.signal });
  const deadline = Date.now() + 5000;
  while (!/\n/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const match = /^memsig view: (http:\/\/127\.0\.0\.1:(\d+)\/)\n$/.exec(stdout);
  assert.ok(match, `stdout: ${stdout} stderr: ${stderr}`);
  const page = await fetch(match[1]!);
  assert.equal(page.status, 200);
  assert.equal((await fetch(`${match[1]}signatures/1.json`)).status, 200);
  controller.abort();
  assert.equal(await done, 0);
  assert.match(stderr, /2 signatures; Ctrl-C stops/);
  assert.match(stderr, /stopped/);
  await assert.rejects(fetch(match[1]!));
});

test('the memsig binary serves until Ctrl-C, then stops cleanly with exit 0', async () => {
  const child = spawn(process.execPath, [BIN, 'view', GRU_PATH, '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  while (!stdout.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const url = /^memsig view: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout)?.[1];
  assert.ok(url, `stdout: ${stdout} stderr: ${stderr}`);
  assert.equal((await fetch(url)).status, 200);
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /memsig view: stopped/);
});
