import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { processAlive } from '../../src/io/process-owner.js';
import {
  makeShardFolder,
  readShardFile,
  removeStaleShardFolders,
  ShardFileWriter,
  shardFileStore,
  staleShardFoldersLine,
} from '../../src/io/state-shard-files.js';

test('shard files keep the rows appended to each shard, in order, and the store removes its folder', () => {
  const store = shardFileStore(tmpdir());
  const D = 3;
  const writer = store.open(0, 2);
  const rows = Array.from({ length: 700_000 }, (_, i) => Float32Array.from({ length: D }, (_, j) => i * 10 + j));
  // Enough rows that each shard's buffer is flushed several times.
  for (const [i, r] of rows.entries()) writer.append(i % 2, r);
  writer.close();
  const folder = writer.files[0]!.replace(/\/[^/]+$/, '');
  assert.deepEqual(readdirSync(folder).sort(), ['layer0-shard-0000.f32', 'layer0-shard-0001.f32', 'owner.json']);
  const odd = readShardFile(writer.files[1]!, new Float32Array(350_000 * D));
  assert.deepEqual(Array.from(odd.subarray(0, 2 * D)), [10, 11, 12, 30, 31, 32]);
  assert.deepEqual(Array.from(odd.subarray(-D)), [6_999_990, 6_999_991, 6_999_992]);
  assert.throws(() => readShardFile(writer.files[1]!, new Float32Array(350_001 * D)), /shorter than expected/);
  store.dispose();
  assert.equal(existsSync(folder), false);
});

/** The pid namespace as the module records it (null where /proc does not say). */
function readNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

test('the shard folders of killed runs on this host are removed; live, foreign and unowned ones stay', (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'memsig-stale-'));
  t.after(() => rmSync(parent, { recursive: true, force: true }));
  // A process that has ended: its pid is free (reuse within the test is not a concern).
  const gone = spawnSync(process.execPath, ['-e', '']).pid!;
  assert.equal(processAlive(gone), false);
  assert.equal(processAlive(process.pid), true);
  const folder = (name: string, owner: object | null, bytes = 0) => {
    const path = join(parent, `memsig-states-${name}`);
    mkdirSync(path);
    if (owner) writeFileSync(join(path, 'owner.json'), JSON.stringify(owner));
    if (bytes) writeFileSync(join(path, 'layer0-shard-0000.f32'), new Uint8Array(bytes));
    return path;
  };
  const here = { host: hostname(), pidNamespace: readNamespace() };
  const killed = folder('killed', { pid: gone, ...here }, 4000);
  const live = folder('live', { pid: process.pid, ...here }, 4000);
  const foreign = folder('foreign', { pid: gone, ...here, host: `not-${hostname()}` }, 4000);
  const container = folder('container', { pid: gone, ...here, pidNamespace: 'pid:[1]' }, 4000);
  const unowned = folder('unowned', null, 4000);
  const mine = makeShardFolder(parent);
  const other = join(parent, 'not-memsig');
  mkdirSync(other);

  const removed = removeStaleShardFolders(parent);
  assert.deepEqual(removed.folders, [killed]);
  const ownerBytes = JSON.stringify({ pid: gone, ...here }).length;
  assert.equal(removed.bytes, 4000 + ownerBytes);
  for (const kept of [live, foreign, container, unowned, mine, other]) assert.ok(existsSync(kept), kept);
  assert.equal(existsSync(killed), false);
  assert.match(
    staleShardFoldersLine(removed),
    /^removed 1 folder of train states left by killed runs \(0\.0 GB\): .*memsig-states-killed$/,
  );
  // Nothing left to remove; and a missing parent is no error.
  assert.deepEqual(removeStaleShardFolders(parent).folders, []);
  assert.deepEqual(removeStaleShardFolders(join(parent, 'none')).folders, []);

  // The store removes them when it makes its own folder, and tells its caller.
  const again = folder('killed-again', { pid: gone, ...here });
  const told: string[][] = [];
  const store = shardFileStore(parent, (stale) => told.push(stale.folders));
  store.open(0, 1).close();
  assert.deepEqual(told, [[again]]);
  store.dispose();
});

test('a full disk under the shard files is a one-line error that names the file and says what to do', (t) => {
  if (!existsSync('/dev/full')) return t.skip('no /dev/full here');
  const folder = mkdtempSync(join(tmpdir(), 'memsig-full-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  // A shard file that is /dev/full: every write to it fails with ENOSPC.
  symlinkSync('/dev/full', join(folder, 'layer0-shard-0000.f32'));
  const writer = new ShardFileWriter(folder, 'layer0-', 1);
  const full = (e: unknown) =>
    e instanceof UserError &&
    /layer0-shard-0000\.f32: cannot write: no space left on device \(the train states go to --states-dir/.test(
      e.message,
    ) &&
    !e.message.includes('\n');
  assert.throws(() => writer.write(0, 0, new Float32Array(4)), full);
  writer.append(0, new Float32Array(4));
  assert.throws(() => writer.close(), full);
});
