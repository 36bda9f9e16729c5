// One `memsig signature` run: load a model directory and a corpus (read as the model reads it, see eval-corpus.ts),
// compute the memory signature layer by layer with progress on stderr, keep each finished layer in OUT.partial.json
// (so that --resume after a Ctrl-C or a crash only redoes unfinished layers), and write OUT once, atomically, at the
// very end. An existing OUT is only replaced with --force.

import { dirname } from 'node:path';
import { type AnalysableModel, charLmAnalysable } from '../analysis/analysable-model.js';
import { decoderWorkPlan } from '../analysis/decoder-eta.js';
import { decoderPoolRunner } from '../analysis/decoder-pool.js';
import { fitDecoders } from '../analysis/decoders.js';
import { factorizedAnalysable } from '../analysis/factorized-analysable.js';
import { ngramAnalysable, ngramDigest } from '../analysis/ngram-analysable.js';
import { probedMemorySignature } from '../analysis/probed-signature.js';
import { drawRandomWeights, withRandomWeights } from '../analysis/random-weights.js';
import type { DecoderRunner, SignatureOptions } from '../analysis/signature.js';
import type { Signature, StateKind } from '../analysis/signature-types.js';
import type { BackendName } from '../backends/index.js';
import { UserError } from '../core/errors.js';
import type { KernelRestriction } from '../core/factorized-lstm.js';
import type { Gemm } from '../core/gemm.js';
import { type PreparedCorpus, type Segmentation, segmentNoun } from '../data/index.js';
import { ensureDir } from '../io/atomic.js';
import { layerCheckpoints } from '../io/decoder-checkpoint-files.js';
import { loadModel } from '../io/load-model.js';
import { writeSignature } from '../io/signature-file.js';
import {
  decoderCheckpointDir,
  inputsDigest,
  partialKeeper,
  partialPath,
  readPartial,
  removePartial,
} from '../io/signature-partial.js';
import { readShardFile, shardFileStore, staleShardFoldersLine } from '../io/state-shard-files.js';
import { basesOfBigrams } from '../models/factorized-lm.js';
import { checkAlphabetFit } from './alphabet-fit.js';
import { defaultThreads, makeGemm } from './backend.js';
import { describeModel } from './describe-model.js';
import { loadModelCorpus } from './eval-corpus.js';
import { shellQuote } from './format.js';
import { onInterrupt } from './interrupt.js';
import { type CliHooks, type CliIo, writeLine } from './io.js';
import { type NgramChoice, ngramOfCorpus } from './ngram-corpus.js';
import { capacitySweepCostLine, onlineCodeCostLine } from './probe-cost.js';
import { withSignatureOut } from './signature-out.js';
import { SignatureProgressReporter } from './signature-progress.js';
import { convergenceWarnings, printSignatureTable, signatureSummary } from './signature-report.js';
import { type StatesChoice, statesSubject } from './states-subject.js';
import { EXIT_INTERRUPTED } from './train-run.js';
import { generatorName } from './version.js';

export interface SignatureRunOptions {
  /** The model directory analysed, or null with `ngram`. */
  model: string | null;
  /** Instead of a model directory: an n-gram of this order (and count pruning) estimated on the corpus. */
  ngram?: NgramChoice;
  /** A text file, a .gz file, a folder of .txt files, or 'sotu'. */
  corpus: string;
  /** --segment, or undefined for auto (the model's recorded one on its training corpus, else autoSegmentation). */
  segmentation: Segmentation | undefined;
  autoSegmentation: Segmentation;
  out: string;
  /** Everything but the layers and the state, which depend on the model. */
  settings: Omit<SignatureOptions, 'layers' | 'state'>;
  /** 1-based layers, or null for all. */
  layers: number[] | null;
  /** undefined: c for an LSTM (as in the paper), h for a GRU. */
  state: StateKind | undefined;
  backend: BackendName;
  threads: number | undefined;
  resume: boolean;
  force: boolean;
  json: boolean;
  /** The command that repeats this run (no --resume), for the "resume with" hint. */
  commandLine: string[];
  /** For a factorized-lstm model, the part of its kernel analysed (default the whole of it). */
  kernel?: KernelChoice;
  /** Control: analyse the model's architecture with fresh weights drawn with settings.seed, not its trained ones. */
  randomWeights?: boolean;
  /** Where train states beyond settings.stateMemoryBytes go (a fresh folder under it, removed at the end). */
  statesDir?: string;
  /** Seeds each decoder trains with (--decoder-seeds; default 1): the signature records their mean and spread. */
  decoderSeeds?: number;
  /** Instead of a model: states computed elsewhere, read from a file (--states); `model` is then null. */
  states?: StatesChoice;
  /** --capacity-sweep and --mdl (probed-signature.ts). */
  capacitySweep?: boolean;
  onlineCode?: boolean;
}

