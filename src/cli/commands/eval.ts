// `memsig eval`: perplexity, bits/char, accuracy and per-symbol accuracy of a model directory on a corpus.

import type { Command } from 'commander';
import { SOTU_SOURCE } from '../../data/index.js';
import { parseChoice, parseInteger, parsePath, UsageError } from '../args.js';
import { SPLITS } from '../eval-corpus.js';
import { runEval } from '../eval-run.js';
import { addBackendOptions, type CommandContext, parseBackend, SEGMENTS } from './common.js';

interface RawEvalFlags {
  model?: string;
  ngram?: string;
  prune?: string;
  corpus?: string;
  split?: string;
  segment?: string;
  backend?: string;
  threads?: string;
  json?: boolean;
}

export function registerEval(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('eval')
    .summary('measure a model on a corpus')
    .description(
      "Evaluate a model directory (made by memsig or by PyTorch, see docs/formats.md) on a corpus normalized as the model's config says.\n" +
        "On the corpus the model was trained on, the model's own split is used.",
    )
    .option('--model <dir>', '(required, or --ngram) model directory (config.json + model.safetensors)')
    .option(
      '--ngram <order>',
      "instead of --model: an n-gram model of this order estimated on the corpus's train partition",
    )
    .option('--prune <n>', 'with --ngram: drop n-grams of order ≥ 2 seen fewer than n times (default: 0, keep all)')
    .option('--corpus <path|sotu>', '(required) text file, .gz file, folder of .txt files, or "sotu"')
    .option('--split <name>', 'train, dev, eval, or all (the whole text as one partition)', 'eval')
    .option(
      '--segment <mode>',
      "line, sentence, or auto (the model's recorded one, else sentence for sotu, else line)",
      'auto',
    )
    .option('--json', 'print the results as one JSON object');
  addBackendOptions(cmd).action(async (raw: RawEvalFlags) => {
    if (raw.model === undefined && raw.ngram === undefined) {
      throw new UsageError('missing --model (a model directory), or --ngram ORDER for an n-gram model of the corpus');
    }
    if (raw.model !== undefined && raw.ngram !== undefined) throw new UsageError('give --model or --ngram, not both');
    if (raw.prune !== undefined && raw.ngram === undefined) throw new UsageError('--prune is for --ngram');
    if (raw.corpus === undefined) throw new UsageError("missing --corpus (a text file, or 'sotu')");
    const corpus = parsePath('--corpus', raw.corpus);
    const segment = parseChoice('--segment', raw.segment ?? 'auto', SEGMENTS);
    ctx.exitCode = await runEval(
      {
        model: raw.model === undefined ? null : parsePath('--model', raw.model),
        ...(raw.ngram === undefined
          ? {}
          : {
              ngram: {
                order: parseInteger('--ngram', raw.ngram, 2),
                prune: raw.prune === undefined ? 0 : parseInteger('--prune', raw.prune, 0),
              },
            }),
        corpus,
        split: parseChoice('--split', raw.split ?? 'eval', SPLITS),
        segmentation: segment === 'auto' ? undefined : segment,
        autoSegmentation: corpus === SOTU_SOURCE ? 'sentence' : 'line',
        ...parseBackend(raw),
        json: raw.json === true,
      },
      ctx.io,
      ctx.hooks,
    );
  });
}
