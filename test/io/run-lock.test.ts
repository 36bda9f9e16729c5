import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { currentOwner } from '../../src/io/process-owner.js';
import { acquireRunLock, lockHolder } from '../../src/io/run-lock.js';
import { tempDir } from './helpers.js';

/** The pid of a process of this machine that has exited. */
function gonePid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

test('acquireRunLock() holds the lock until release(); a second run meanwhile is refused with one line', (t) => {
  const path = join(tempDir(t), 'run.lock');
  const lock = acquireRunLock(path, 'fig3 in out/fig3');
  assert.equal(lock.takenOver, null);
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  assert.equal(lockHolder(path)?.pid, process.pid);
  assert.throws(
    () => acquireRunLock(path, 'fig3 in out/fig3'),
    (err: Error) =>
      err instanceof UserError &&
      /^fig3 in out\/fig3: another run is going on \(pid \d+ on .+, started .+\); let it finish or stop it/.test(
        err.message,
      ),
  );
  lock.release();
  assert.equal(existsSync(path), false);
  assert.equal(lockHolder(path), null);
  acquireRunLock(path, 'fig3').release();
});

test('acquireRunLock() takes over the lock of a run that was killed, and an unreadable one', (t) => {
  const path = join(tempDir(t), 'run.lock');
  const gone = gonePid();
  writeFileSync(path, JSON.stringify({ ...currentOwner(), pid: gone, started: '2026-12-01T00:00:00.000Z' }));
  assert.equal(lockHolder(path), null);
  const lock = acquireRunLock(path, 'fig3');
  assert.equal(lock.takenOver?.pid, gone);
  assert.equal(lock.takenOver?.started, '2026-12-01T00:00:00.000Z');
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  lock.release();
  writeFileSync(path, '');
  const again = acquireRunLock(path, 'fig3');
  assert.equal(again.takenOver, null);
  again.release();
});

test('a lock of another host goes by its heartbeat: refused while fresh, taken over once it is minutes old', (t) => {
  const path = join(tempDir(t), 'run.lock');
  writeFileSync(path, JSON.stringify({ pid: 1, host: 'another-host', started: '2026-12-01T00:00:00.000Z' }));
  assert.equal(lockHolder(path)?.host, 'another-host');
  assert.throws(() => acquireRunLock(path, 'fig3'), /pid 1 on another-host/);
  const old = new Date(Date.now() - 10 * 60_000);
  utimesSync(path, old, old);
  assert.equal(lockHolder(path), null);
  const lock = acquireRunLock(path, 'fig3');
  assert.equal(lock.takenOver?.host, 'another-host');
  lock.release();
});

test('release() leaves a lock that another run took over in the meantime', (t) => {
  const path = join(tempDir(t), 'run.lock');
  const lock = acquireRunLock(path, 'fig3');
  const other = { pid: 1, host: 'another-host', started: '2026-12-02T00:00:00.000Z' };
  writeFileSync(path, JSON.stringify(other));
  lock.release();
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), other);
});
