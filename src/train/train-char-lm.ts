// Trains a character LM (LSTM, GRU, or factorized-kernel LSTM) with truncated BPTT over carried-state stream
// batches: Adam, gradient clipping, dev perplexity after every epoch, early stopping, the best weights kept, and
// snapshots to resume from.

import { UserError } from '../core/errors.js';
import type { Gemm } from '../core/gemm.js';
import { Adam, type AdamState, clippedStep } from '../core/optim.js';
import { hash32, Rng } from '../core/random.js';
import { allocChunk, StreamBatcher } from '../data/batches.js';
import type { PreparedCorpus } from '../data/corpus.js';
import type { CharLm } from '../models/char-lm.js';
import type { CellKind } from '../models/config.js';
import { corpusBigramFrequencies } from '../models/factorized-lm.js';
import { type AnyLm, buildLm, type LmSpec, type TrainableLm } from '../models/language-model.js';
import type { StateArrays } from '../models/stacked-lm.js';
import { evaluateLm, lmPredictor } from './evaluate.js';
import {
  cloneStateArrays,
  copyStateArrays,
  type DropoutConfig,
  SerialStepRunner,
  type StepRunner,
} from './step-runner.js';

/** What `--cell` trains: an LSTM or GRU LM, or an LSTM LM with factorized recurrent kernels (paper §7). */
export type TrainCell = CellKind | 'factorized-lstm';

export const TRAIN_CELLS: readonly TrainCell[] = ['lstm', 'gru', 'factorized-lstm'];

export interface TrainConfig {
  cell: TrainCell;
  /**
   * factorized-lstm only: 'corpus' fixes λ to the bigram frequencies of the training partition; absent, λ is the
   * running bigram frequencies of the segment. (Absent rather than 'running', so that the configs of earlier runs
   * keep their digests and their checkpoints still resume.)
   */
  lambda?: 'corpus';
  /**
   * Fine-tuning: the SHA-256 of the weights the run starts from (hooks.initialParams), for the record and so that a
   * resumed run is the same run. Absent for a fresh initialization.
   */
  initWeightsSha256?: string;
  /** The fraction of the corpus's training segments kept (seeded by `seed`); absent: all of them. */
  trainFraction?: number;
  layers: number;
  units: number;
  embed: number;
  batch: number;
  seq: number;
  lr: number;
  /** Drop probability on the embedding output, between layers and on the last layer's output. */
  dropout: number;
  /** Drop probability on the state fed back to the recurrent kernel (one mask per chunk). */
  recurrentDropout: number;
  clip: number;
  epochs: number;
  /** Stop after this many optimizer steps in all, or null for no cap. */
  maxSteps: number | null;
  /** Stop when dev perplexity has not improved for this many epochs. */
  patience: number;
  seed: number;
}

export function defaultTrainConfig(): TrainConfig {
  return {
    cell: 'lstm',
    layers: 1,
    units: 320,
    embed: 32,
    batch: 32,
    seq: 64,
    lr: 2e-3,
    dropout: 0,
    recurrentDropout: 0,
    clip: 5,
    epochs: 10,
    maxSteps: null,
    patience: 2,
    seed: 1,
  };
}

