// `memsig eval`: perplexity, bits/char, accuracy and per-symbol accuracy of a model directory on a corpus.

import type { Command } from 'commander';
import { SOTU_SOURCE } from '../../data/index.js';
import { parseChoice, parsePath, UsageError } from '../args.js';
import { SPLITS } from '../eval-corpus.js';
import { runEval } from '../eval-run.js';
import {
  addBackendOptions,
  addModelOrNgramOptions,
  type CommandContext,
  parseBackend,
  parseModelOrNgram,
  SEGMENTS,
} from './common.js';

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
  const cmd = addModelOrNgramOptions(
    program
      .command('eval')
      .summary('measure a model on a corpus')
      .description(
        "Evaluate a model directory (made by memsig or by PyTorch, see docs/formats.md) on a corpus normalized as the model's config says.\n" +
          "On the corpus the model was trained on, the model's own split is used.",
      ),
  )
    .option('--corpus <path|sotu>', '(required) text file, .gz file, folder of .txt files, or "sotu"')
    .option('--split <name>', 'train, dev, eval, or all (the whole text as one partition)', 'eval')
    .option(
      '--segment <mode>',
      "line, sentence, none (each file one stream, the state carried across lines), or auto (none for a model trained on a stream or whose alphabet has a newline; else the model's recorded one on its training corpus, sentence for sotu, line otherwise)",
      'auto',
    )
    .option('--json', 'print the results as one JSON object');
  addBackendOptions(cmd).action(async (raw: RawEvalFlags) => {
    const subject = parseModelOrNgram(raw);
    if (raw.corpus === undefined) throw new UsageError("missing --corpus (a text file, or 'sotu')");
    const corpus = parsePath('--corpus', raw.corpus);
    const segment = parseChoice('--segment', raw.segment ?? 'auto', SEGMENTS);
    ctx.exitCode = await runEval(
      {
        ...subject,
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
