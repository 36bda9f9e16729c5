// What every command's registration gets, and the flags several commands share.

import type { Command } from 'commander';
import type { BackendName } from '../../backends/index.js';
import { type Segmentation, SOTU_SOURCE } from '../../data/index.js';
import { parseChoice, parseInteger, parsePath, UsageError } from '../args.js';
import { BACKENDS } from '../backend.js';
import type { CliHooks, CliIo } from '../io.js';
import type { NgramChoice } from '../ngram-corpus.js';

export interface CommandContext {
  io: CliIo;
  hooks: CliHooks;
  /** The arguments main() was given, for "resume with: ..." hints. */
  argv: readonly string[];
  /** The action sets the process's exit code here. */
  exitCode: number;
}

export const SEGMENTS = ['auto', 'line', 'sentence', 'none'] as const;

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

/** --model or --ngram (with --prune), for the commands that read either a model directory or an n-gram of the corpus. */
export function addModelOrNgramOptions(cmd: Command): Command {
  return cmd
    .option('--model <dir>', '(required, or --ngram) model directory (config.json + model.safetensors)')
    .option(
      '--ngram <order>',
      "instead of --model: an n-gram model of this order estimated on the corpus's train partition",
    )
    .option('--prune <n>', 'with --ngram: drop n-grams of order ≥ 2 seen fewer than n times (default: 0, keep all)');
}

export interface ModelOrNgram {
  /** The model directory, or null when an n-gram is asked for. */
  model: string | null;
  ngram?: NgramChoice;
}

/** Exactly one of --model and --ngram; --prune only with --ngram. */
export function parseModelOrNgram(raw: { model?: string; ngram?: string; prune?: string }): ModelOrNgram {
  if (raw.model === undefined && raw.ngram === undefined) {
    throw new UsageError('missing --model (a model directory), or --ngram ORDER for an n-gram model of the corpus');
  }
  if (raw.model !== undefined && raw.ngram !== undefined) throw new UsageError('give --model or --ngram, not both');
  if (raw.prune !== undefined && raw.ngram === undefined) throw new UsageError('--prune is for --ngram');
  if (raw.ngram === undefined) return { model: parsePath('--model', raw.model!) };
  const prune = raw.prune === undefined ? 0 : parseInteger('--prune', raw.prune, 0);
  return { model: null, ngram: { order: parseInteger('--ngram', raw.ngram, 2), prune } };
}