export interface EpochRecord {
  epoch: number;
  step: number;
  trainLoss: number;
  devLoss: number;
  devPerplexity: number;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface TrainSnapshot {
  step: number;
  epoch: number;
  /** Next chunk of the current epoch. */
  chunk: number;
  params: Map<string, Float32Array>;
  best: Map<string, Float32Array> | null;
  bestDevLoss: number;
  bestStep: number;
  badEpochs: number;
  adam: AdamState;
  /** The carried state of every stream (the model's named arrays). */
  state: StateArrays;
  /** Loss sum and count of the current epoch so far. */
  epochLossSum: number;
  epochLossCount: number;
  history: EpochRecord[];
  elapsedSeconds: number;
  finished: boolean;
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  /** Mean training loss (nats per character) over recent steps. */
  loss: number;
  charsPerSecond: number;
  etaSeconds: number;
  /** Set at the end of an epoch. */
  epochRecord?: EpochRecord;
}

export interface TrainHooks {
  gemm: Gemm;
  onProgress?: (p: TrainProgress) => void;
  /** Called with a snapshot every `checkpointEvery` steps, at each epoch end, and when stopped by the signal. */
  onSnapshot?: (s: TrainSnapshot) => Promise<void> | void;
  checkpointEvery?: number;
  signal?: AbortSignal;
  resumeFrom?: TrainSnapshot;
  now?: () => number;
  /**
   * Awaited after every step: lets the host's event loop run (e.g. Node's setImmediate), so that a Ctrl-C handler
   * can abort the signal while training runs in this thread.
   */
  yieldEachStep?: () => Promise<void>;
  /** Weights to start from instead of a fresh initialization (fine-tuning); ignored when resuming. */
  initialParams?: Map<string, Float32Array>;
  /** Builds the step runner (default: the whole batch in this thread with `gemm`). */
  createRunner?: (model: AnyLm, T: number, B: number, dropout: DropoutConfig | null) => StepRunner;
}

export interface TrainResult<M extends AnyLm = AnyLm> {
  /** The model with the best dev perplexity seen (a FactorizedLm for cell factorized-lstm, else a CharLm). */
  model: M;
  snapshot: TrainSnapshot;
  interrupted: boolean;
  history: EpochRecord[];
  totalSteps: number;
}

export function validateTrainConfig(c: TrainConfig): void {
  const positiveInts: (keyof TrainConfig)[] = ['layers', 'units', 'embed', 'batch', 'seq', 'epochs'];
  for (const key of positiveInts) {
    const v = c[key] as number;
    if (!Number.isSafeInteger(v) || v < 1) throw new UserError(`--${key} must be a whole number ≥ 1 (got ${v})`);
  }
  if (!(c.lr > 0 && c.lr < 10)) throw new UserError(`--lr must be a number in (0, 10) (got ${c.lr})`);
  for (const key of ['dropout', 'recurrentDropout'] as const) {
    if (!(c[key] >= 0 && c[key] < 1)) throw new UserError(`--${flagName(key)} must be in [0, 1) (got ${c[key]})`);
  }
  if (!(c.clip > 0)) throw new UserError(`--clip must be a positive number (got ${c.clip})`);
  if (c.maxSteps !== null && (!Number.isSafeInteger(c.maxSteps) || c.maxSteps < 1)) {
    throw new UserError(`--max-steps must be a whole number ≥ 1 (got ${c.maxSteps})`);
  }
  if (!Number.isSafeInteger(c.patience) || c.patience < 1) {
    throw new UserError(`--patience must be a whole number ≥ 1 (got ${c.patience})`);
  }
  if (!TRAIN_CELLS.includes(c.cell)) throw new UserError(`--cell must be ${TRAIN_CELLS.join(', ')} (got ${c.cell})`);
  if (c.trainFraction !== undefined && !(c.trainFraction > 0 && c.trainFraction <= 1)) {
    throw new UserError(`--train-fraction must be in (0, 1] (got ${c.trainFraction})`);
  }
  if (c.lambda !== undefined && (c.lambda !== 'corpus' || c.cell !== 'factorized-lstm')) {
    throw new UserError(`--lambda corpus is for --cell factorized-lstm (got --lambda ${c.lambda}, --cell ${c.cell})`);
  }
}

/** The model of a cell and its sizes (a factorized LSTM with the running λ). */
export function lmSpecOfCell(
  cell: TrainCell,
  dims: { layers: number; units: number; embed: number; vocab: number },
): LmSpec {
  return cell === 'factorized-lstm'
    ? { kind: 'factorized-lstm', shape: dims }
    : { kind: 'char-lm', shape: { cell, ...dims } };
}

/** The model a config trains on a corpus (whose training partition gives a fixed λ its bigram frequencies). */
export function lmSpecOf(c: TrainConfig, corpus: PreparedCorpus): LmSpec {
  const vocab = corpus.alphabet.size;
  const spec = lmSpecOfCell(c.cell, { layers: c.layers, units: c.units, embed: c.embed, vocab });
  if (spec.kind !== 'factorized-lstm' || c.lambda !== 'corpus') return spec;
  return { ...spec, corpusLambda: corpusBigramFrequencies(corpus.partitions.train, vocab) };
}

function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}

