// Memory-signature decoders (paper, section 4): with the language model frozen, decoder (δ, l) learns to predict
// the input symbol at t−δ from layer l's state at t. The Δ decoders of a layer train together (one shared first-layer
// GEMM, see decoder-net.ts). The dropout sweep is successive halving: every keep probability trains for a rung of
// `sweepEpochs` epochs, and only the `finalists` with the best mean dev accuracy over δ train on to convergence: first
// on a random half of the train positions, then on all of them (the learning curve in data, see convergence.ts), each
// stage until its dev accuracy plateaus at a decayed learning rate (decoder-schedule.ts). Each decoder keeps the run
// and epoch with the best dev accuracy among everything trained, and is scored on eval there.

import type { Gemm } from '../core/gemm.js';
import { argmaxRow, logSoftmaxRow } from '../core/loss.js';
import { Rng } from '../core/random.js';
import type { LearningCurve } from './convergence.js';
import {
  type DecoderCheckpointStore,
  type DecoderRunCheckpoint,
  type DecoderRunKey,
  labelsFingerprint,
} from './decoder-checkpoint.js';
import { type FeatureStats, identityStats } from './decoder-kernels.js';
import { DecoderStack, decoderParameterCount } from './decoder-net.js';
import { PlateauSchedule, type ScheduleConfig, stageRoundCap } from './decoder-schedule.js';
import { DecoderTrainer, forEachChunk, type Partition, usedRows } from './decoder-train.js';
import type { DecoderResult } from './metrics.js';
import type { DecoderSettings } from './signature-types.js';
import {
  dealToShards,
  ShardRowStream,
  shardCount,
  shardFeatureStats,
  shardOffsets,
  shardPlaces,
  type TrainShards,
} from './train-shards.js';
import { standardizedCovariance, WHITENING_MIN_ROWS_PER_FEATURE, whiteningMatrix } from './whitening.js';

export { decoderParameterCount };

/**
 * How the train rows are dealt into shards (train-shards.ts): trainLabels are in shard order, shard s being rows
 * offsets[s] .. offsets[s+1]. The states are either `train` in that same order, or `train` in its own order with
 * `physical` mapping each shard-order row to its row there, or (files) one file per shard of (rows, D) float32 rows,
 * `train` then unused. `stats`: the train rows' feature statistics, precomputed (required with files).
 */
export interface DecoderShards {
  offsets: Int32Array;
  physical: Int32Array | null;
  files: string[] | null;
  stats: FeatureStats | null;
}

export interface DecoderData {
  /** Standardized or raw states, (N, D) row-major, one row per sampled position (see `shards` for the order). */
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
  /** The train rows' shards; absent: dealt at random from the config's seed (prepareTrainShards). */
  shards?: DecoderShards;
}

export interface DecoderConfig extends ScheduleConfig {
  /** Hidden layer sizes; [] means "decide by the rule": resolve it with hiddenSizeByRule before fitDecoders. */
  hidden: number[];
  /** No hidden layer: each decoder is linear (softmax regression on the state); hidden must then be []. */
  linear?: boolean;
  /** Keep probabilities swept, applied to the state and to every hidden layer. */
  keepProbs: number[];
  /** Epochs of the sweep's first rung, which every keep probability trains (on the first stage's positions). */
  sweepEpochs: number;
  /** Keep probabilities that train on to convergence after the rung: those with the best mean dev accuracy. */
  finalists: number;
  /** Train on a random half of the train positions first, then on all: measures what more data would add. */
  halfStage: boolean;
  /**
   * The Δ decoders train as this many independent stacks of consecutive δ (each its own job), so that a lone
   * finalist still keeps every core busy with its JavaScript passes, not only its GEMMs. Part of the method (the
   * dropout streams depend on it), not of the machine: results are the same on any number of threads.
   */
  groups: number;
  /** The largest minibatch (smaller on small samples: see effectiveBatch). */
  batch: number;
  /**
   * Train positions per "epoch" of the schedule: the dev accuracy is checked, and the learning-rate schedule
   * advances, after every this many positions, or after every pass over the stage's positions when they are fewer.
   * On a large partition a whole pass is too coarse a step for the schedule (0: always whole passes).
   */
  roundPositions: number;
  lr: number;
  seed: number;
  /** Standardize each state feature with the train partition's mean and std (applied to dev and eval too). */
  standardize: boolean;
  /** Then whiten the standardized state (ZCA, from the train states' covariance; whitening.ts). */
  whiten: boolean;
}

