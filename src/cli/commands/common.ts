// What every command's registration gets, and the flags several commands share.

import type { Command } from 'commander';
import type { BackendName } from '../../backends/index.js';
import { type Segmentation, SOTU_SOURCE } from '../../data/index.js';
import { parseChoice, parseInteger } from '../args.js';
import { BACKENDS } from '../backend.js';
import type { CliHooks, CliIo } from '../io.js';

export interface CommandContext {
  io: CliIo;
  hooks: CliHooks;
  /** The arguments main() was given, for "resume with: ..." hints. */
  argv: readonly string[];
  /** The action sets the process's exit code here. */
  exitCode: number;
}

export const SEGMENTS = ['auto', 'line', 'sentence'] as const;

/** --segment auto: sentences for the bundled corpus (a whole address per line), lines otherwise. */
export function resolveSegmentation(flag: string | undefined, corpus: string): Segmentation {
  const choice = parseChoice('--segment', flag ?? 'auto', SEGMENTS);
  if (choice !== 'auto') return choice;
  return corpus === SOTU_SOURCE ? 'sentence' : 'line';
}

export function addBackendOptions(cmd: Command): Command {
  return cmd
    .option('--backend <name>', 'matrix products: auto (onnxruntime when it loads), onnx or ts', 'auto')
    .option('--threads <n>', 'CPU threads (default: 2, or 1 on a one-core machine)');
}

export function parseBackend(raw: { backend?: string; threads?: string }): {
  backend: BackendName;
  threads: number | undefined;
} {
  return {
    backend: parseChoice('--backend', raw.backend ?? 'auto', BACKENDS),
    threads: raw.threads === undefined ? undefined : parseInteger('--threads', raw.threads, 1, 256),
  };
}
