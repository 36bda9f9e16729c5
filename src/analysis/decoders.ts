// Memory-signature decoders (paper, section 4): with the language model frozen, decoder (δ, l) learns to predict
// the input symbol at t−δ from layer l's state at t. The Δ decoders of a layer train together (one shared first-layer
// GEMM, see decoder-net.ts), once per keep probability of the dropout sweep; each decoder keeps the keep
// probability and epoch with the best dev accuracy, and is scored on eval there.

import type { Gemm } from '../core/gemm.js';
import { argmaxRow, logSoftmaxRow } from '../core/loss.js';
import { Rng } from '../core/random.js';
import { type FeatureStats, featureStats, identityStats } from './decoder-kernels.js';
import { DecoderStack, decoderParameterCount } from './decoder-net.js';
import { DecoderTrainer, forEachChunk, type Partition, usedRows } from './decoder-train.js';

export { decoderParameterCount };

export interface DecoderData {
  /** Standardized or raw states, (N, D) row-major, one row per sampled position. */
  train: Float32Array;
  dev: Float32Array;
  eval: Float32Array;
  nTrain: number;
  nDev: number;
  nEval: number;
  D: number;
  /** labels[δ-1] (N) per partition: the symbol id at t−δ, or -1 where t−δ falls outside the segment (row unused for that δ). */
  trainLabels: Int32Array[];
  devLabels: Int32Array[];
  evalLabels: Int32Array[];
  /** Symbol count. */
  V: number;
}

export interface DecoderConfig {
  /** Hidden layer sizes; [] means "decide by the rule": resolve it with hiddenSizeByRule before fitDecoders. */
  hidden: number[];
  /** Keep probabilities swept, applied to the state and to every hidden layer. */
  keepProbs: number[];
  maxEpochs: number;
  /** A decoder stops after this many epochs without a better dev accuracy. */
  patience: number;
  batch: number;
  lr: number;
  seed: number;
  /** Standardize each state feature with the train partition's mean and std (applied to dev and eval too). */
  standardize: boolean;
}

