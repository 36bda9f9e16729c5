// One `memsig eval` run: load a model directory (memsig- or PyTorch-made), read the text as the model normalizes
// it, and report perplexity, bits/char, accuracy and the per-symbol next-symbol accuracy (the paper's Fig. 1b).

import { factorizedPredictor } from '../analysis/factorized-analysable.js';
import type { BackendName } from '../backends/index.js';
import { UserError } from '../core/errors.js';
import { type Segmentation, segmentNoun } from '../data/index.js';
import { loadModel } from '../io/load-model.js';
import type { LmEvaluation } from '../models/lm-evaluation.js';
import { evaluateCharLm, evaluateLm } from '../train/evaluate.js';
import { defaultThreads, makeGemm } from './backend.js';
import { describeModel } from './describe-model.js';
import { type EvalText, loadEvalText, type SplitName } from './eval-corpus.js';
import { formatMetric, formatPercent, showSymbol } from './format.js';
import { type CliHooks, type CliIo, writeLine } from './io.js';
import { type NgramChoice, ngramOfCorpus } from './ngram-corpus.js';

export interface EvalOptions {
  /** The model directory evaluated, or null with `ngram`. */
  model: string | null;
  /** Instead of a model directory: an n-gram of this order (and count pruning) estimated on the corpus. */
  ngram?: NgramChoice;
  corpus: string;
  split: SplitName;
  /** --segment, or undefined for auto. */
  segmentation: Segmentation | undefined;
  autoSegmentation: Segmentation;
  backend: BackendName;
  threads: number | undefined;
  json: boolean;
}

const EVAL_BATCH = 32;
const EVAL_SEQ = 64;

export async function runEval(opts: EvalOptions, io: CliIo, hooks: CliHooks = {}): Promise<number> {
  if (opts.ngram) return evalNgram(opts, opts.ngram, io);
  if (opts.model === null) throw new UserError('missing --model (a model directory) or --ngram ORDER');
  const loaded = await loadModel(opts.model);
  const { config } = loaded;
  const symbols = config.normalization.alphabet;
  const text = await loadEvalText(opts.corpus, config, opts.split, opts.segmentation, opts.autoSegmentation);
  const gemm = hooks.gemm ?? makeGemm(opts.backend, opts.threads ?? defaultThreads());
  const sizes = { batch: EVAL_BATCH, seq: EVAL_SEQ };
  const result =
    loaded.kind === 'factorized-lstm'
      ? evaluateLm(factorizedPredictor(loaded.model), text.partition, symbols, gemm, sizes)
      : evaluateCharLm(loaded.model, text.partition, symbols, gemm, sizes);

  const modelLine = describeModel(loaded);
  if (opts.json) {
    writeLine(io.stdout, JSON.stringify(evalJson(opts.model, modelLine, text, result)));
    return 0;
  }
  printEval(io, opts.model, modelLine, text, result);
  return 0;
}

/**
 * An n-gram model estimated on the corpus's training partition (default normalization), measured on one of its
 * partitions: the paper's count-based baseline for any corpus.
 */
async function evalNgram(opts: EvalOptions, ngram: NgramChoice, io: CliIo): Promise<number> {
  if (opts.split === 'all') {
    throw new UserError(
      '--split all: an n-gram is estimated on the train partition; evaluate it on train, dev or eval',
    );
  }
  const { corpus, model } = await ngramOfCorpus(opts.corpus, opts.segmentation ?? opts.autoSegmentation, ngram);
  const r = corpus.record;
  const text: EvalText = {
    source: r.source,
    partition: corpus.partitions[opts.split],
    split: opts.split,
    segmentation: r.segmentation,
    trainingCorpus: true,
    splitSeed: r.split.seed,
    segments: r.segments[opts.split],
  };
  const result = model.evaluate(text.partition, corpus.alphabet.symbols);
  const name = `${ngram.order}-gram`;
  const prune = ngram.prune > 1 ? `, pruned below ${ngram.prune}` : '';
  const modelLine = `modified Kneser-Ney${prune}, ${model.ngramCount} n-grams, ${corpus.alphabet.size} symbols`;
  if (opts.json) writeLine(io.stdout, JSON.stringify(evalJson(name, modelLine, text, result)));
  else printEval(io, name, modelLine, text, result);
  return 0;
}

function corpusJson(text: EvalText) {
  return {
    source: text.source,
    split: text.split,
    segmentation: text.segmentation,
    trainingCorpus: text.trainingCorpus,
    splitSeed: text.splitSeed,
    segments: text.segments,
    symbols: text.partition.ids.length,
  };
}

function evalJson(dir: string, modelLine: string, text: EvalText, r: LmEvaluation) {
  return {
    model: dir,
    modelDescription: modelLine,
    corpus: corpusJson(text),
    predicted: r.predicted,
    loss: r.loss,
    perplexity: r.perplexity,
    bitsPerChar: r.bitsPerChar,
    accuracy: r.accuracy,
    perSymbol: r.perSymbol,
  };
}

function printEval(io: CliIo, dir: string, modelLine: string, text: EvalText, r: LmEvaluation): void {
  const where = text.split === 'all' ? 'whole text' : `${text.split} split`;
  const origin = text.trainingCorpus
    ? `the model's training corpus and split, seed ${text.splitSeed}`
    : text.split === 'all'
      ? 'not split'
      : `split with the default fractions (seed ${text.splitSeed})`;
  writeLine(io.stdout, `model       ${dir} (${modelLine})`);
  writeLine(
    io.stdout,
    `text        ${text.source}, ${where}: ${text.segments} ${segmentNoun(text.segmentation, text.segments)}, ${text.partition.ids.length} symbols (${origin})`,
  );
  writeLine(io.stdout, `perplexity  ${formatMetric(r.perplexity)} per character (${r.predicted} predictions)`);
  writeLine(io.stdout, `bits/char   ${formatMetric(r.bitsPerChar)}`);
  writeLine(io.stdout, `accuracy    ${formatPercent(r.accuracy)} (next symbol)`);
  writeLine(io.stdout);
  writeLine(io.stdout, 'next symbol    count  accuracy');
  for (const s of r.perSymbol) {
    writeLine(
      io.stdout,
      `${showSymbol(s.symbol).padEnd(11)} ${String(s.count).padStart(8)}  ${formatPercent(s.accuracy).padStart(8)}`,
    );
  }
}
