import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { ensureDir, tempPathFor, writeFileAtomic, writeFileAtomicSync, writeJsonAtomic } from '../../src/io/atomic.js';
import { rejectsUserError, tempDir, tempFilesIn } from './helpers.js';

test('writes a new file, then replaces it, leaving no temporary files', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'out.bin');
  await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
  await writeFileAtomic(path, 'héllo');
  assert.equal(readFileSync(path, 'utf8'), 'héllo');
  assert.deepEqual(readdirSync(dir), ['out.bin']);
});

test('writeFileAtomicSync writes text or pieces in order, replaces the old file, and fails cleanly', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'out.bin');
  writeFileAtomicSync(path, [new Uint8Array([1, 2]), new Uint8Array([]), new Uint8Array([3])]);
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
  writeFileAtomicSync(path, 'héllo');
  assert.equal(readFileSync(path, 'utf8'), 'héllo');
  assert.deepEqual(readdirSync(dir), ['out.bin']);
  const nowhere = join(dir, 'missing', 'out.bin');
  assert.throws(
    () => writeFileAtomicSync(nowhere, 'x'),
    (err: Error) => err instanceof UserError && err.message.includes(nowhere),
  );
  assert.deepEqual(readdirSync(dir), ['out.bin']);
});

test('temporary names are hidden, in the same directory, and unique', () => {
  const a = tempPathFor('/some/dir/config.json');
  const b = tempPathFor('/some/dir/config.json');
  assert.match(a, new RegExp(`^/some/dir/\\.config\\.json\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
  assert.notEqual(a, b);
});

test('writeJsonAtomic writes 2-space JSON with a final newline', async (t) => {
  const path = join(tempDir(t), 'x.json');
  await writeJsonAtomic(path, { a: [1, 2], b: null });
  assert.equal(readFileSync(path, 'utf8'), '{\n  "a": [\n    1,\n    2\n  ],\n  "b": null\n}\n');
});

test('a failed rename leaves the old file intact and no temporary file', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'model.safetensors');
  writeFileSync(path, 'old');
  t.mock.method(fsp, 'rename', async () => {
    throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO', syscall: 'rename' });
  });
  await rejectsUserError(writeFileAtomic(path, 'new'), /model\.safetensors: cannot write: input\/output error$/);
  assert.equal(readFileSync(path, 'utf8'), 'old');
  assert.deepEqual(tempFilesIn(dir), []);
});

test('a failed fsync (e.g. a full disk) leaves the old file intact and no temporary file', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'config.json');
  writeFileSync(path, 'old');
  const probe = await fsp.open(path, 'r');
  const fileHandlePrototype = Object.getPrototypeOf(probe);
  await probe.close();
  t.mock.method(fileHandlePrototype, 'sync', async () => {
    throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', syscall: 'fsync' });
  });
  await rejectsUserError(writeFileAtomic(path, 'new'), /config\.json: cannot write: no space left on device$/);
  t.mock.restoreAll();
  assert.equal(readFileSync(path, 'utf8'), 'old');
  assert.deepEqual(tempFilesIn(dir), []);
});

test('writing where the parent is a file, or over a directory, fails cleanly', async (t) => {
  const dir = tempDir(t);
  const notADir = join(dir, 'file');
  writeFileSync(notADir, 'keep');
  await rejectsUserError(
    writeFileAtomic(join(notADir, 'x.json'), '{}'),
    /file\/x\.json: cannot write: a parent of this path is not a directory$/,
  );
  assert.equal(readFileSync(notADir, 'utf8'), 'keep');
  await rejectsUserError(
    writeFileAtomic(join(dir, 'missing', 'x.json'), '{}'),
    /cannot write: no such file or directory$/,
  );

  const aDir = join(dir, 'sub');
  await ensureDir(join(aDir, 'inner'));
  await rejectsUserError(writeFileAtomic(aDir, 'data'), /sub: cannot write: it is a directory$/);
  assert.ok(statSync(join(aDir, 'inner')).isDirectory());
  assert.deepEqual(tempFilesIn(dir), []);
});

test('ensureDir creates parents, accepts an existing directory, and refuses a file in the way', async (t) => {
  const dir = tempDir(t);
  const deep = join(dir, 'a', 'b', 'c');
  await ensureDir(deep);
  await ensureDir(deep);
  assert.ok(statSync(deep).isDirectory());
  const file = join(dir, 'f');
  writeFileSync(file, '');
  await rejectsUserError(ensureDir(file), /f: cannot create directory: a file with that name exists$/);
  await rejectsUserError(
    ensureDir(join(file, 'x')),
    /cannot create directory: a parent of this path is not a directory$/,
  );
});