export function defaultDecoderConfig(): DecoderConfig {
  return {
    hidden: [],
    keepProbs: [0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
    maxEpochs: 10,
    patience: 2,
    batch: 256,
    lr: 1e-3,
    seed: 1,
    standardize: true,
  };
}

/**
 * The paper's size rule: one hidden layer whose decoder parameter count (D·h + h + h·V + V) is at least `target`
 * (the analysed layer's kernel + input-projection parameter count, computed by the caller). The smallest such h ≥ 1.
 */
export function hiddenSizeByRule(D: number, V: number, target: number): number {
  for (const [name, v] of [
    ['D', D],
    ['V', V],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`hiddenSizeByRule: ${name} must be a positive integer`);
  }
  if (!Number.isFinite(target)) throw new RangeError(`hiddenSizeByRule: invalid target ${target}`);
  const count = (h: number) => decoderParameterCount(D, V, [h]);
  let h = Math.max(1, Math.ceil((target - V) / (D + 1 + V)));
  // The closed form is exact in integers; these steps only guard against floating-point rounding.
  while (h > 1 && count(h - 1) >= target) h--;
  while (count(h) < target) h++;
  return h;
}

/** Best dev accuracy of a decoder at one keep probability, and the epoch (1-based) where it was reached. */
export interface SweepPoint {
  keepProb: number;
  devAccuracy: number;
  epochs: number;
}

export interface DecoderOutcome {
  delta: number;
  keepProb: number;
  epochs: number;
  devAccuracy: number;
  /** Eval predictions (argmax) per eval row (-1 where the label is -1). */
  evalPredictions: Int32Array;
  /** Summed natural-log likelihood of the true labels over counted eval rows, and the count. */
  evalLogLikelihood: number;
  evalCount: number;
  trainCount: number;
  devCount: number;
  /** Trainable parameters of this decoder. */
  parameters: number;
  /** Every keep probability tried, in config order (keepProb/devAccuracy above are the best of these). */
  sweep: SweepPoint[];
}

export interface DecoderProgress {
  keepProb: number;
  epoch: number;
  maxEpochs: number;
  batch: number;
  batches: number;
  loss: number;
}

export interface DecoderHooks {
  onProgress?: (p: DecoderProgress) => void;
  /** Honoured between batches: fitDecoders throws the signal's reason. */
  signal?: AbortSignal;
}

/** One keep probability's run: per decoder its best dev epoch, and its eval scores at that epoch. */
export interface KeepProbRun {
  keepIndex: number;
  points: SweepPoint[];
  /** Per δ: eval predictions and log-likelihood at the best dev epoch (predictions −1 where unused). */
  evalPredictions: Int32Array[];
  evalLogLikelihood: number[];
}

/**
 * Trains and scores decoders δ = 1..Δ (Δ = trainLabels.length) on one layer's states; one outcome per δ.
 * Rows whose label for δ is −1 are no part of decoder δ's loss, gradient or scores; rows with no label at all are
 * skipped (and kept out of the standardization statistics). Deterministic for a seed and a GEMM backend, and the
 * same whether the keep probabilities run here one after another or in parallel (see decoder-pool.ts).
 */
export function fitDecoders(
  gemm: Gemm,
  data: DecoderData,
  config: DecoderConfig,
  hooks: DecoderHooks = {},
): DecoderOutcome[] {
  validate(data, config);
  const runs = config.keepProbs.map((_, k) => fitKeepProb(gemm, data, config, k, hooks));
  return mergeKeepProbRuns(data, config, runs);
}

/**
 * Trains the Δ decoders at keep probability config.keepProbs[keepIndex], with early stopping per decoder on dev
 * accuracy, and scores each on eval at its best dev epoch. Independent of the other keep probabilities: the initial
 * weights come from the seed alone and the dropout stream from (seed, keepIndex).
 */
export function fitKeepProb(
  gemm: Gemm,
  data: DecoderData,
  config: DecoderConfig,
  keepIndex: number,
  hooks: DecoderHooks = {},
): KeepProbRun {
  validate(data, config);
  const deltas = data.trainLabels.length;
  const keep = config.keepProbs[keepIndex]!;
  const train: Partition = { x: data.train, n: data.nTrain, labels: data.trainLabels };
  const dev: Partition = { x: data.dev, n: data.nDev, labels: data.devLabels };
  const evalPart: Partition = { x: data.eval, n: data.nEval, labels: data.evalLabels };
  const trainRows = usedRows(train);
  const devRows = usedRows(dev);
  const evalRows = usedRows(evalPart);
  const stats = config.standardize ? featureStats(data.train, data.D, trainRows) : identityStats(data.D);
  const stack = new DecoderStack(data.D, data.V, deltas, config.hidden, config.batch);
  const root = new Rng(config.seed);
  stack.initialize(root.fork(0)); // the same initial weights at every keep probability
  const trainer = new DecoderTrainer(gemm, stack, stats, keep, config.lr, root.fork(keepIndex + 1));
  const run: KeepProbRun = {
    keepIndex,
    points: Array.from({ length: deltas }, () => ({
      keepProb: keep,
      devAccuracy: Number.NEGATIVE_INFINITY,
      epochs: 0,
    })),
    evalPredictions: Array.from({ length: deltas }, () => new Int32Array(data.nEval).fill(-1)),
    evalLogLikelihood: new Array<number>(deltas).fill(0),
  };
  const waiting = new Int32Array(deltas); // epochs since the decoder's last dev improvement
  for (let epoch = 1; epoch <= config.maxEpochs; epoch++) {
    trainer.trainEpoch(train, trainRows, {
      signal: hooks.signal,
      onBatch: hooks.onProgress
        ? (b) => hooks.onProgress?.({ keepProb: keep, epoch, maxEpochs: config.maxEpochs, ...b })
        : undefined,
    });
    const accuracy = devAccuracies(gemm, stack, stats, dev, devRows, hooks.signal);
    const improved: number[] = [];
    for (let d = 0; d < deltas; d++) {
      if (waiting[d]! >= config.patience) continue; // stopped early: its best epoch is behind it
      if (accuracy[d]! > run.points[d]!.devAccuracy) {
        run.points[d]!.devAccuracy = accuracy[d]!;
        run.points[d]!.epochs = epoch;
        waiting[d] = 0;
        improved.push(d);
      } else {
        waiting[d]++;
      }
    }
    if (improved.length > 0) recordEval(gemm, stack, stats, evalPart, evalRows, run, improved, hooks.signal);
    if (waiting.every((w) => w >= config.patience)) break;
  }
  return run;
}

/** Per δ, the keep probability with the best dev accuracy (the first in config order on a tie), scored on eval. */
export function mergeKeepProbRuns(data: DecoderData, config: DecoderConfig, runs: KeepProbRun[]): DecoderOutcome[] {
  const deltas = data.trainLabels.length;
  const parameters = decoderParameterCount(data.D, data.V, config.hidden);
  const ordered = [...runs].sort((a, b) => a.keepIndex - b.keepIndex);
  return Array.from({ length: deltas }, (_, d) => {
    let best = ordered[0]!;
    for (const run of ordered) if (run.points[d]!.devAccuracy > best.points[d]!.devAccuracy) best = run;
    const point = best.points[d]!;
    return {
      delta: d + 1,
      keepProb: point.keepProb,
      epochs: point.epochs,
      devAccuracy: point.devAccuracy,
      evalPredictions: best.evalPredictions[d]!,
      evalLogLikelihood: best.evalLogLikelihood[d]!,
      evalCount: countLabels(data.evalLabels[d]!),
      trainCount: countLabels(data.trainLabels[d]!),
      devCount: countLabels(data.devLabels[d]!),
      parameters,
      sweep: ordered.map((r) => ({ ...r.points[d]! })),
    };
  });
}

/** Dev accuracy of each decoder (0 for a decoder with no dev target). */
function devAccuracies(
  gemm: Gemm,
  stack: DecoderStack,
  stats: FeatureStats,
  dev: Partition,
  rows: Int32Array,
  signal?: AbortSignal,
): Float64Array {
  const correct = new Float64Array(stack.deltas);
  const count = new Float64Array(stack.deltas);
  const V = stack.V;
  forEachChunk(
    gemm,
    stack,
    stats,
    dev,
    rows,
    (start, nb) => {
      for (let d = 0; d < stack.deltas; d++) {
        const logits = stack.logits(d + 1);
        const labels = dev.labels[d];
        for (let i = 0; i < nb; i++) {
          const t = labels[rows[start + i]];
          if (t === -1) continue;
          count[d]++;
          if (argmaxRow(logits, i * V, V) === t) correct[d]++;
        }
      }
    },
    signal,
  );
  return correct.map((c, d) => (count[d] > 0 ? c / count[d] : 0));
}

/** Scores the listed decoders on eval with the current weights: their eval predictions and log-likelihood. */
function recordEval(
  gemm: Gemm,
  stack: DecoderStack,
  stats: FeatureStats,
  evalPart: Partition,
  rows: Int32Array,
  run: KeepProbRun,
  record: readonly number[],
  signal?: AbortSignal,
): void {
  const V = stack.V;
  const logProbs = new Float64Array(V);
  const ll = new Float64Array(stack.deltas);
  forEachChunk(
    gemm,
    stack,
    stats,
    evalPart,
    rows,
    (start, nb) => {
      for (const d of record) {
        const logits = stack.logits(d + 1);
        const labels = evalPart.labels[d]!;
        const predictions = run.evalPredictions[d]!;
        for (let i = 0; i < nb; i++) {
          const row = rows[start + i]!;
          const t = labels[row]!;
          if (t === -1) continue;
          predictions[row] = argmaxRow(logits, i * V, V);
          ll[d] += logits[i * V + t]! - logSoftmaxRow(logits, i * V, V, logProbs);
        }
      }
    },
    signal,
  );
  for (const d of record) run.evalLogLikelihood[d] = ll[d]!;
}

function countLabels(labels: Int32Array): number {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== -1) n++;
  return n;
}

