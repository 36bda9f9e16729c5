// Where the CLI writes, and the hooks that let tests (or a program embedding memsig) drive a command in-process.

import type { DecoderRunner, SignatureProgress } from '../analysis/signature.js';
import type { Gemm } from '../core/gemm.js';
import type { TrainProgress } from '../train/train-char-lm.js';

export interface OutputStream {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Whether stderr (where progress goes) is a terminal: one updating line rather than a log of lines. */
  isTTY: boolean;
  /** Environment variables read by the CLI (MEMSIG_DEBUG); default process.env. */
  env?: Record<string, string | undefined>;
}

/** Not flags: ways to drive a run from code. */
export interface CliHooks {
  /**
   * Stops training as Ctrl-C does (after the current step, with a checkpoint), or a signature (keeping the finished
   * layers). When given, no SIGINT handler is installed.
   */
  signal?: AbortSignal;
  /** Sees every training step's progress (after the CLI's own reporting). */
  onProgress?: (p: TrainProgress) => void;
  /** Sees every progress report of a signature run (after the CLI's own reporting). */
  onSignatureProgress?: (p: SignatureProgress) => void;
  /** Replaces the GEMM backend that --backend selects (e.g. to inject a fault). */
  gemm?: Gemm;
  /** Replaces how a signature's decoders are trained (studies of the decoder schedule run several on one layer). */
  decoderRunner?: DecoderRunner;
  /** Clock in milliseconds for progress and timings; default performance.now. */
  now?: () => number;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, isTTY: process.stderr.isTTY === true, env: process.env };
}

export function writeLine(stream: OutputStream, line = ''): void {
  stream.write(`${line}\n`);
}
