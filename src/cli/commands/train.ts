// `memsig train`: flags one to one onto TrainConfig, every value checked here so that a mistake is one line
// naming the flag (exit code 2) before any file is read.

import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { defaultTrainConfig, TRAIN_CELLS, type TrainConfig, validateTrainConfig } from '../../train/train-char-lm.js';
import {
  parseChoice,
  parseInteger,
  parseNumber,
  parsePath,
  parsePositive,
  parseProbability,
  UsageError,
} from '../args.js';
import { ARCHITECTURE_KEYS } from '../train-init.js';
import { runTrain, type TrainOptions } from '../train-run.js';
import { addBackendOptions, type CommandContext, parseBackend, resolveSegmentation } from './common.js';

export const DEFAULT_CHECKPOINT_EVERY = 200;
export const ALPHABETS = ['default', 'raw'] as const;

export interface RawTrainFlags {
  corpus?: string;
  segment?: string;
  alphabet?: string;
  cell?: string;
  lambda?: string;
  init?: string;
  trainFraction?: string;
  layers?: string;
  units?: string;
  embed?: string;
  batch?: string;
  seq?: string;
  lr?: string;
  dropout?: string;
  recurrentDropout?: string;
  clip?: string;
  epochs?: string;
  maxSteps?: string;
  patience?: string;
  seed?: string;
  maxChars?: string;
  backend?: string;
  threads?: string;
  out?: string;
  resume?: boolean;
  force?: boolean;
  checkpointEvery?: string;
  json?: boolean;
}

export function registerTrain(program: Command, ctx: CommandContext): void {
  const d = defaultTrainConfig();
  const cmd = program
    .command('train')
    .summary('train a character language model')
    .description(
      'Train a character-level LSTM/GRU (or factorized-kernel LSTM) language model on a corpus and save it to --out (config.json + model.safetensors).\n' +
        'Checkpoints go to OUT/checkpoint.safetensors; Ctrl-C stops after the current step and --resume continues.',
    )
    .option(
      '--corpus <path|sotu>',
      '(required) text file, .gz file, folder of .txt files, or "sotu" (bundled State of the Union)',
    )
    .option(
      '--segment <mode>',
      "segments: line, sentence, none (each file one stream, the state carried across lines; split by contiguous 90/5/5 blocks), or auto (sentence for sotu, else line; with --init, a stream model's none)",
      'auto',
    )
    .option(
      '--alphabet <kind>',
      'default (a-z, #, apostrophe, period, space; lowercased) or raw (every character of the text, most frequent first: capitals, punctuation, digits, and a newline with --segment none)',
      'default',
    )
    .option(
      '--cell <kind>',
      // No commander default: a --cell left out must stay undefined, so that --init can supply the model's.
      `recurrent cell: lstm, gru, or factorized-lstm (an LSTM whose recurrent kernel adds one rank-one basis per bigram, weighted by the running bigram frequencies of the segment) (default: ${d.cell})`,
    )
    .option(
      '--lambda <source>',
      'factorized-lstm: running (bigram frequencies of the segment so far) or corpus (those of the training partition, fixed) (default: running)',
    )
    .option(
      '--init <dir>',
      'fine-tune: start from the weights of this model directory (its architecture and alphabet; flags that name them must agree)',
    )
    .option(
      '--train-fraction <f>',
      "train on this fraction of the training segments, drawn with --seed (e.g. 0.05 for the paper's fine-tuning on 5%) (default: 1)",
    )
    .option('--layers <n>', `stacked recurrent layers (default: ${d.layers})`)
    .option('--units <n>', `hidden units per layer (default: ${d.units})`)
    .option('--embed <n>', `embedding size (default: ${d.embed})`)
    .option('--batch <n>', `parallel streams per step (default: ${d.batch})`)
    .option('--seq <n>', `steps of truncated backpropagation (default: ${d.seq})`)
    .option('--lr <x>', `Adam learning rate (default: ${d.lr})`)
    .option('--dropout <p>', `dropout on embeddings, between layers and on the output (default: ${d.dropout})`)
    .option('--recurrent-dropout <p>', `dropout on the recurrent state (default: ${d.recurrentDropout})`)
    .option('--clip <x>', `gradient-norm clipping threshold (default: ${d.clip})`)
    .option('--epochs <n>', `passes over the training partition (default: ${d.epochs})`)
    .option('--max-steps <n>', 'stop after this many steps in all (default: no cap)')
    .option('--patience <n>', `stop after this many epochs without a better dev perplexity (default: ${d.patience})`)
    .option('--seed <n>', `random seed of initialization and dropout (default: ${d.seed})`)
    .option('--max-chars <n>', 'use only the last N characters of the corpus (default: all)')
    .option('--out <dir>', '(required) model directory to write')
    .option('--resume', 'continue the run whose checkpoint is in --out (same corpus and flags)')
    .option('--force', 'replace a model already in --out (only once the new one is complete)')
    .option(
      '--checkpoint-every <n>',
      `steps between checkpoints (0: epoch ends only) (default: ${DEFAULT_CHECKPOINT_EVERY})`,
    )
    .option('--json', 'print the final summary as one JSON object on stdout');
  addBackendOptions(cmd).action(async (raw: RawTrainFlags) => {
    const commandLine = ['memsig', ...ctx.argv.filter((a) => a !== '--resume' && a !== '--force')];
    ctx.exitCode = await runTrain(parseTrainFlags(raw, commandLine), ctx.io, ctx.hooks);
  });
}

