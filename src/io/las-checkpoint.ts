// The resumable checkpoint of `memsig asr train`: one safetensors file with the weights, the best weights so far and
// Adam's moments, every counter and the run's settings in its metadata. Written atomically.

import type { AsrTrainConfig } from '../asr/train-config.js';
import type { AsrSnapshot } from '../asr/train-las.js';
import { UserError } from '../core/errors.js';
import { type NamedTensor, readSafetensors, toFloat32, writeSafetensors } from './safetensors.js';

const META_KEY = 'memsig_asr_checkpoint';
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

function f32(data: Float32Array): NamedTensor {
  return { dtype: 'F32', shape: [data.length], data };
}

export async function writeAsrCheckpoint(
  path: string,
  s: AsrSnapshot,
  config: AsrTrainConfig,
  identity: AsrRunIdentity,
): Promise<void> {
  const tensors = new Map<string, NamedTensor>();
  for (const [name, data] of s.params) tensors.set(`param.${name}`, f32(data));
  if (s.best) for (const [name, data] of s.best) tensors.set(`best.${name}`, f32(data));
  for (const [name, data] of s.adam.buffers) tensors.set(`adam.${name}`, f32(data));
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
  await writeSafetensors(path, tensors, { [META_KEY]: JSON.stringify(meta) });
}

export async function readAsrCheckpoint(path: string): Promise<LoadedAsrCheckpoint> {
  const { tensors, metadata } = await readSafetensors(path);
  const raw = metadata[META_KEY];
  if (raw === undefined) throw new UserError(`${path}: not a memsig asr training checkpoint`);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(raw) as CheckpointMeta;
  } catch {
    throw new UserError(`${path}: the checkpoint's metadata is not valid JSON`);
  }
  if (meta.version !== CHECKPOINT_VERSION) {
    throw new UserError(
      `${path}: checkpoint version ${meta.version} is not supported (expected ${CHECKPOINT_VERSION})`,
    );
  }
  const params = new Map<string, Float32Array>();
  const best = meta.hasBest ? new Map<string, Float32Array>() : null;
  const buffers = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    const data = toFloat32(t, `${path}: tensor '${name}'`);
    if (name.startsWith('param.')) params.set(name.slice(6), data);
    else if (name.startsWith('best.')) best?.set(name.slice(5), data);
    else if (name.startsWith('adam.')) buffers.set(name.slice(5), data);
  }
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
