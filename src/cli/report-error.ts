// How a failed command ends: one line "memsig: <message>" on stderr and an exit code. A UserError (or a bad flag,
// or a file the system could not open) is the user's to fix; anything else is a bug in memsig, and says so.

import { CommanderError } from 'commander';
import { UserError } from '../core/errors.js';
import { fsError } from '../io/fs-errors.js';
import { UsageError } from './args.js';
import { type CliIo, writeLine } from './io.js';

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

const BUG_HINT = '(this is a bug; rerun with MEMSIG_DEBUG=1 for the stack)';

/** Prints `err` and returns the exit code. */
export function reportError(err: unknown, io: CliIo): number {
  const env = io.env ?? process.env;
  const debug = env.MEMSIG_DEBUG !== undefined && env.MEMSIG_DEBUG !== '' && env.MEMSIG_DEBUG !== '0';
  const { message, code } = describe(err);
  writeLine(io.stderr, `memsig: ${oneLine(message)}`);
  if (debug && err instanceof Error && err.stack) writeLine(io.stderr, err.stack);
  return code;
}

function describe(err: unknown): { message: string; code: number } {
  if (err instanceof CommanderError) {
    // Commander's own parsing errors ("error: unknown option '--unit'", maybe with a "Did you mean" line).
    return { message: `${err.message.replace(/^error:\s*/, '')} (see memsig --help)`, code: EXIT_USAGE };
  }
  if (err instanceof UsageError) return { message: err.message, code: EXIT_USAGE };
  if (err instanceof UserError) return { message: err.message, code: EXIT_ERROR };
  const sys = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof sys.code === 'string' && typeof sys.path === 'string') {
    const userError = fsError(err, sys.syscall ?? 'access', sys.path);
    if (userError instanceof UserError) return { message: userError.message, code: EXIT_ERROR };
  }
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { message: `internal error: ${text} ${BUG_HINT}`, code: EXIT_ERROR };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