/** Which part of a factorized kernel a signature analyses; a basis is named by its bigram. */
export type KernelChoice =
  | { kind: 'full' }
  | { kind: 'base' }
  | { kind: 'none' }
  | { kind: 'basis'; bigram: string }
  | { kind: 'basis-alone'; bigram: string };

export interface SignatureOutcome {
  code: number;
  /** Set when the signature was computed and written. */
  signature?: Signature;
  seconds?: number;
}

/** `memsig signature`: computes, writes and prints the summary (a table, or JSON with --json). */
export async function runSignature(opts: SignatureRunOptions, io: CliIo, hooks: CliHooks = {}): Promise<number> {
  const outcome = await computeSignature(opts, io, hooks);
  if (outcome.signature) {
    if (opts.json) {
      writeLine(io.stdout, JSON.stringify(signatureSummary(outcome.signature, opts.out, outcome.seconds ?? 0)));
      for (const line of convergenceWarnings(outcome.signature)) writeLine(io.stderr, line);
    } else {
      printSignatureTable(io, outcome.signature, opts.out);
    }
  }
  return outcome.code;
}

/**
 * Computes the signature and writes it to opts.out; progress and the interruption notice go to stderr, nothing
 * to stdout (but the one-line JSON of an interrupted run with --json). Errors throw (one-line UserErrors).
 */
export async function computeSignature(
  opts: SignatureRunOptions,
  io: CliIo,
  hooks: CliHooks = {},
): Promise<SignatureOutcome> {
  return withSignatureOut(opts.out, opts.force, () => computeSignatureHeld(opts, io, hooks));
}

