// The resumable checkpoint of `memsig asr train`: one safetensors file with the weights, the best weights so far and
// Adam's moments, every counter and the run's settings in its metadata. Written atomically.

import type { AsrTrainConfig } from '../asr/train-config.js';
import type { AsrSnapshot } from '../asr/train-las.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { checkpointMeta, weightParts, weightTensors } from './training-checkpoint-parts.js';

/** The metadata key of the checkpoint's counters (experiments/status.ts reads the step from it). */
export const ASR_CHECKPOINT_META_KEY = 'memsig_asr_checkpoint';
const CHECKPOINT_VERSION = 1;

/** What identifies a run besides its config: the data it reads. */
export interface AsrRunIdentity {
  /** SHA-256 of the manifest's bytes. */
  manifestSha256: string;
  /** The feature settings, as JSON. */
  features: string;
}

interface CheckpointMeta extends Omit<AsrSnapshot, 'params' | 'best' | 'adam' | 'bestDevCer'> {
  version: number;
  config: AsrTrainConfig;
  identity: AsrRunIdentity;
  bestDevCer: number | null;
  hasBest: boolean;
  adamStep: number;
}

export interface LoadedAsrCheckpoint {
  snapshot: AsrSnapshot;
  config: AsrTrainConfig;
  identity: AsrRunIdentity;
}

export async function writeAsrCheckpoint(
  path: string,
  s: AsrSnapshot,
  config: AsrTrainConfig,
  identity: AsrRunIdentity,
): Promise<void> {
  const tensors = weightTensors(s.params, s.best, s.adam.buffers);
  const { params: _p, best: _b, adam: _a, bestDevCer, ...counters } = s;
  const meta: CheckpointMeta = {
    ...counters,
    version: CHECKPOINT_VERSION,
    config,
    identity,
    bestDevCer: Number.isFinite(bestDevCer) ? bestDevCer : null,
    hasBest: s.best !== null,
    adamStep: s.adam.step,
  };
  await writeSafetensors(path, tensors, { [ASR_CHECKPOINT_META_KEY]: JSON.stringify(meta) });
}

export async function readAsrCheckpoint(path: string): Promise<LoadedAsrCheckpoint> {
  const { tensors, metadata } = await readSafetensors(path);
  const meta = checkpointMeta<CheckpointMeta>(
    path,
    metadata,
    ASR_CHECKPOINT_META_KEY,
    CHECKPOINT_VERSION,
    'a memsig asr training checkpoint',
  );
  const { params, best, adamBuffers: buffers } = weightParts(tensors, meta.hasBest, path);
  const { version: _v, config, identity, bestDevCer, hasBest: _h, adamStep, ...counters } = meta;
  const snapshot: AsrSnapshot = {
    ...counters,
    params,
    best,
    bestDevCer: bestDevCer ?? Number.POSITIVE_INFINITY,
    adam: { step: adamStep, buffers },
  };
  return { snapshot, config, identity };
}
