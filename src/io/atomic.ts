// Crash-safe writes: readers see either the old file or the complete new one, never a half-written file, because
// the data goes to a temporary file in the same directory (same file system, so rename is atomic) and is fsynced
// before it is renamed over the target.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
// The default export (the fs.promises object) rather than named imports, so tests can inject failures.
import fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { fsError } from './fs-errors.js';

/** The temporary name used while writing `path`; hidden, and unique per process and call. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes `data` to `path` atomically (string data as UTF-8). Failures are UserErrors naming `path`. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => {});
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw fsError(err, 'write', path);
  }
  await syncDirectory(dirname(path));
}

/**
 * writeFileAtomic for callers that cannot wait for a promise (worker threads in the middle of a training loop, a
 * lock taken before a run starts): the same steps, synchronous. `data` may come in pieces, written in order.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const pieces =
    typeof data === 'string' ? [new TextEncoder().encode(data)] : data instanceof Uint8Array ? [data] : data;
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      for (const piece of pieces) {
        for (let at = 0; at < piece.length; ) at += writeSync(fd, piece, at, piece.length - at);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw fsError(err, 'write', path);
  }
}

/** Writes `value` as 2-space-indented JSON with a final newline, atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Creates `path` and any missing parents (like mkdir -p); fine if it already exists as a directory. */
export async function ensureDir(path: string): Promise<void> {
  try {
    await fsp.mkdir(path, { recursive: true });
  } catch (err) {
    // mkdir -p reports EEXIST only when something other than a directory has the name.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UserError(`${path}: cannot create directory: a file with that name exists`);
    }
    throw fsError(err, 'create directory', path);
  }
}

// Makes the rename itself durable. Best effort: some platforms cannot open or fsync a directory.
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // The data is already safe in the renamed file; only the durability of the rename is at stake.
  } finally {
    await handle?.close().catch(() => {});
  }
}
