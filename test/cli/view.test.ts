import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GRU_PATH, LSTM_PATH } from '../web/helpers.js';
import { assertOneLineError, runCli, spawnBin, tempDir } from './helpers.js';

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
  // Generous: the loop ends as soon as the line is there; a loaded machine can take seconds to get there.
  const deadline = Date.now() + 30_000;
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
  const run = spawnBin(['view', GRU_PATH, '--no-open']);
  try {
    // Generous: the loop ends as soon as the line is there; a loaded machine can take seconds to get there.
    const deadline = Date.now() + 30_000;
    while (!run.stdout().includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const url = /^memsig view: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(run.stdout())?.[1];
    assert.ok(url, `stdout: ${run.stdout()} stderr: ${run.stderr()}`);
    assert.equal((await fetch(url)).status, 200);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0, run.stderr());
    assert.match(run.stderr(), /memsig view: stopped/);
  } finally {
    // A failed assertion must not leave the server running: it would keep this test file from ever ending.
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  }
});