/** computeSignature, with --out checked and its lock held. */
async function computeSignatureHeld(opts: SignatureRunOptions, io: CliIo, hooks: CliHooks): Promise<SignatureOutcome> {
  const now = hooks.now ?? (() => performance.now());
  const started = now();
  const gemm: Gemm = hooks.gemm ?? makeGemm(opts.backend, opts.threads ?? defaultThreads());
  const subject = opts.states
    ? await statesSubject(opts.states, { state: opts.state, layers: opts.layers, segmentation: opts.segmentation }, io)
    : opts.ngram
      ? await ngramSubject(opts, opts.ngram, io)
      : await modelSubject(opts, gemm);
  const { analysable, corpus, state, layers } = subject;

  const options: SignatureOptions = { ...opts.settings, layers: layers.map((l) => l - 1), state };
  const seedCount = opts.decoderSeeds ?? 1;
  const generator = generatorName();
  const inputs = inputsDigest({
    weightsSha256: subject.weightsSha256,
    corpus: corpus.record,
    options,
    backend: gemm.name,
    generator,
    kernel: subject.kernel,
    // Absent for one seed, so that the digests of earlier runs stay as they were.
    decoderSeeds: seedCount > 1 ? seedCount : undefined,
    capacitySweep: opts.capacitySweep || undefined,
    onlineCode: opts.onlineCode || undefined,
  });
  const partial = partialPath(opts.out);
  const kept = opts.resume ? await readPartial(partial, inputs) : null;
  const completed = kept ?? [];
  // The decoders of the layer that was training go on from their last round; a new run starts them over.
  const checkpoints = layerCheckpoints(decoderCheckpointDir(opts.out), inputs);
  if (!opts.resume) checkpoints.removeAll();

  const r = corpus.record;
  const where = subject.trainingCorpus
    ? `the model's training corpus and split`
    : `split ${r.split.train}/${r.split.dev}/${r.split.eval}, seed ${r.split.seed}`;
  const threads = hooks.gemm ? 1 : (opts.threads ?? defaultThreads());
  writeLine(
    io.stderr,
    `signature of ${subject.name} (${subject.description}) on ${r.source} (${where}, ${segmentNoun(r.segmentation)}): ` +
      `layer${layers.length === 1 ? '' : 's'} ${layers.join(', ')}, state ${state}, Δ = ${options.maxDelta}; ` +
      `backend ${gemm.name}, ${threads} thread${threads === 1 ? '' : 's'}`,
  );
  if (opts.resume) {
    const done = completed.map((l) => l.layer).sort((a, b) => a - b);
    const which = done.length === 0 ? 'no layer' : `layer${done.length === 1 ? '' : 's'} ${done.join(', ')}`;
    writeLine(io.stderr, resumeLine(partial, kept === null ? null : which, checkpoints.any() ? checkpoints.dir : null));
  }
  if (seedCount > 1) writeLine(io.stderr, decoderSeedsCostLine(seedCount));
  if (opts.capacitySweep) {
    writeLine(io.stderr, capacitySweepCostLine(analysable, options.layers ?? [], options.decoder.hidden));
  }
  if (opts.onlineCode) writeLine(io.stderr, onlineCodeCostLine());

  const progress = new SignatureProgressReporter({
    stream: io.stderr,
    isTTY: io.isTTY,
    modelLayers: subject.layerCount,
    layers,
    now: hooks.now,
    // The capacity sweep and the online code train decoders of their own, which the bound does not count.
    work:
      opts.capacitySweep || opts.onlineCode
        ? undefined
        : decoderWorkPlan(options.decoder, options.maxDelta, Math.max(1, layers.length - completed.length) * seedCount),
  });
  const keeper = partialKeeper(partial, inputs, completed);
  const stop = onInterrupt((line) => progress.log(line), 'stopping; finished layers are kept', hooks.signal);
  const yieldToHost = () => new Promise<void>((resolve) => setImmediate(resolve));
  let signature: Signature;
  const shardFiles = shardFileStore(opts.statesDir, (stale) => progress.log(staleShardFoldersLine(stale)));
  try {
    signature = await probedMemorySignature(
      analysable,
      corpus,
      options,
      {
        gemm,
        shardFiles,
        signal: stop.signal,
        completedLayers: completed,
        decoderCheckpoints: checkpoints.store,
        generator,
        yieldToHost,
        // Worker threads train the keep probabilities side by side (and leave this thread free for Ctrl-C); an
        // injected GEMM (tests) keeps everything in this thread.
        decoderRunner: yieldingRunner(
          hooks.decoderRunner ??
            (threads > 1 ? decoderPoolRunner({ threads, backend: opts.backend }) : defaultRunner(gemm)),
          yieldToHost,
        ),
        onProgress: (p) => {
          progress.update(p);
          if (p.phase === 'layer-done') {
            keeper.add(p.layer);
            checkpoints.layerDone(p.layer.layer);
          }
          hooks.onSignatureProgress?.(p);
        },
      },
      seedCount,
      {
        onSeed: (i, k, seed) => {
          if (i > 0) progress.log(`decoder seed ${i + 1} of ${k} (${seed})`);
        },
      },
      {
        capacitySweep: opts.capacitySweep === true,
        onlineCode: opts.onlineCode === true,
        onStep: (line) => progress.log(line),
      },
    );
  } catch (err) {
    progress.clear();
    if (!stop.signal.aborted) {
      await keeper.settled().catch(() => {});
      throw err;
    }
    await keeper.settled();
    const finished = keeper.layers().length;
    return reportStopped(io, opts, finished, layers.length, partial, checkpoints.any() ? checkpoints.dir : null);
  } finally {
    stop.dispose();
    shardFiles.dispose();
  }
  progress.clear();
  await keeper.settled();
  await ensureDir(dirname(opts.out));
  await writeSignature(opts.out, signature);
  await removePartial(partial);
  checkpoints.removeAll();
  return { code: 0, signature, seconds: (now() - started) / 1000 };
}

