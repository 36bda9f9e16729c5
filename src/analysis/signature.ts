// memorySignature(): the paper's method end to end. Sample positions, read the frozen model's states there, train
// the Δ decoders of each layer, and compile accuracies, per-symbol recall, chance, bits and intervals.

import { UserError } from '../core/errors.js';
import type { Gemm } from '../core/gemm.js';
import { Rng } from '../core/random.js';
import type { EncodedPartition, PreparedCorpus } from '../data/corpus.js';
import type { AnalysableModel } from './analysable-model.js';
import { assessConvergence, CONVERGENCE_TOLERANCE } from './convergence.js';
import type { DecoderCheckpointStore } from './decoder-checkpoint.js';
import {
  type DecoderConfig,
  type DecoderData,
  type DecoderHooks,
  type DecoderOutcome,
  type DecoderProgress,
  decoderParameterCount,
  decoderSettings,
  defaultDecoderConfig,
  fitDecoders,
  hiddenSizeByRule,
} from './decoders.js';
import { bigramTarget, type LabelTarget, standInSymbols } from './label-targets.js';
import { buildDeltaSignature } from './metrics.js';
import { modelStateReader } from './position-states.js';
import { labelCount, type SampledPositions, samplePositions } from './positions.js';
import {
  type LayerSignature,
  SIGNATURE_FORMAT,
  SIGNATURE_VERSION,
  type Signature,
  type StateKind,
} from './signature-types.js';
import { describeTextBaseline, measureTextBaseline } from './text-baseline.js';
import type { ShardFileStore, TrainStates } from './train-states.js';

export interface SignatureOptions {
  maxDelta: number;
  /** 0-based layers to analyse, or null for all. */
  layers: number[] | null;
  state: StateKind;
  trainPositions: number;
  devPositions: number;
  evalPositions: number;
  seed: number;
  decoder: DecoderConfig;
  /** A decoder whose accuracy more data or epochs would still raise by more than this is marked not converged. */
  convergenceTolerance: number;
  /**
   * Train states larger than this (bytes, all analysed layers together) go to shard files (SignatureHooks.shardFiles)
   * instead of memory; the decoders then read one shard at a time.
   */
  stateMemoryBytes: number;
  /**
   * What the decoders name (absent: the symbol δ back): `bigram`, the pair of symbols ending δ back, as one of the
   * `top` most frequent pairs of the train partition or "other" (the paper's future work, section 9).
   */
  target?: { kind: 'bigram'; top: number };
}

export function defaultSignatureOptions(): SignatureOptions {
  return {
    maxDelta: 10,
    layers: null,
    state: 'c',
    trainPositions: 4_000_000,
    // 80,000: two standard errors of the data gain about 0.2 point at mid δ, so that gains near the tolerance show.
    devPositions: 80_000,
    evalPositions: 40_000,
    seed: 1,
    decoder: defaultDecoderConfig(),
    convergenceTolerance: CONVERGENCE_TOLERANCE,
    stateMemoryBytes: 512 * 2 ** 20,
  };
}

export type SignatureProgress =
  | { phase: 'states'; partition: 'train' | 'dev' | 'eval'; done: number; total: number }
  | { phase: 'forward' }
  | { phase: 'decoders'; layer: number; layerIndex: number; layerCount: number; decoder: DecoderProgress }
  | { phase: 'layer-done'; layer: LayerSignature };

export interface SignatureHooks {
  gemm: Gemm;
  onProgress?: (p: SignatureProgress) => void;
  signal?: AbortSignal;
  /** Layers finished by an earlier, interrupted run with the same inputs: reused, not retrained. */
  completedLayers?: LayerSignature[];
  /** memsig's version, recorded in the signature. */
  generator?: string;
  /** Awaited regularly during long work, so that the host's event loop (e.g. a Ctrl-C handler) can run. */
  yieldToHost?: () => Promise<void>;
  /** Trains the decoders of one layer (default: fitDecoders in this thread). */
  decoderRunner?: DecoderRunner;
  /** Where train states beyond options.stateMemoryBytes go (without it, they stay in memory whatever their size). */
  shardFiles?: ShardFileStore;
  /** Where the decoders of layer `layer` (1-based) keep their checkpoints, so that a stopped run resumes mid-layer. */
  decoderCheckpoints?: (layer: number) => DecoderCheckpointStore;
}

/** How the decoders of a layer get trained: in this thread, or spread over worker threads (see decoder-pool.ts). */
export type DecoderRunner = (
  data: DecoderData,
  config: DecoderConfig,
  hooks: DecoderHooks,
) => Promise<DecoderOutcome[]>;

