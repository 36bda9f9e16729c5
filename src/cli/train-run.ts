// One `memsig train` run: prepare the corpus, train with checkpoints (resumable, stoppable with Ctrl-C), then
// evaluate the best weights on the eval partition and save the model directory. Only a complete model is ever
// written to --out, so a failed or interrupted run leaves any model already there untouched.

import type { BackendName } from '../backends/index.js';
import {
  evalChunks,
  type PreparedCorpus,
  prepareCorpus,
  type Segmentation,
  StreamBatcher,
  segmentNoun,
} from '../data/index.js';
import { subsampleTrain } from '../data/subsample.js';
import { ensureDir } from '../io/atomic.js';
import { CONFIG_FILE, saveModelDir, WEIGHTS_FILE } from '../io/model-dir.js';
import { writeTrainCheckpoint } from '../io/train-checkpoint.js';
import { savedTensorsOf, type TrainableLm } from '../models/language-model.js';
import { evaluateLm, lmPredictor } from '../train/evaluate.js';
import { buildModelConfig } from '../train/model-config.js';
import {
  type EpochRecord,
  type TrainConfig,
  type TrainResult,
  type TrainSnapshot,
  trainCharLm,
} from '../train/train-char-lm.js';
import { type TrainCompute, trainCompute } from './backend.js';
import { formatCount, formatDuration, formatMetric, shellQuote } from './format.js';
import { onInterrupt } from './interrupt.js';
import { type CliHooks, type CliIo, writeLine } from './io.js';
import { ProgressReporter } from './progress.js';
import { checkTrainDir, loadResumeCheckpoint, type TrainDirPaths, trainDirPaths } from './train-dir.js';
import { type ArchitectureKey, loadInitModel } from './train-init.js';

export interface TrainOptions {
  /** A text file, a .gz file, a folder of .txt files, or 'sotu'. */
  corpus: string;
  segmentation: Segmentation;
  /** True when --segment named a segmentation; under auto, an --init stream model is fine-tuned on a stream. */
  segmentGiven?: boolean;
  /** 'raw': the alphabet is every character of the text (absent: the default alphabet, or the --init model's). */
  alphabet?: 'default' | 'raw';
  maxChars: number | null;
  config: TrainConfig;
  /** Fine-tuning: the model directory to start from, and which architecture flags were given. */
  init: { dir: string; given: readonly ArchitectureKey[] } | null;
  backend: BackendName;
  threads: number | undefined;
  out: string;
  resume: boolean;
  force: boolean;
  /** Write a checkpoint every this many steps (0: only at epoch ends and when stopped). */
  checkpointEvery: number;
  json: boolean;
  /** The command that repeats this run (no --resume or --force), for the "resume with" hint. */
  commandLine: string[];
  /** Receives the final summary instead of its being printed (the demo prints it with the signature's). */
  onSummary?: (summary: TrainSummary) => void;
}

export type StopReason = 'epochs' | 'max-steps' | 'early-stopping';

