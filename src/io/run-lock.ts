// A lock on a folder that a long run writes into (an experiment's), so that a second run of it — from another
// terminal, or a background job forgotten — stops at once with one line instead of writing the same files. The lock
// file names its process and is touched while the run goes on; one left by a run that was killed is taken over.

import { closeSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { writeFileAtomicSync } from './atomic.js';
import { fsError } from './fs-errors.js';
import { currentOwner, ownerGone, ownerIsLocal, type ProcessOwner, processAlive } from './process-owner.js';

/** The lock's file is touched this often while its run goes on. */
const HEARTBEAT_MS = 30_000;
/** A lock of another host (its process cannot be checked) untouched this long was left by a run that stopped. */
const STALE_AFTER_MS = 4 * HEARTBEAT_MS;

export interface LockHolder extends ProcessOwner {
  /** When the run took the lock (ISO 8601). */
  started: string;
}

export interface RunLock {
  /** A lock left by a run that was killed, taken over by this one; null when there was none. */
  takenOver: LockHolder | null;
  release(): void;
}

/** The run holding the lock at `path`, or null when there is no lock, it is unreadable, or its run is gone. */
export function lockHolder(
  path: string,
  now = Date.now(),
  alive: (pid: number) => boolean = processAlive,
): LockHolder | null {
  const holder = readHolder(path);
  if (!holder) return null;
  if (ownerIsLocal(holder)) return ownerGone(holder, alive) ? null : holder;
  let touched: number;
  try {
    touched = statSync(path).mtimeMs;
  } catch {
    return null;
  }
  return now - touched < STALE_AFTER_MS ? holder : null;
}

/**
 * Takes the lock at `path` for `what` (e.g. "fig3 in experiments/fig3"), or throws a UserError naming the run that
 * holds it. The lock is kept fresh until release().
 */
export function acquireRunLock(path: string, what: string, alive: (pid: number) => boolean = processAlive): RunLock {
  const mine: LockHolder = { ...currentOwner(), started: new Date().toISOString() };
  let takenOver: LockHolder | null = null;
  if (!tryCreate(path, mine)) {
    const holder = lockHolder(path, Date.now(), alive);
    if (holder) {
      throw new UserError(
        `${what}: another run is going on (pid ${holder.pid} on ${holder.host}, started ${holder.started}); ` +
          `let it finish or stop it (if none is, remove ${path})`,
      );
    }
    takenOver = readHolder(path);
    writeFileAtomicSync(path, JSON.stringify(mine));
  }
  const timer = setInterval(() => {
    const t = new Date();
    try {
      utimesSync(path, t, t);
    } catch {
      // Removed by hand: the run goes on; a second run can then start, as the user asked.
    }
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    takenOver,
    release() {
      clearInterval(timer);
      // Only our own: a lock that a later run took over (after this one was thought gone) stays with it.
      const holder = readHolder(path);
      if (holder?.pid === mine.pid && holder.started === mine.started) rmSync(path, { force: true });
    },
  };
}

function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fsError(err, 'write', path);
  }
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): LockHolder | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return null;
    return {
      pid: value.pid,
      host: value.host,
      pidNamespace: value.pidNamespace ?? null,
      started: String(value.started),
    };
  } catch {
    return null;
  }
}