export async function memorySignature(
  model: AnalysableModel,
  corpus: PreparedCorpus,
  options: SignatureOptions,
  hooks: SignatureHooks,
): Promise<Signature> {
  const { maxDelta, state } = options;
  const alphabet = corpus.alphabet.symbols;
  if (model.vocab !== alphabet.length) {
    throw new UserError(
      `the model has ${model.vocab} symbols but the corpus alphabet has ${alphabet.length}: they must match`,
    );
  }
  if (!Number.isSafeInteger(maxDelta) || maxDelta < 1) {
    throw new UserError(`--max-delta must be a whole number ≥ 1 (got ${maxDelta})`);
  }
  const layers = options.layers ?? Array.from({ length: model.layers }, (_, k) => k);
  for (const k of layers) {
    if (!Number.isInteger(k) || k < 0 || k >= model.layers) {
      throw new UserError(`layer ${k + 1} does not exist: the model has ${model.layers} layer(s)`);
    }
  }
  const reader =
    model.stateReader?.(state, corpus.partitions) ?? modelStateReader(model.stateSource(state), corpus.partitions);

  const rng = new Rng(options.seed);
  const parts = ['train', 'dev', 'eval'] as const;
  const counts = { train: options.trainPositions, dev: options.devPositions, eval: options.evalPositions };
  const positions = {} as Record<(typeof parts)[number], SampledPositions>;
  // Pairs: the same positions (their draw does not depend on Δ), labelled with the pair ending δ back, which needs
  // the symbol δ + 1 back too.
  const pairs =
    options.target?.kind === 'bigram'
      ? bigramTarget(alphabet, segmentsOf(corpus.partitions.train), options.target.top)
      : null;
  for (const [i, part] of parts.entries()) {
    const p = corpus.partitions[part];
    const sampled = samplePositions(p, counts[part], maxDelta + (pairs ? 1 : 0), rng.fork(i + 1));
    positions[part] = pairs ? pairLabels(sampled, p.ids, pairs, maxDelta) : sampled;
  }
  // The classes the decoders choose among: the symbols, or the pairs under a stand-in symbol each.
  const classes = pairs ? standInSymbols(pairs.names.length) : alphabet;
  for (const part of parts) {
    if (labelCount(positions[part], maxDelta) === 0) {
      throw new UserError(
        `--max-delta ${maxDelta} is longer than every segment of the ${part} partition: no position has ${maxDelta} symbols of history`,
      );
    }
  }

  // What the text alone explains per δ on the eval positions; counted before the states take their memory.
  const textBaseline = pairs ? null : measureTextBaseline(corpus.partitions, positions.eval, maxDelta, alphabet.length);

  const runDecoders: DecoderRunner =
    hooks.decoderRunner ??
    (async (data, config, h) => fitDecoders(hooks.gemm, data, config, { ...h, readShardFile: hooks.shardFiles?.read }));
  const done = new Map((hooks.completedLayers ?? []).map((l) => [l.layer - 1, l]));
  const todo = layers.filter((k) => !done.has(k));
  const extractOptions = (part: (typeof parts)[number]) => ({
    signal: hooks.signal,
    yieldToHost: hooks.yieldToHost,
    onProgress: (p: { chunks: number; totalChunks: number }) =>
      hooks.onProgress?.({ phase: 'states', partition: part, done: p.chunks, total: p.totalChunks }),
  });
  // The train states dealt into shards as they are read: every layer at once in memory, or, beyond the memory
  // budget, one layer at a time in shard files (removed after its decoders), so that the disk holds one layer.
  const trainBytes = positions.train.index.length * todo.reduce((a, k) => a + model.stateSizes[k]!, 0) * 4;
  const files = hooks.shardFiles && trainBytes > options.stateMemoryBytes ? hooks.shardFiles : null;
  const extractTrain = (which: number[]) =>
    reader.train(
      positions.train,
      which,
      rng.fork(4), // the same deal for every layer
      files ? 0 : Number.POSITIVE_INFINITY,
      files,
      extractOptions('train'),
    );
  const inMemory: TrainStates | null = todo.length && !files ? await extractTrain(todo) : null;
  const states = {} as Record<'dev' | 'eval', Float32Array[]>;
  for (const part of ['dev', 'eval'] as const) {
    states[part] = todo.length ? await reader.dense(part, positions[part], todo, extractOptions(part)) : [];
  }
  hooks.onProgress?.({ phase: 'forward' });
  // The next-symbol strip is per symbol: it has no place beside pairs.
  const forward = pairs ? null : model.forwardAccuracy(corpus.partitions.eval, alphabet);

  const result: LayerSignature[] = [];
  for (const [layerIndex, k] of layers.entries()) {
    const previous = done.get(k);
    if (previous) {
      result.push(previous);
      continue;
    }
    const t = todo.indexOf(k);
    const train = inMemory ?? (await extractTrain([k]));
    const j = inMemory ? t : 0;
    const D = model.stateSizes[k]!;
    const V = classes.length;
    const given = options.decoder.hidden.length > 0;
    const hidden = given ? options.decoder.hidden : [hiddenSizeByRule(D, V, model.layerParameterCount(k))];
    let outcomes: DecoderOutcome[];
    try {
      outcomes = await runDecoders(
        {
          train: train.layers[j]!.rows,
          shards: train.layers[j]!.shards,
          dev: states.dev[t]!,
          eval: states.eval[t]!,
          nTrain: positions.train.index.length,
          nDev: positions.dev.index.length,
          nEval: positions.eval.index.length,
          D,
          trainLabels: train.labels,
          devLabels: positions.dev.labels,
          evalLabels: positions.eval.labels,
          V,
        },
        { ...options.decoder, hidden, seed: options.seed + 1000 * (k + 1) },
        {
          signal: hooks.signal,
          checkpoints: hooks.decoderCheckpoints?.(k + 1),
          onProgress: (decoder) =>
            hooks.onProgress?.({ phase: 'decoders', layer: k + 1, layerIndex, layerCount: layers.length, decoder }),
        },
      );
    } finally {
      if (!inMemory) for (const l of train.layers) files!.remove(l.shards.files ?? []);
    }
    const layerSig: LayerSignature = {
      layer: k + 1,
      stateSize: D,
      decoder: { hidden, parameters: decoderParameterCount(D, V, hidden), rule: given ? 'given' : 'paper-rule' },
      deltas: outcomes.map((outcome, i) => ({
        ...buildDeltaSignature({
          delta: i + 1,
          alphabet: classes,
          trainLabels: positions.train.labels[i]!,
          devLabels: positions.dev.labels[i]!,
          evalLabels: positions.eval.labels[i]!,
          outcome,
        }),
        convergence: { ...assessConvergence(outcome.curve, options.convergenceTolerance), curve: outcome.curve },
        ...(textBaseline && {
          textBaseline: describeTextBaseline(textBaseline[i]!, positions.eval.labels[i]!, outcome.evalPredictions, V),
        }),
      })),
    };
    hooks.onProgress?.({ phase: 'layer-done', layer: layerSig });
    result.push(layerSig);
  }

  const { record } = corpus;
  const d = options.decoder;
  return {
    format: SIGNATURE_FORMAT,
    version: SIGNATURE_VERSION,
    generator: hooks.generator ?? 'memsig',
    model: model.describe(),
    corpus: {
      source: record.source,
      sha256: record.sha256,
      segmentation: record.segmentation,
      split: record.split,
      symbols: record.symbols,
      maxChars: record.maxChars,
    },
    alphabet: [...classes],
    ...(pairs && { target: { kind: 'bigram' as const, classes: [...pairs.names] } }),
    state,
    maxDelta,
    settings: decoderSettings(
      options.seed,
      { train: positions.train.index.length, dev: positions.dev.index.length, eval: positions.eval.index.length },
      d,
      options.convergenceTolerance,
    ),
    forward,
    layers: result,
  };
}

/** The segments of a partition, as views of its ids. */
function* segmentsOf(p: EncodedPartition): Iterable<ArrayLike<number>> {
  for (let s = 0; s + 1 < p.starts.length; s++) yield p.ids.subarray(p.starts[s]!, p.starts[s + 1]!);
}

/**
 * Positions sampled with Δ + 1 symbol labels, relabelled with pairs: label δ is the class of (x_{t−δ−1}, x_{t−δ}),
 * −1 where the segment does not reach back δ + 1 symbols.
 */
function pairLabels(
  p: SampledPositions,
  ids: ArrayLike<number>,
  pairs: LabelTarget,
  maxDelta: number,
): SampledPositions {
  const labels = Array.from({ length: maxDelta }, (_, d) => {
    const before = p.labels[d + 1]!;
    const out = new Int32Array(p.index.length);
    for (let i = 0; i < out.length; i++) {
      const j = p.index[i]! - (d + 1);
      out[i] = before[i] === -1 ? -1 : pairs.classOf(ids, j, j - 1);
    }
    return out;
  });
  return { index: p.index, labels };
}