function validate(data: DecoderData, config: DecoderConfig): void {
  const { D, V } = data;
  if (!(Number.isInteger(D) && D >= 1)) throw new RangeError(`fitDecoders: invalid D ${D}`);
  if (!(Number.isInteger(V) && V >= 1)) throw new RangeError(`fitDecoders: invalid V ${V}`);
  const deltas = data.trainLabels.length;
  if (deltas < 1) throw new RangeError('fitDecoders: no δ (trainLabels is empty)');
  const parts = [
    ['train', data.train, data.nTrain, data.trainLabels],
    ['dev', data.dev, data.nDev, data.devLabels],
    ['eval', data.eval, data.nEval, data.evalLabels],
  ] as const;
  for (const [name, x, n, labels] of parts) {
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`fitDecoders: invalid ${name} row count ${n}`);
    if (x.length < n * D) throw new RangeError(`fitDecoders: ${name} has ${x.length} values, needs ${n}·${D}`);
    if (labels.length !== deltas) {
      throw new RangeError(`fitDecoders: ${name} has labels for ${labels.length} δ, train for ${deltas}`);
    }
    labels.forEach((l, d) => {
      if (l.length < n) throw new RangeError(`fitDecoders: ${name} labels for δ=${d + 1} have ${l.length} < ${n}`);
      for (let i = 0; i < n; i++) {
        if (!(l[i] >= -1 && l[i] < V)) {
          throw new RangeError(`fitDecoders: ${name} label ${l[i]} (δ=${d + 1}, row ${i}) not in [-1, ${V})`);
        }
      }
    });
  }
  const { hidden, keepProbs } = config;
  if (hidden.length === 0) throw new RangeError('fitDecoders: hidden is empty; resolve it with hiddenSizeByRule');
  if (!hidden.every((h) => Number.isInteger(h) && h >= 1))
    throw new RangeError(`fitDecoders: invalid hidden ${hidden}`);
  if (keepProbs.length === 0 || !keepProbs.every((k) => k > 0 && k <= 1)) {
    throw new RangeError(`fitDecoders: keep probabilities must lie in (0, 1], got ${keepProbs}`);
  }
  for (const [name, v] of [
    ['maxEpochs', config.maxEpochs],
    ['patience', config.patience],
    ['batch', config.batch],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`fitDecoders: ${name} must be a positive integer`);
  }
  if (!(config.lr > 0)) throw new RangeError(`fitDecoders: invalid lr ${config.lr}`);
}