/** Raw flag values → checked options; the first bad value is a UsageError naming its flag. */
export function parseTrainFlags(raw: RawTrainFlags, commandLine: string[]): TrainOptions {
  if (raw.corpus === undefined) throw new UsageError("missing --corpus (a text file, or 'sotu')");
  if (raw.out === undefined) throw new UsageError('missing --out (the model directory to write)');
  const corpus = parsePath('--corpus', raw.corpus);
  const config = parseTrainConfig(raw);
  const given = ARCHITECTURE_KEYS.filter((key) => raw[key] !== undefined);
  const alphabet = parseChoice('--alphabet', raw.alphabet ?? 'default', ALPHABETS);
  if (alphabet === 'raw' && raw.init !== undefined) {
    throw new UsageError('--alphabet raw cannot be used with --init (the --init model fixes the alphabet)');
  }
  return {
    corpus,
    init: raw.init === undefined ? null : { dir: parsePath('--init', raw.init), given },
    segmentation: resolveSegmentation(raw.segment, corpus),
    segmentGiven: raw.segment !== undefined && raw.segment !== 'auto',
    alphabet,
    maxChars: raw.maxChars === undefined ? null : parseInteger('--max-chars', raw.maxChars, 1),
    config,
    ...parseBackend(raw),
    out: parsePath('--out', raw.out),
    resume: raw.resume === true,
    force: raw.force === true,
    checkpointEvery:
      raw.checkpointEvery === undefined
        ? DEFAULT_CHECKPOINT_EVERY
        : parseInteger('--checkpoint-every', raw.checkpointEvery, 0),
    json: raw.json === true,
    commandLine,
  };
}

export function parseTrainConfig(raw: RawTrainFlags): TrainConfig {
  const d = defaultTrainConfig();
  const int = (flag: string, v: string | undefined, fallback: number, min = 1) =>
    v === undefined ? fallback : parseInteger(flag, v, min);
  const config: TrainConfig = {
    cell: parseChoice('--cell', raw.cell ?? d.cell, TRAIN_CELLS),
    layers: int('--layers', raw.layers, d.layers),
    units: int('--units', raw.units, d.units),
    embed: int('--embed', raw.embed, d.embed),
    batch: int('--batch', raw.batch, d.batch),
    seq: int('--seq', raw.seq, d.seq),
    lr: raw.lr === undefined ? d.lr : parsePositive('--lr', raw.lr, 10),
    dropout: raw.dropout === undefined ? d.dropout : parseProbability('--dropout', raw.dropout),
    recurrentDropout:
      raw.recurrentDropout === undefined
        ? d.recurrentDropout
        : parseProbability('--recurrent-dropout', raw.recurrentDropout),
    clip: raw.clip === undefined ? d.clip : parsePositive('--clip', raw.clip),
    epochs: int('--epochs', raw.epochs, d.epochs),
    maxSteps: raw.maxSteps === undefined ? d.maxSteps : parseInteger('--max-steps', raw.maxSteps, 1),
    patience: int('--patience', raw.patience, d.patience),
    seed: raw.seed === undefined ? d.seed : parseInteger('--seed', raw.seed, 0, 0xffffffff),
  };
  if (raw.trainFraction !== undefined) {
    const fraction = parseNumber('--train-fraction', raw.trainFraction, 'a number > 0 and ≤ 1');
    if (!(fraction > 0 && fraction <= 1)) {
      throw new UsageError(`--train-fraction must be a number > 0 and ≤ 1 (got ${raw.trainFraction})`);
    }
    // All of it is the default, left out of the config (as for --lambda running).
    if (fraction < 1) config.trainFraction = fraction;
  }
  if (raw.lambda !== undefined) {
    const lambda = parseChoice('--lambda', raw.lambda, ['running', 'corpus'] as const);
    if (config.cell !== 'factorized-lstm') throw new UsageError('--lambda is for --cell factorized-lstm');
    // Running is the default, left out of the config (see TrainConfig.lambda).
    if (lambda === 'corpus') config.lambda = 'corpus';
  }
  try {
    validateTrainConfig(config);
  } catch (err) {
    // The trainer's own check, as a backstop: anything it rejects is a bad flag too.
    if (err instanceof UserError) throw new UsageError(err.message);
    throw err;
  }
  return config;
}
