// The resumable training checkpoint: one safetensors file holding the weights, the best weights so far, Adam's
// moments and the carried state (the model's named arrays: F32 state vectors, I32 counts), with every counter in its
// metadata. Written atomically.

import type { StateArrays } from '../models/stacked-lm.js';
import type { TrainConfig, TrainSnapshot } from '../train/train-char-lm.js';
import { readSafetensors, toFloat32, writeSafetensors } from './safetensors.js';
import { checkpointMeta, f32, weightParts, weightTensors } from './training-checkpoint-parts.js';

/** The metadata key of the checkpoint's counters (experiments/status.ts reads the step from it). */
export const TRAIN_CHECKPOINT_META_KEY = 'memsig_checkpoint';
const CHECKPOINT_VERSION = 1;

interface CheckpointMeta {
  version: number;
  trainConfig: TrainConfig;
  corpusSha256: string;
  step: number;
  epoch: number;
  chunk: number;
  bestDevLoss: number | null;
  bestStep: number;
  badEpochs: number;
  hasBest: boolean;
  adamStep: number;
  epochLossSum: number;
  epochLossCount: number;
  history: TrainSnapshot['history'];
  elapsedSeconds: number;
  finished: boolean;
}

export interface LoadedCheckpoint {
  snapshot: TrainSnapshot;
  trainConfig: TrainConfig;
  corpusSha256: string;
}

export async function writeTrainCheckpoint(
  path: string,
  snapshot: TrainSnapshot,
  trainConfig: TrainConfig,
  corpusSha256: string,
): Promise<void> {
  const tensors = weightTensors(snapshot.params, snapshot.best, snapshot.adam.buffers);
  for (const [name, data] of snapshot.state) {
    tensors.set(
      `state.${name}`,
      data instanceof Float32Array ? f32(data) : { dtype: 'I32', shape: [data.length], data },
    );
  }
  const meta: CheckpointMeta = {
    version: CHECKPOINT_VERSION,
    trainConfig,
    corpusSha256,
    step: snapshot.step,
    epoch: snapshot.epoch,
    chunk: snapshot.chunk,
    bestDevLoss: Number.isFinite(snapshot.bestDevLoss) ? snapshot.bestDevLoss : null,
    bestStep: snapshot.bestStep,
    badEpochs: snapshot.badEpochs,
    hasBest: snapshot.best !== null,
    adamStep: snapshot.adam.step,
    epochLossSum: snapshot.epochLossSum,
    epochLossCount: snapshot.epochLossCount,
    history: snapshot.history,
    elapsedSeconds: snapshot.elapsedSeconds,
    finished: snapshot.finished,
  };
  await writeSafetensors(path, tensors, { [TRAIN_CHECKPOINT_META_KEY]: JSON.stringify(meta) });
}

export async function readTrainCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const { tensors, metadata } = await readSafetensors(path);
  const meta = checkpointMeta<CheckpointMeta>(
    path,
    metadata,
    TRAIN_CHECKPOINT_META_KEY,
    CHECKPOINT_VERSION,
    'a memsig training checkpoint',
  );
  const { params, best, adamBuffers: buffers, rest } = weightParts(tensors, meta.hasBest, path);
  const state: StateArrays = new Map();
  for (const [name, t] of rest) {
    if (name.startsWith('state.'))
      state.set(name.slice(6), t.dtype === 'I32' ? t.data : toFloat32(t, `${path}: tensor '${name}'`));
  }
  const snapshot: TrainSnapshot = {
    step: meta.step,
    epoch: meta.epoch,
    chunk: meta.chunk,
    params,
    best,
    bestDevLoss: meta.bestDevLoss ?? Number.POSITIVE_INFINITY,
    bestStep: meta.bestStep,
    badEpochs: meta.badEpochs,
    adam: { step: meta.adamStep, buffers },
    state,
    epochLossSum: meta.epochLossSum,
    epochLossCount: meta.epochLossCount,
    history: meta.history,
    elapsedSeconds: meta.elapsedSeconds,
    finished: meta.finished,
  };
  return { snapshot, trainConfig: meta.trainConfig, corpusSha256: meta.corpusSha256 };
}
