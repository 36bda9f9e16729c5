// What the training checkpoints of the language models and of the speech recognizer share: the weights, the best
// weights so far and Adam's moments as prefixed tensors (param., best., adam.), and one versioned JSON entry of
// metadata. Each checkpoint adds its own counters (and the language model its carried state).

import { UserError } from '../core/errors.js';
import { type NamedTensor, toFloat32 } from './safetensors.js';

/** A flat F32 tensor over the very array (written without a copy). */
export function f32(data: Float32Array): NamedTensor {
  return { dtype: 'F32', shape: [data.length], data };
}

/** The weights, the best weights (when kept) and Adam's moments, named by prefix. */
export function weightTensors(
  params: ReadonlyMap<string, Float32Array>,
  best: ReadonlyMap<string, Float32Array> | null,
  adamBuffers: ReadonlyMap<string, Float32Array>,
): Map<string, NamedTensor> {
  const tensors = new Map<string, NamedTensor>();
  for (const [name, data] of params) tensors.set(`param.${name}`, f32(data));
  if (best) for (const [name, data] of best) tensors.set(`best.${name}`, f32(data));
  for (const [name, data] of adamBuffers) tensors.set(`adam.${name}`, f32(data));
  return tensors;
}

export interface WeightParts {
  params: Map<string, Float32Array>;
  /** null when the checkpoint kept no best weights. */
  best: Map<string, Float32Array> | null;
  adamBuffers: Map<string, Float32Array>;
  /** The tensors of no weight prefix, under their full names. */
  rest: Map<string, NamedTensor>;
}

/** The inverse of weightTensors, over every tensor of a checkpoint. */
export function weightParts(tensors: ReadonlyMap<string, NamedTensor>, hasBest: boolean, path: string): WeightParts {
  const parts: WeightParts = {
    params: new Map(),
    best: hasBest ? new Map() : null,
    adamBuffers: new Map(),
    rest: new Map(),
  };
  const f = (name: string, t: NamedTensor) => toFloat32(t, `${path}: tensor '${name}'`);
  for (const [name, t] of tensors) {
    if (name.startsWith('param.')) parts.params.set(name.slice(6), f(name, t));
    else if (name.startsWith('best.')) parts.best?.set(name.slice(5), f(name, t));
    else if (name.startsWith('adam.')) parts.adamBuffers.set(name.slice(5), f(name, t));
    else parts.rest.set(name, t);
  }
  return parts;
}

/**
 * The checkpoint's metadata entry `key`, parsed and of `version`; a one-line error naming the file otherwise.
 * `kind` names the checkpoint in the error when the entry is missing ("a memsig training checkpoint").
 */
export function checkpointMeta<T extends { version: number }>(
  path: string,
  metadata: Readonly<Record<string, string>>,
  key: string,
  version: number,
  kind: string,
): T {
  const raw = metadata[key];
  if (raw === undefined) throw new UserError(`${path}: not ${kind}`);
  let meta: T;
  try {
    meta = JSON.parse(raw) as T;
  } catch {
    throw new UserError(`${path}: the checkpoint's metadata is not valid JSON`);
  }
  if (meta.version !== version) {
    throw new UserError(`${path}: checkpoint version ${meta.version} is not supported (expected ${version})`);
  }
  return meta;
}
