// The --out file of a signature run (`memsig signature`, of any model): checked before any work, and held by one run
// at a time, since a second run on the same file would clear the first's decoder checkpoints and race it to the end.

import fsp from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../core/errors.js';
import { ensureDir } from '../io/atomic.js';
import { acquireRunLock, type RunLock } from '../io/run-lock.js';
import { pathExists } from './train-dir.js';

/**
 * Runs `work` with --out checked (a directory, or a file that exists without --force, is refused) and OUT.lock held.
 */
export async function withSignatureOut<T>(out: string, force: boolean, work: () => Promise<T>): Promise<T> {
  const lock = await holdSignatureOut(out, force);
  try {
    return await work();
  } finally {
    lock.release();
  }
}

async function holdSignatureOut(out: string, force: boolean): Promise<RunLock> {
  if (await pathExists(out)) {
    if ((await fsp.stat(out)).isDirectory()) throw new UserError(`--out ${out}: is a directory; give a file name`);
    if (!force) throw new UserError(`${out} already exists; pass --force to replace it once the new signature is done`);
  }
  await ensureDir(dirname(out));
  return acquireRunLock(`${out}.lock`, out);
}