/** An LSTM/GRU config gives a CharLm. */
export async function trainCharLm(
  corpus: PreparedCorpus,
  config: TrainConfig & { cell: CellKind },
  hooks: TrainHooks,
): Promise<TrainResult<CharLm>>;
export async function trainCharLm(corpus: PreparedCorpus, config: TrainConfig, hooks: TrainHooks): Promise<TrainResult>;
export async function trainCharLm(
  corpus: PreparedCorpus,
  config: TrainConfig,
  hooks: TrainHooks,
): Promise<TrainResult> {
  validateTrainConfig(config);
  const { gemm } = hooks;
  const now = hooks.now ?? (() => performance.now());
  const { batch: B, seq: T } = config;
  const batcher = new StreamBatcher(corpus.partitions.train, B, T);
  const perEpoch = batcher.chunksPerEpoch;
  const totalSteps = Math.min(config.epochs * perEpoch, config.maxSteps ?? Number.POSITIVE_INFINITY);

  const spec = lmSpecOf(config, corpus);
  const built = buildLm(spec);
  const model: TrainableLm<unknown> = built;
  const rng = new Rng(config.seed);
  model.initialize(rng.fork(1));
  if (hooks.initialParams) {
    for (const [name, t] of model.params) {
      const given = hooks.initialParams.get(name);
      if (!given || given.length !== t.data.length) throw new Error(`trainCharLm: initial weights lack ${name}`);
      t.data.set(given);
    }
  }
  const adam = new Adam(model.trainable(), { lr: config.lr });
  const dropout: DropoutConfig | null =
    config.dropout > 0 || config.recurrentDropout > 0
      ? { p: config.dropout, recurrent: config.recurrentDropout, seed: hash32(config.seed + 2) }
      : null;

  let snap: TrainSnapshot = {
    step: 0,
    epoch: 0,
    chunk: 0,
    params: new Map([...model.params].map(([n, t]) => [n, t.data])),
    best: null,
    bestDevLoss: Number.POSITIVE_INFINITY,
    bestStep: 0,
    badEpochs: 0,
    adam: adam.getState(),
    state: model.stateArrays(model.zeroState(B)),
    epochLossSum: 0,
    epochLossCount: 0,
    history: [],
    elapsedSeconds: 0,
    finished: false,
  };
  if (hooks.resumeFrom) {
    snap = hooks.resumeFrom;
    for (const [name, data] of snap.params) model.params.get(name)!.data.set(data);
    adam.setState(snap.adam);
  }
  const runner = hooks.createRunner
    ? hooks.createRunner(built, T, B, dropout)
    : new SerialStepRunner(model, gemm, T, B, dropout);
  const state = runner.states();
  try {
    copyStateArrays(state, snap.state);
  } catch {
    throw new UserError('the checkpoint carries the state of another model; train afresh (--force)');
  }
  const chunk = allocChunk(B, T);
  const grads = [...model.grads.values()];
  const checkpointEvery = hooks.checkpointEvery ?? 0;
  const startedAt = now();
  const elapsedBefore = snap.elapsedSeconds;
  const stepsBefore = snap.step;
  let recentLoss = 0;
  let recentCount = 0;

  const capture = (): TrainSnapshot => ({
    ...snap,
    params: new Map([...model.params].map(([n, t]) => [n, t.data.slice()])),
    adam: adam.getState(),
    state: cloneStateArrays(state),
    history: [...snap.history],
    elapsedSeconds: elapsedBefore + (now() - startedAt) / 1000,
  });

  let interrupted = false;
  try {
    while (!snap.finished) {
      if (hooks.signal?.aborted) {
        interrupted = true;
        break;
      }
      batcher.chunk(snap.chunk, chunk);
      const { lossSum, count } = await runner.step(chunk, snap.step);
      const loss = count > 0 ? lossSum / count : 0;
      clippedStep(adam, grads, config.clip, loss, snap.step);
      snap.step++;
      snap.chunk++;
      snap.epochLossSum += loss * count;
      snap.epochLossCount += count;
      recentLoss += loss;
      recentCount++;

      const epochEnds = snap.chunk >= perEpoch || snap.step >= totalSteps;
      let epochRecord: EpochRecord | undefined;
      if (epochEnds) {
        const dev = evaluateLm(lmPredictor(model), corpus.partitions.dev, corpus.alphabet.symbols, gemm, {
          batch: B,
          seq: T,
        });
        epochRecord = {
          epoch: snap.epoch + 1,
          step: snap.step,
          trainLoss: snap.epochLossSum / Math.max(1, snap.epochLossCount),
          devLoss: dev.loss,
          devPerplexity: dev.perplexity,
        };
        snap.history.push(epochRecord);
        if (dev.loss < snap.bestDevLoss) {
          snap.bestDevLoss = dev.loss;
          snap.bestStep = snap.step;
          snap.best = new Map([...model.params].map(([n, t]) => [n, t.data.slice()]));
          snap.badEpochs = 0;
        } else {
          snap.badEpochs++;
        }
        snap.epoch++;
        snap.chunk = 0;
        snap.epochLossSum = 0;
        snap.epochLossCount = 0;
        // Streams restart at the beginning of the partition: the carried state must not leak across.
        runner.resetStates();
        snap.finished = snap.step >= totalSteps || snap.epoch >= config.epochs || snap.badEpochs >= config.patience;
      }
      if (hooks.onProgress) {
        const seconds = (now() - startedAt) / 1000;
        const rate = (snap.step - stepsBefore) / Math.max(seconds, 1e-9);
        hooks.onProgress({
          step: snap.step,
          totalSteps,
          epoch: snap.epoch + (epochEnds ? 0 : 1),
          loss: recentLoss / recentCount,
          charsPerSecond: rate * B * T,
          etaSeconds: (totalSteps - snap.step) / Math.max(rate, 1e-9),
          epochRecord,
        });
        recentLoss = 0;
        recentCount = 0;
      }
      if (hooks.onSnapshot && (epochEnds || (checkpointEvery > 0 && snap.step % checkpointEvery === 0))) {
        await hooks.onSnapshot(capture());
      }
    }
  } finally {
    await runner.close();
  }
  const finalSnapshot = capture();
  if (interrupted && hooks.onSnapshot) await hooks.onSnapshot(finalSnapshot);
  const bestModel = buildLm(spec);
  const best = snap.best ?? new Map([...model.params].map(([n, t]) => [n, t.data]));
  for (const [name, data] of best) bestModel.params.get(name)!.data.set(data);
  return { model: bestModel, snapshot: finalSnapshot, interrupted, history: snap.history, totalSteps };
}