export interface TrainSummary {
  out: string;
  corpus: string;
  steps: number;
  epochs: number;
  bestStep: number;
  stopReason: StopReason;
  devPerplexity: number | null;
  evalPerplexity: number;
  evalBitsPerChar: number;
  evalAccuracy: number;
  /** Whole run, including the time before a resume. */
  seconds: number;
  charsPerSecond: number;
  history: EpochRecord[];
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

export async function runTrain(opts: TrainOptions, io: CliIo, hooks: CliHooks = {}): Promise<number> {
  const paths = trainDirPaths(opts.out);
  await checkTrainDir(paths, opts.resume, opts.force);
  const init = opts.init ? await loadInitModel(opts.init.dir, opts.config, opts.init.given) : null;
  const config = init?.config ?? opts.config;
  const read = {
    segmentation: (opts.segmentGiven ? undefined : init?.reading) ?? opts.segmentation,
    maxChars: opts.maxChars,
    normalization: init?.normalization,
    rawAlphabet: opts.alphabet === 'raw',
  };
  let corpus = await prepareCorpus(opts.corpus, read);
  if (config.trainFraction !== undefined) corpus = subsampleTrain(corpus, config.trainFraction, config.seed);
  const totalSteps = checkCorpusFits(corpus, config);
  const sha = corpus.record.sha256;
  const resumeFrom = opts.resume ? (await loadResumeCheckpoint(paths.checkpoint, config, sha)).snapshot : undefined;
  // An injected GEMM (tests) runs serial steps with it.
  const compute: TrainCompute = hooks.gemm
    ? { gemm: hooks.gemm, threads: 1 }
    : trainCompute(opts.backend, opts.threads);
  const { gemm } = compute;
  describeRun(io, opts, config, corpus, compute, resumeFrom);

  const progress = new ProgressReporter({
    stream: io.stderr,
    isTTY: io.isTTY,
    epochs: config.epochs,
    now: hooks.now,
  });
  const stop = onInterrupt((line) => progress.log(line), 'stopping after the current step', hooks.signal);
  let result: TrainResult;
  try {
    progress.start(resumeFrom?.step ?? 0, totalSteps);
    result = await trainCharLm(corpus, config, {
      gemm,
      initialParams: init?.params,
      createRunner: compute.createRunner,
      signal: stop.signal,
      resumeFrom,
      now: hooks.now,
      checkpointEvery: opts.checkpointEvery,
      onSnapshot: checkpointWriter(paths, config, sha),
      // One event-loop turn per step, so that a Ctrl-C is seen while training runs in this thread.
      yieldEachStep: () => new Promise<void>((resolve) => setImmediate(resolve)),
      onProgress: (p) => {
        progress.update(p);
        hooks.onProgress?.(p);
      },
    });
  } finally {
    progress.clear();
    stop.dispose();
  }

  const snap = result.snapshot;
  if (result.interrupted) {
    writeLine(io.stderr, `stopped at step ${snap.step}; resume with: ${shellQuote([...opts.commandLine, '--resume'])}`);
    if (opts.json) {
      writeLine(io.stdout, JSON.stringify({ interrupted: true, step: snap.step, checkpoint: paths.checkpoint }));
    }
    return EXIT_INTERRUPTED;
  }

  const { batch, seq } = config;
  const model: TrainableLm<unknown> = result.model;
  const evaluation = evaluateLm(lmPredictor(model), corpus.partitions.eval, corpus.alphabet.symbols, gemm, {
    batch,
    seq,
  });
  const devPerplexity = Number.isFinite(snap.bestDevLoss) ? Math.exp(snap.bestDevLoss) : null;
  const modelConfig = buildModelConfig(config, corpus, snap, devPerplexity, evaluation.perplexity);
  await saveModelDir(opts.out, modelConfig, savedTensorsOf(result.model));

  const summary: TrainSummary = {
    out: opts.out,
    corpus: corpus.record.source,
    steps: snap.step,
    epochs: snap.epoch,
    bestStep: snap.bestStep,
    stopReason: stopReason(snap, config),
    devPerplexity,
    evalPerplexity: evaluation.perplexity,
    evalBitsPerChar: evaluation.bitsPerChar,
    evalAccuracy: evaluation.accuracy,
    seconds: snap.elapsedSeconds,
    charsPerSecond: snap.elapsedSeconds > 0 ? (snap.step * batch * seq) / snap.elapsedSeconds : 0,
    history: snap.history,
  };
  if (opts.onSummary) opts.onSummary(summary);
  else if (opts.json) writeLine(io.stdout, JSON.stringify(summary));
  else printSummary(io, summary);
  return 0;
}

/**
 * Fails before anything is written when the partitions cannot make one training batch or one evaluation; returns
 * the most steps the run can take (as the trainer counts them).
 */
function checkCorpusFits(corpus: PreparedCorpus, config: TrainConfig): number {
  const perEpoch = new StreamBatcher(corpus.partitions.train, config.batch, config.seq).chunksPerEpoch;
  evalChunks(corpus.partitions.dev, config.batch, config.seq);
  evalChunks(corpus.partitions.eval, config.batch, config.seq);
  return Math.min(config.epochs * perEpoch, config.maxSteps ?? Number.POSITIVE_INFINITY);
}

/**
 * The trainer's onSnapshot: it is called every --checkpoint-every steps, at each epoch end, and when the run stops
 * (finished or interrupted); each snapshot becomes DIR/checkpoint.safetensors, written atomically.
 */
function checkpointWriter(paths: TrainDirPaths, config: TrainConfig, sha: string) {
  let dirReady = false;
  return async (s: TrainSnapshot): Promise<void> => {
    if (!dirReady) {
      await ensureDir(paths.dir);
      dirReady = true;
    }
    await writeTrainCheckpoint(paths.checkpoint, s, config, sha);
  };
}

function describeRun(
  io: CliIo,
  opts: TrainOptions,
  c: TrainConfig,
  corpus: PreparedCorpus,
  compute: TrainCompute,
  resumeFrom: TrainSnapshot | undefined,
): void {
  const r = corpus.record;
  const layers = `${c.layers} layer${c.layers === 1 ? '' : 's'}`;
  writeLine(
    io.stderr,
    `training ${c.cell} (${layers}, ${c.units} units, embed ${c.embed}) on ${r.source}: ` +
      `${r.symbols.train} train / ${r.symbols.dev} dev / ${r.symbols.eval} eval symbols (${segmentNoun(r.segmentation)}); ` +
      `backend ${compute.gemm.name}, ${compute.threads} thread${compute.threads === 1 ? '' : 's'}`,
  );
  if (opts.init) writeLine(io.stderr, `starting from the weights of ${opts.init.dir} (fine-tuning)`);
  if (opts.alphabet === 'raw') {
    const symbols = corpus.alphabet.symbols;
    const shown = symbols
      .slice(0, 12)
      .map((s) => JSON.stringify(s))
      .join(' ');
    writeLine(
      io.stderr,
      `alphabet: the ${symbols.length} characters of the text, most frequent first (${shown}${symbols.length > 12 ? ' …' : ''})`,
    );
  }
  if (c.trainFraction !== undefined) {
    writeLine(
      io.stderr,
      `training on ${c.trainFraction} of the training segments (${r.segments.train}, seed ${c.seed})`,
    );
  }
  if (resumeFrom) {
    const state = resumeFrom.finished ? 'finished; writing the model' : `continuing at step ${resumeFrom.step}`;
    writeLine(io.stderr, `resuming from ${trainDirPaths(opts.out).checkpoint}: ${state}`);
  }
}

function stopReason(s: TrainSnapshot, config: TrainConfig): StopReason {
  if (config.maxSteps !== null && s.step >= config.maxSteps) return 'max-steps';
  if (s.epoch >= config.epochs) return 'epochs';
  return 'early-stopping';
}

function printSummary(io: CliIo, s: TrainSummary): void {
  const why = { epochs: 'all epochs done', 'max-steps': '--max-steps reached', 'early-stopping': 'stopped early' };
  writeLine(io.stdout, `saved ${s.out} (${CONFIG_FILE}, ${WEIGHTS_FILE})`);
  writeLine(
    io.stdout,
    `  ${s.steps} steps, ${s.epochs} epoch${s.epochs === 1 ? '' : 's'} (${why[s.stopReason]}; best dev at step ${s.bestStep}), ` +
      `${formatDuration(s.seconds)}, ${formatCount(s.charsPerSecond)} chars/s`,
  );
  writeLine(
    io.stdout,
    `  dev perplexity ${formatMetric(s.devPerplexity)}, eval perplexity ${formatMetric(s.evalPerplexity)} ` +
      `(${formatMetric(s.evalBitsPerChar)} bits/char, next-symbol accuracy ${(100 * s.evalAccuracy).toFixed(1)}%)`,
  );
}
