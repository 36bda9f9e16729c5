// Turns Node's file-system errors into one-line UserErrors that name the file: a missing file, a full disk or a
// permission problem is something the user can fix, not a bug in memsig.

import { UserError } from '../core/errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent of this path is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

function isSystemError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}

/** A UserError "PATH: cannot ACTION: REASON" for a system error; anything else (a bug) is returned unchanged. */
export function fsError(err: unknown, action: string, path: string): unknown {
  if (err instanceof UserError || !isSystemError(err)) return err;
  const reason = REASONS[err.code] ?? `${err.code} (${err.message})`;
  const userError = new UserError(`${path}: cannot ${action}: ${reason}`);
  userError.cause = err;
  return userError;
}