/** What a signature is computed of, with the corpus read for it. */
interface SignatureSubject {
  /** The model directory, or "5-gram" (for the stderr line). */
  name: string;
  description: string;
  analysable: AnalysableModel;
  layerCount: number;
  /** 1-based layers to analyse, checked against the model. */
  layers: number[];
  state: StateKind;
  /** Identifies the weights (an n-gram: a digest of its tables). */
  weightsSha256: string;
  corpus: PreparedCorpus;
  /** True when the corpus is the model's training corpus, read with its split. */
  trainingCorpus: boolean;
  /** The part of a factorized kernel analysed (part of the inputs digest), undefined for other models. */
  kernel?: KernelChoice;
}

/**
 * A model directory: loaded, its kernel restriction, state and layers checked (one-line errors before the corpus is
 * read), then the corpus read as the model reads it.
 */
async function modelSubject(opts: SignatureRunOptions, gemm: Gemm): Promise<SignatureSubject> {
  if (opts.model === null) throw new UserError('missing --model (a model directory) or --ngram ORDER');
  const loaded = await loadModel(opts.model);
  const { config } = loaded;
  let { weightsSha256 } = loaded;
  if (opts.randomWeights) {
    // The untrained control: PyTorch's default initialization, seeded; the weights' digest names what was analysed.
    weightsSha256 = drawRandomWeights(loaded.model, opts.settings.seed);
  }
  const kernel = opts.kernel ?? { kind: 'full' };
  let analysable: AnalysableModel;
  if (loaded.kind === 'factorized-lstm') {
    const symbols = config.normalization.alphabet;
    const restrict = kernelRestriction(kernel, symbols);
    analysable = factorizedAnalysable(loaded.model, gemm, restrict, weightsSha256, symbols);
  } else {
    if (kernel.kind !== 'full') {
      throw new UserError(
        `--kernel and --basis are for factorized-lstm models; ${opts.model} is a ${config.cell} model`,
      );
    }
    analysable = charLmAnalysable(loaded.model, gemm, weightsSha256);
  }
  if (opts.randomWeights) analysable = withRandomWeights(analysable, opts.settings.seed);
  const state: StateKind = opts.state ?? (config.cell === 'lstm' ? 'c' : 'h');
  analysable.stateSource(state); // throws the one-line error for --state c on a GRU, before the corpus is read
  const layers = checkedLayers(opts.layers, config.layers);

  const { corpus, text } = await loadModelCorpus(opts.corpus, config, opts.segmentation, opts.autoSegmentation);
  checkAlphabetFit(text.text, config.normalization, text.source);
  if (corpus.alphabet.symbols.join('\u0000') !== config.normalization.alphabet.join('\u0000')) {
    throw new UserError(`${text.source}: the corpus alphabet differs from the model's`);
  }
  return {
    name: opts.model,
    description: describeModel(loaded),
    analysable,
    layerCount: config.layers,
    layers,
    state,
    weightsSha256,
    corpus,
    trainingCorpus: text.trainingCorpus,
    kernel: loaded.kind === 'factorized-lstm' ? kernel : undefined,
  };
}

/**
 * An n-gram model (modified Kneser–Ney) estimated on the corpus's training partition, read with the default
 * normalization: the paper's Figure 5 baseline for any corpus. Its one "layer" is the context it uses (state h).
 */
async function ngramSubject(opts: SignatureRunOptions, ngram: NgramChoice, io: CliIo): Promise<SignatureSubject> {
  if (opts.kernel && opts.kernel.kind !== 'full')
    throw new UserError('--kernel and --basis are for factorized-lstm models');
  if (opts.state === 'c') throw new UserError('an n-gram model has only its context state (use --state h)');
  if (opts.randomWeights) throw new UserError('--random-weights is for --model: an n-gram has no weights to draw');
  const layers = checkedLayers(opts.layers, 1);
  const { corpus, model, seconds } = await ngramOfCorpus(
    opts.corpus,
    opts.segmentation ?? opts.autoSegmentation,
    ngram,
  );
  const analysable = ngramAnalysable(model);
  const { label, weightsSha256 } = analysable.describe();
  writeLine(
    io.stderr,
    `estimated a ${label} on the train partition of ${corpus.record.source} in ${seconds.toFixed(1)} s: ${model.ngramCount} n-grams`,
  );
  return {
    name: `${ngram.order}-gram`,
    description: label,
    analysable,
    layerCount: 1,
    layers,
    state: 'h',
    weightsSha256: weightsSha256 ?? ngramDigest(model),
    corpus,
    trainingCorpus: false,
  };
}