/** Fewest minibatch steps an epoch takes: on a small sample the minibatch shrinks (to 32 at least) to keep them. */
const MIN_STEPS_PER_EPOCH = 64;

/** The minibatch used on `rows` train rows: `batch`, or less on a small sample (see MIN_STEPS_PER_EPOCH). */
export function effectiveBatch(batch: number, rows: number): number {
  return Math.max(1, Math.min(batch, Math.max(32, Math.floor(rows / MIN_STEPS_PER_EPOCH))));
}

export function defaultDecoderConfig(): DecoderConfig {
  return {
    hidden: [],
    keepProbs: [0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
    sweepEpochs: 1,
    finalists: 1,
    halfStage: true,
    groups: 2,
    maxEpochs: 20,
    epochsPerRate: 3,
    patience: 1,
    lrDecay: 0.2,
    decays: 2,
    minImprovement: 0.001,
    // 256 rather than 1024: at the same rows and time it recalled 1.5–1.9 points more at δ = 4–6 on the Figure 1 GRU
    // (more steps per row; 128 gained nothing more; docs/convergence.md).
    batch: 256,
    roundPositions: 500_000,
    lr: 3e-3,
    seed: 1,
    standardize: true,
    // At the same rows and time, whitened input recalled 1.3–2.8 points more at δ = 3–6 on the Figure 1 GRU
    // (docs/convergence.md, "Whitened input").
    whiten: true,
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

/**
 * Best dev accuracy of a decoder at one keep probability, and the epoch (1-based, counted over all its stages)
 * where it was reached (on a tie, the epoch with the lower dev cross-entropy).
 */
export interface SweepPoint {
  keepProb: number;
  devAccuracy: number;
  epochs: number;
}

/** A trained decoder: what a signature reads of it (DecoderResult), and how it was trained. */
export interface DecoderOutcome extends DecoderResult {
  delta: number;
  trainCount: number;
  devCount: number;
  /** Trainable parameters of this decoder. */
  parameters: number;
  /**
   * Every keep probability tried, in config order: a finalist's best dev accuracy over all its epochs, the others'
   * after the sweep's rung (keepProb/devAccuracy above are the best of these).
   */
  sweep: SweepPoint[];
  /** The winning run's learning curves (dev accuracy per epoch and stage). */
  curve: LearningCurve;
}

export interface DecoderProgress {
  keepProb: number;
  /** 'rung': the sweep's first rung; 'half' and 'full': a finalist's stages. */
  stage: 'rung' | 'half' | 'full';
  /** The δ trained by this run (its group): first and last; and how many groups the Δ decoders train in. */
  deltas: [number, number];
  groups: number;
  epoch: number;
  /** The most epochs (rounds) this stage can train: the sum of its rates' caps, or the rung's epochs. */
  maxEpochs: number;
  batch: number;
  batches: number;
  loss: number;
  lr: number;
}

export interface DecoderHooks {
  onProgress?: (p: DecoderProgress) => void;
  /** Reads a shard file (DecoderShards.files) whole into `into` (or a larger array): Node's file system, via io/. */
  readShardFile?: (path: string, into: Float32Array) => Float32Array;
  /** Honoured between batches: fitDecoders throws the signal's reason. */
  signal?: AbortSignal;
  /** Where runs keep a checkpoint after every round and take up from one (decoder-checkpoint.ts). */
  checkpoints?: DecoderCheckpointStore;
}

/** One run of one keep probability: per decoder its best dev epoch, and its eval scores at that epoch. */
export interface KeepProbRun {
  keepIndex: number;
  /** The δ group trained (see DecoderConfig.groups); the decoders here are δ = firstDelta .. firstDelta + n − 1. */
  group: number;
  firstDelta: number;
  /** Trained to convergence (a finalist), or only the sweep's rung. */
  final: boolean;
  points: SweepPoint[];
  /** Per δ: eval predictions and log-likelihood at the best dev epoch (predictions −1 where unused). */
  evalPredictions: Int32Array[];
  evalLogLikelihood: number[];
  /** Per δ, dev accuracy per epoch of each stage. */
  curves: LearningCurve[];
}

/** A keep probability's run on one δ group: the sweep's rung only, or (final) all the way to convergence. */
export interface KeepProbJob {
  keepIndex: number;
  final: boolean;
  group: number;
}

/** The δ groups: [first, end) 0-based decoder indices, consecutive, sizes differing by at most one. */
export function deltaGroups(deltas: number, groups: number): [number, number][] {
  const g = Math.max(1, Math.min(groups, deltas));
  return Array.from({ length: g }, (_, i) => [Math.floor((i * deltas) / g), Math.floor(((i + 1) * deltas) / g)]);
}

function jobsFor(config: DecoderConfig, deltas: number, keepIndices: number[], final: boolean): KeepProbJob[] {
  const groups = deltaGroups(deltas, config.groups).length;
  return keepIndices.flatMap((keepIndex) =>
    Array.from({ length: groups }, (_, group) => ({ keepIndex, final, group })),
  );
}

/** The runs of one (keep probability, final) on every δ group, joined into one run over all δ. */
export function joinGroupRuns(runs: readonly KeepProbRun[]): KeepProbRun[] {
  const byKey = new Map<string, KeepProbRun[]>();
  for (const r of runs) {
    const key = `${r.keepIndex}:${r.final}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  return [...byKey.values()].map((parts) => {
    const sorted = [...parts].sort((a, b) => a.firstDelta - b.firstDelta);
    return {
      keepIndex: sorted[0]!.keepIndex,
      final: sorted[0]!.final,
      group: 0,
      firstDelta: 1,
      points: sorted.flatMap((r) => r.points),
      evalPredictions: sorted.flatMap((r) => r.evalPredictions),
      evalLogLikelihood: sorted.flatMap((r) => r.evalLogLikelihood),
      curves: sorted.flatMap((r) => r.curves),
    };
  });
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
  data = prepareInputStats(prepareTrainShards(data, config.seed), config, hooks);
  const run = (jobs: KeepProbJob[]) =>
    joinGroupRuns(jobs.map((j) => fitKeepProb(gemm, data, config, j.keepIndex, j.final, hooks, j.group)));
  const rung = run(rungJobs(config, data.trainLabels.length));
  const finals = run(finalJobs(config, data.trainLabels.length, rung));
  return mergeKeepProbRuns(data, config, [...rung, ...finals]);
}

/** The sweep's first rung: every keep probability, unless there are no more of them than finalists. */
export function rungJobs(config: DecoderConfig, deltas: number): KeepProbJob[] {
  if (config.keepProbs.length <= config.finalists) return [];
  return jobsFor(
    config,
    deltas,
    config.keepProbs.map((_, k) => k),
    false,
  );
}

/**
 * The finalists after the rung: the keep probabilities with the best mean dev accuracy over δ (on a tie, the first
 * in config order); all of them when the rung was skipped.
 */
export function finalJobs(config: DecoderConfig, deltas: number, rung: readonly KeepProbRun[]): KeepProbJob[] {
  const all = config.keepProbs.map((_, k) => k);
  if (rung.length === 0) return jobsFor(config, deltas, all, true);
  const mean = (r: KeepProbRun) => r.points.reduce((a, p) => a + Math.max(0, p.devAccuracy), 0) / r.points.length;
  const ranked = [...rung].sort((a, b) => mean(b) - mean(a) || a.keepIndex - b.keepIndex);
  const finalists = ranked
    .slice(0, config.finalists)
    .map((r) => r.keepIndex)
    .sort((a, b) => a - b);
  return jobsFor(config, deltas, finalists, true);
}

/**
 * The data with its train rows dealt into shards (train-shards.ts) at random from `seed`, unless they already are:
 * the labels are copied into shard order and the states stay where they are (DecoderShards.physical). The first half
 * of the shards is the half stage's random half of the positions, the same for every group and keep probability.
 */
export function prepareTrainShards(data: DecoderData, seed: number): DecoderData {
  if (data.shards) return data;
  // Rows with no label at all are left out: they would only cost time, and the deal is then the same with or
  // without them.
  const rows = usedRows({ x: data.train, n: data.nTrain, labels: data.trainLabels });
  const n = rows.length;
  const k = shardCount(n);
  const offsets = shardOffsets(n, k);
  const place = shardPlaces(dealToShards(n, k, new Rng(seed).fork(7919)), offsets);
  const physical = new Int32Array(n);
  for (let i = 0; i < n; i++) physical[place[i]!] = rows[i]!;
  const trainLabels = data.trainLabels.map((l) => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[place[i]!] = l[rows[i]!]!;
    return out;
  });
  return { ...data, nTrain: n, trainLabels, shards: { offsets, physical, files: null, stats: null } };
}

/**
 * The input transform of every decoder of the data, whatever its group or keep probability: the standardization
 * statistics of every train row with a label for any δ (or those the states were stored with), then the whitening of
 * the standardized states when the config asks for it. Prepared data (prepareInputStats) carries them already.
 */
function inputStats(data: DecoderData, config: DecoderConfig, shards: TrainShards): FeatureStats {
  if (!config.standardize) return identityStats(data.D);
  const known = data.shards!.stats;
  if (known && (known.whitening !== undefined || !config.whiten)) return known;
  const used = usedBy(usedMask(data.trainLabels, data.nTrain));
  const stats = known ?? shardFeatureStats(shards, used);
  if (!config.whiten) return stats;
  const { covariance, rows } = standardizedCovariance(shards, stats, used);
  if (rows < WHITENING_MIN_ROWS_PER_FEATURE * data.D) return { ...stats, whitening: null };
  return { ...stats, whitening: whiteningMatrix(covariance, data.D) };
}

/**
 * Prepared data (prepareTrainShards) with the decoders' input statistics computed once, here, rather than by every
 * keep probability's run: the whitening's covariance and eigendecomposition take seconds.
 */
export function prepareInputStats(data: DecoderData, config: DecoderConfig, hooks: DecoderHooks = {}): DecoderData {
  const stats = inputStats(data, config, trainShardsOf(data, hooks));
  return { ...data, shards: { ...data.shards!, stats } };
}

/** The shards of prepared data as a reader of train rows. */
function trainShardsOf(data: DecoderData, hooks: DecoderHooks): TrainShards {
  const shards = data.shards!;
  const { D } = data;
  const { offsets, files } = shards;
  if (files) {
    const read = hooks.readShardFile;
    if (!read) throw new Error('fitDecoders: the train states are in files but no readShardFile hook was given');
    return { D, offsets, read: (s, into) => read(files[s]!, into.subarray(0, (offsets[s + 1]! - offsets[s]!) * D)) };
  }
  if (shards.physical) return { D, offsets, physical: shards.physical, read: () => data.train };
  return { D, offsets, read: (s) => data.train.subarray(offsets[s]! * D, offsets[s + 1]! * D) };
}

/** Rows (shard order) with a label for at least one of these label arrays: 1 in the mask. */
function usedMask(labels: readonly Int32Array[], n: number): Uint8Array {
  const mask = new Uint8Array(n);
  for (const l of labels) for (let r = 0; r < n; r++) if (l[r] !== -1) mask[r] = 1;
  return mask;
}

/** The mask as a predicate over rows. */
function usedBy(mask: Uint8Array): (row: number) => boolean {
  return (r) => mask[r] === 1;
}

function countLabelsIn(labels: Int32Array, from: number, to: number): number {
  let n = 0;
  for (let r = from; r < to; r++) if (labels[r] !== -1) n++;
  return n;
}

/**
 * Trains the Δ decoders at keep probability config.keepProbs[keepIndex] and scores each on eval at its best dev
 * epoch. The rung (final false) is the first `sweepEpochs` epochs of the first stage at the initial learning rate; a
 * final run repeats exactly those epochs (same seed) and trains on through its stages to their plateaus.
 * Independent of the other keep probabilities: the initial weights come from the seed alone and the dropout stream
 * from (seed, keepIndex).
 */
export function fitKeepProb(
  gemm: Gemm,
  data: DecoderData,
  config: DecoderConfig,
  keepIndex: number,
  final: boolean,
  hooks: DecoderHooks = {},
  group = 0,
): KeepProbRun {
  validate(data, config);
  data = prepareTrainShards(data, config.seed);
  const range = deltaGroups(data.trainLabels.length, config.groups)[group];
  if (!range) throw new RangeError(`fitKeepProb: no δ group ${group}`);
  const [lo, hi] = range;
  const allTrainLabels = data.trainLabels;
  data = {
    ...data,
    trainLabels: data.trainLabels.slice(lo, hi),
    devLabels: data.devLabels.slice(lo, hi),
    evalLabels: data.evalLabels.slice(lo, hi),
  };
  const deltas = hi - lo;
  const checkpoints = hooks.checkpoints ?? null;
  const key: DecoderRunKey = {
    keepIndex,
    final,
    group,
    config,
    data: {
      D: data.D,
      V: data.V,
      nTrain: data.nTrain,
      nDev: data.nDev,
      nEval: data.nEval,
      deltas: allTrainLabels.length,
      labels: labelsFingerprint([...data.devLabels, ...data.evalLabels]),
    },
  };
  const saved = checkpoints?.load(key) ?? null;
  if (saved?.done) return saved.run;
  const keep = config.keepProbs[keepIndex]!;
  const dev: Partition = { x: data.dev, n: data.nDev, labels: data.devLabels };
  const evalPart: Partition = { x: data.eval, n: data.nEval, labels: data.evalLabels };
  const devRows = usedRows(dev);
  const evalRows = usedRows(evalPart);
  const shards = trainShardsOf(data, hooks);
  const { offsets } = shards;
  const k = offsets.length - 1;
  const n = data.nTrain;
  const used = usedMask(data.trainLabels, n);
  const usedCount = used.reduce((a, v) => a + v, 0);
  const halfStage = config.halfStage && k >= 2 && usedCount >= 2;
  const halfEnd = offsets[k / 2]!;
  const stats = inputStats({ ...data, trainLabels: allTrainLabels }, config, shards);
  const stack = new DecoderStack(data.D, data.V, deltas, config.hidden, effectiveBatch(config.batch, usedCount));
  const root = new Rng(config.seed).fork(group);
  stack.initialize(root.fork(0)); // the same initial weights at every keep probability
  const rng = root.fork(keepIndex + 1);
  const trainer = new DecoderTrainer(gemm, stack, stats, keep, config.lr, rng);
  let run: KeepProbRun = {
    keepIndex,
    group,
    firstDelta: lo + 1,
    final,
    points: Array.from({ length: deltas }, () => ({
      keepProb: keep,
      devAccuracy: Number.NEGATIVE_INFINITY,
      epochs: 0,
    })),
    evalPredictions: Array.from({ length: deltas }, () => new Int32Array(data.nEval).fill(-1)),
    evalLogLikelihood: new Array<number>(deltas).fill(0),
    curves: Array.from({ length: deltas }, (_, d) => ({
      half: [],
      full: [],
      halfEnd: null,
      fullEnd: null,
      halfLr: [],
      fullLr: [],
      halfPositions: halfStage ? countLabelsIn(data.trainLabels[d]!, 0, halfEnd) : 0,
      fullPositions: countLabelsIn(data.trainLabels[d]!, 0, n),
      dataGainStdError: null,
    })),
  };
  const isUsed = usedBy(used);
  const allShards = Array.from({ length: k }, (_, s) => s);
  const stages: { name: 'half' | 'full'; shards: number[] }[] = [];
  if (halfStage) stages.push({ name: 'half', shards: allShards.slice(0, k / 2) });
  stages.push({ name: 'full', shards: allShards });
  if (!final) stages.length = 1;
  // Dev predictions of this epoch, and of each stage's best epoch per δ (the sampling error of the data gain).
  const devPredictions = Array.from({ length: deltas }, () => new Int32Array(data.nDev).fill(-1));
  let stageBest: DecoderRunCheckpoint['stageBest'] = {
    half: Array.from({ length: deltas }, () => new Int32Array(data.nDev).fill(-1)),
    full: Array.from({ length: deltas }, () => new Int32Array(data.nDev).fill(-1)),
  };
  let epochsSoFar = 0;
  const bestLoss = new Float64Array(deltas).fill(Number.POSITIVE_INFINITY);
  let firstStage = 0;
  if (saved) {
    // Everything the next round depends on, as it was after the checkpoint's round.
    run = saved.run;
    stageBest = saved.stageBest;
    epochsSoFar = saved.epochs;
    bestLoss.set(saved.bestLoss);
    rng.setState(saved.rng);
    const params = stack.params();
    if (saved.params.length !== params.length) throw new RangeError('fitKeepProb: a checkpoint of another decoder');
    for (const [i, p] of params.entries()) p.data.set(saved.params[i]!);
    if (saved.adam) trainer.setOptimizerState(saved.adam);
    firstStage = saved.stageGoesOn ? saved.stage : saved.stage + 1;
  }
  for (let stageIndex = firstStage; stageIndex < stages.length; stageIndex++) {
    const stage = stages[stageIndex]!;
    const stream = new ShardRowStream(shards, stage.shards, isUsed, rng);
    const roundRows = config.roundPositions > 0 ? Math.min(stream.size, config.roundPositions) : stream.size;
    const batches = Math.max(1, Math.ceil(roundRows / stack.maxBatch));
    // Each stage starts again from the initial learning rate: the full stage warm-starts from the half stage's
    // weights, and the larger data can support larger steps again before it too plateaus.
    const schedule = new PlateauSchedule(
      config.lr,
      final
        ? config
        : {
            ...config,
            maxEpochs: config.sweepEpochs,
            decays: 0,
            patience: config.sweepEpochs + 1,
            epochsPerRate: config.sweepEpochs,
          },
    );
    if (saved?.stageGoesOn && stageIndex === saved.stage) {
      schedule.setState(saved.schedule!);
      stream.setState(saved.stream!);
    }
    const best = run.curves.map((c) => Math.max(...[Number.NEGATIVE_INFINITY, ...c[stage.name]]));
    const bestPredictions = stageBest[stage.name];
    for (let more = true; more; ) {
      trainer.setLearningRate(schedule.lr);
      const epoch = schedule.epochs + 1;
      trainer.trainBatches(stream, data.trainLabels, batches, {
        signal: hooks.signal,
        onBatch: hooks.onProgress
          ? (b) =>
              hooks.onProgress?.({
                keepProb: keep,
                stage: final ? stage.name : 'rung',
                deltas: [lo + 1, hi],
                groups: deltaGroups(allTrainLabels.length, config.groups).length,
                epoch,
                maxEpochs: final ? stageRoundCap(config) : config.sweepEpochs,
                lr: schedule.lr,
                ...b,
              })
          : undefined,
      });
      epochsSoFar++;
      const scores = devScores(gemm, stack, stats, dev, devRows, devPredictions, hooks.signal);
      const improvedOverall: number[] = [];
      let gainInStage = 0;
      for (let d = 0; d < deltas; d++) {
        const a = scores.accuracy[d]!;
        const loss = scores.loss[d]!;
        run.curves[d]![stage.name].push(a);
        gainInStage += Math.max(0, a - Math.max(0, best[d]!));
        if (a > best[d]!) {
          best[d] = a;
          bestPredictions[d]!.set(devPredictions[d]!);
        }
        // Best dev accuracy; on a tie, the lower dev cross-entropy (a decoder that names every symbol right can
        // still grow surer, and its bits are scored at the epoch kept).
        const point = run.points[d]!;
        if (a > point.devAccuracy || (a === point.devAccuracy && loss < bestLoss[d]!)) {
          bestLoss[d] = loss;
          run.points[d]!.devAccuracy = a;
          run.points[d]!.epochs = epochsSoFar;
          improvedOverall.push(d);
        }
      }
      if (improvedOverall.length > 0) {
        recordEval(gemm, stack, stats, evalPart, evalRows, run, improvedOverall, hooks.signal);
      }
      for (const c of run.curves) c[stage.name === 'half' ? 'halfLr' : 'fullLr'].push(schedule.lr);
      more = schedule.next(gainInStage / deltas >= config.minImprovement);
      if (!more) for (const c of run.curves) c[stage.name === 'half' ? 'halfEnd' : 'fullEnd'] = schedule.end;
      // After the last round of all, the finished run's checkpoint (below) follows at once.
      const lastOfAll = !more && stageIndex === stages.length - 1;
      if (!lastOfAll)
        checkpoints?.save(key, {
          done: false,
          stage: stageIndex,
          stageGoesOn: more,
          schedule: more ? schedule.getState() : null,
          stream: more ? stream.getState() : null,
          epochs: epochsSoFar,
          rng: rng.getState(),
          bestLoss: Array.from(bestLoss),
          run,
          stageBest,
          params: stack.params().map((p) => p.data),
          adam: trainer.getOptimizerState(),
        });
    }
  }
  if (final && halfStage) {
    run.curves.forEach((c, d) => {
      c.dataGainStdError = pairedDifferenceStdError(stageBest.half[d]!, stageBest.full[d]!, data.devLabels[d]!);
    });
  }
  checkpoints?.save(key, finishedCheckpoint(run));
  return run;
}

/** A finished run's checkpoint: its result alone. */
function finishedCheckpoint(run: KeepProbRun): DecoderRunCheckpoint {
  return {
    done: true,
    stage: 0,
    stageGoesOn: false,
    schedule: null,
    stream: null,
    epochs: 0,
    rng: 0,
    bestLoss: [],
    run,
    stageBest: { half: [], full: [] },
    params: [],
    adam: null,
  };
}

/** Per δ, the run with the best dev accuracy (the first in config order on a tie, a finalist before a rung), scored on eval. */
export function mergeKeepProbRuns(data: DecoderData, config: DecoderConfig, runs: KeepProbRun[]): DecoderOutcome[] {
  const deltas = data.trainLabels.length;
  const parameters = decoderParameterCount(data.D, data.V, config.hidden);
  // One run per keep probability: a finalist's replaces its own rung (it repeated the rung's epochs and went on).
  const byKeep = new Map<number, KeepProbRun>();
  for (const r of runs) {
    const had = byKeep.get(r.keepIndex);
    if (!had || (r.final && !had.final)) byKeep.set(r.keepIndex, r);
  }
  const ordered = [...byKeep.values()].sort((a, b) => a.keepIndex - b.keepIndex);
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
      curve: best.curves[d]!,
    };
  });
}

/**
 * The standard error of the difference between two classifiers' accuracies on the same positions (predictions −1
 * where unused): from the positions where exactly one of them is right (b: only the second, c: only the first),
 * √(b + c − (b − c)²/n) / n, as in McNemar's test. Paired, so far smaller than two independent samples' error.
 */
export function pairedDifferenceStdError(first: Int32Array, second: Int32Array, labels: Int32Array): number {
  let n = 0;
  let b = 0;
  let c = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    if (t === -1) continue;
    n++;
    const r1 = first[i] === t;
    const r2 = second[i] === t;
    if (r2 && !r1) b++;
    else if (r1 && !r2) c++;
  }
  if (n === 0) return 0;
  return Math.sqrt(Math.max(0, b + c - ((b - c) * (b - c)) / n)) / n;
}

/**
 * Dev accuracy and mean cross-entropy (nats) of each decoder (0 and 0 for a decoder with no dev target); writes
 * each decoder's argmax per dev row into predictions[δ−1].
 */
function devScores(
  gemm: Gemm,
  stack: DecoderStack,
  stats: FeatureStats,
  dev: Partition,
  rows: Int32Array,
  predictions: Int32Array[],
  signal?: AbortSignal,
): { accuracy: Float64Array; loss: Float64Array } {
  const correct = new Float64Array(stack.deltas);
  const nll = new Float64Array(stack.deltas);
  const count = new Float64Array(stack.deltas);
  const V = stack.V;
  const logProbs = new Float64Array(V);
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
          const guess = argmaxRow(logits, i * V, V);
          predictions[d]![rows[start + i]!] = guess;
          if (guess === t) correct[d]++;
          nll[d] += logSoftmaxRow(logits, i * V, V, logProbs) - logits[i * V + t]!;
        }
      }
    },
    signal,
  );
  return {
    accuracy: correct.map((c, d) => (count[d] > 0 ? c / count[d] : 0)),
    loss: nll.map((l, d) => (count[d] > 0 ? l / count[d] : 0)),
  };
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
    const inFiles = name === 'train' && data.shards?.files;
    if (!inFiles && x.length < n * D) {
      throw new RangeError(`fitDecoders: ${name} has ${x.length} values, needs ${n}·${D}`);
    }
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
  if (hidden.length === 0 && !config.linear) {
    throw new RangeError('fitDecoders: hidden is empty; resolve it with hiddenSizeByRule');
  }
  if (config.linear && hidden.length > 0) throw new RangeError('fitDecoders: a linear decoder has no hidden layer');
  if (!hidden.every((h) => Number.isInteger(h) && h >= 1))
    throw new RangeError(`fitDecoders: invalid hidden ${hidden}`);
  if (keepProbs.length === 0 || !keepProbs.every((k) => k > 0 && k <= 1)) {
    throw new RangeError(`fitDecoders: keep probabilities must lie in (0, 1], got ${keepProbs}`);
  }
  for (const [name, v] of [
    ['maxEpochs', config.maxEpochs],
    ['patience', config.patience],
    ['batch', config.batch],
    ['sweepEpochs', config.sweepEpochs],
    ...(typeof config.epochsPerRate === 'number' ? [config.epochsPerRate] : config.epochsPerRate).map(
      (v) => ['epochsPerRate', v] as const,
    ),
    ['finalists', config.finalists],
    ['groups', config.groups],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`fitDecoders: ${name} must be a positive integer`);
  }
  if (!(config.lr > 0)) throw new RangeError(`fitDecoders: invalid lr ${config.lr}`);
  if (!(Number.isInteger(config.decays) && config.decays >= 0)) {
    throw new RangeError(`fitDecoders: decays must be a whole number ≥ 0, got ${config.decays}`);
  }
  if (!(config.lrDecay > 0 && config.lrDecay <= 1)) throw new RangeError(`fitDecoders: lrDecay must lie in (0, 1]`);
  if (!(config.minImprovement >= 0)) throw new RangeError('fitDecoders: minImprovement must be ≥ 0');
  if (!(Number.isSafeInteger(config.roundPositions) && config.roundPositions >= 0)) {
    throw new RangeError(`fitDecoders: roundPositions must be a whole number ≥ 0, got ${config.roundPositions}`);
  }
}

/** The decoder settings a signature records: the positions used, the sweep and the schedule. */
export function decoderSettings(
  seed: number,
  positions: { train: number; dev: number; eval: number },
  d: DecoderConfig,
  convergenceTolerance: number,
): DecoderSettings {
  return {
    seed,
    trainPositions: positions.train,
    devPositions: positions.dev,
    evalPositions: positions.eval,
    keepProbs: [...d.keepProbs],
    hidden: d.hidden.length > 0 ? [...d.hidden] : null,
    maxEpochs: d.maxEpochs,
    patience: d.patience,
    batch: d.batch,
    lr: d.lr,
    sweepEpochs: d.sweepEpochs,
    finalists: d.finalists,
    halfStage: d.halfStage,
    epochsPerRate: typeof d.epochsPerRate === 'number' ? d.epochsPerRate : [...d.epochsPerRate],
    lrDecay: d.lrDecay,
    decays: d.decays,
    minImprovement: d.minImprovement,
    roundPositions: d.roundPositions,
    whiten: d.standardize && d.whiten,
    convergenceTolerance,
  };
}