/** The 1-based layers asked for (all when null), each checked against the model's count. */
function checkedLayers(asked: number[] | null, count: number): number[] {
  const layers = asked ?? Array.from({ length: count }, (_, k) => k + 1);
  for (const l of layers) {
    if (l > count) {
      throw new UserError(
        `--layers ${l}: the model has ${count} layer${count === 1 ? '' : 's'} (layers are numbered from 1)`,
      );
    }
  }
  return layers;
}

/** The layer restriction of a kernel choice; a bigram outside the alphabet is a UserError. */
function kernelRestriction(kernel: KernelChoice, symbols: readonly string[]): KernelRestriction {
  if (kernel.kind === 'full' || kernel.kind === 'base' || kernel.kind === 'none') return { kind: kernel.kind };
  const [index] = basesOfBigrams([kernel.bigram], symbols);
  return { kind: kernel.kind, index: index! };
}

/** Refuses to start when the run could not write its result: OUT exists (without --force) or is a directory. */
/** The decoders of a layer trained in this thread (as memorySignature does by default). */
function defaultRunner(gemm: Gemm): DecoderRunner {
  return async (data, config, hooks) => fitDecoders(gemm, data, config, { ...hooks, readShardFile });
}

/**
 * Gives the host's event loop a turn before each layer's decoders, and stops there when the signal is aborted: a
 * Ctrl-C that came while the previous layer trained (in this thread, which the SIGINT handler waits for) is acted
 * on as soon as that layer is finished and kept.
 */
function yieldingRunner(run: DecoderRunner, yieldToHost: () => Promise<void>): DecoderRunner {
  return async (data, config, hooks) => {
    await yieldToHost();
    if (hooks.signal?.aborted) throw hooks.signal.reason;
    return run(data, config, hooks);
  };
}

/**
 * What a resumed signature run says first: the finished layers it keeps (`done`: which, or null when the partial file
 * is not there), and whether the unfinished layer's decoders go on from their checkpoints (`checkpoints`: their folder).
 */
export function resumeLine(partial: string, done: string | null, checkpoints: string | null): string {
  const goOn = checkpoints && `the decoders of the unfinished layer go on from their last round (${checkpoints})`;
  if (done === null) {
    return goOn
      ? `no finished layer to resume (${partial} is not there); ${goOn}`
      : `no finished layer to resume (${partial} is not there): starting from the beginning`;
  }
  return `resuming from ${partial}: ${done} done${goOn ? `; ${goOn}` : ''}`;
}

/**
 * What a signature run stopped by Ctrl-C says (the layers kept, and the command that resumes), for the language-model
 * and speech paths alike; returns the interrupted outcome.
 */
export function reportStopped(
  io: CliIo,
  opts: { commandLine: string[]; json: boolean },
  finished: number,
  total: number,
  partial: string,
  /** The folder of the unfinished layer's decoder checkpoints, where it holds any. */
  decoderCheckpoints: string | null = null,
): SignatureOutcome {
  const decoders = `the decoders' finished rounds are kept in ${decoderCheckpoints}`;
  writeLine(
    io.stderr,
    finished === 0
      ? decoderCheckpoints
        ? `no layer was finished; ${decoders}`
        : 'no layer was finished: a resumed run starts from the beginning'
      : `${finished} of ${total} layer${total === 1 ? '' : 's'} finished, kept in ${partial}` +
          (decoderCheckpoints ? `; ${decoders}` : ''),
  );
  writeLine(io.stderr, `stopped; resume with: ${shellQuote([...opts.commandLine, '--resume'])}`);
  if (opts.json) writeLine(io.stdout, JSON.stringify({ interrupted: true, layersDone: finished, partial }));
  return { code: EXIT_INTERRUPTED };
}

/** What --decoder-seeds K costs, said before the work starts. */
export function decoderSeedsCostLine(seeds: number): string {
  return (
    `--decoder-seeds ${seeds}: every decoder trains ${seeds} times (${seeds} seeds on the same positions), so the ` +
    `decoders take about ${seeds}× the time of a one-seed signature (the states are read once)`
  );
}
