// Decoder run checkpoints (analysis/decoder-checkpoint.ts) as files: one safetensors file per run in a folder, named
// by a digest of the run's key and the folder's tag (the states it trains on), rewritten atomically after every
// round. The arrays are tensors; the rest is JSON in the metadata. Synchronous, because the runs save from the
// middle of their training loop, in worker threads.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type {
  DecoderCheckpointPlace,
  DecoderCheckpointStore,
  DecoderRunCheckpoint,
  DecoderRunKey,
} from '../analysis/decoder-checkpoint.js';
import type { KeepProbRun } from '../analysis/decoders.js';
import type { DecoderRunner } from '../analysis/signature.js';
import { writeFileAtomicSync } from './atomic.js';
import { fsError } from './fs-errors.js';
import { type NamedTensor, parseSafetensors, safetensorsLayout, serializeSafetensors } from './safetensors.js';
import { canonicalJson } from './signature-partial.js';

const META_KEY = 'memsig_decoder_checkpoint';
const VERSION = 1;

/** What the metadata holds: the checkpoint less its arrays, and how many of each array the tensors hold. */
interface Meta {
  version: number;
  key: string;
  checkpoint: Omit<DecoderRunCheckpoint, 'params' | 'adam' | 'stageBest' | 'run' | 'stream'> & {
    run: Omit<KeepProbRun, 'evalPredictions'>;
    stream: { shardOrder: number[]; shardAt: number; current: { index: number } | null; rowAt: number } | null;
    adamStep: number | null;
    adamNames: string[];
  };
  counts: { params: number; evalPredictions: number; half: number; full: number };
}

/** The checkpoints of the runs on one set of states (`tag`: e.g. the signature's inputs digest and the layer). */
export function decoderCheckpointFiles(place: DecoderCheckpointPlace): DecoderCheckpointStore {
  const digest = (key: DecoderRunKey) =>
    createHash('sha256')
      .update(canonicalJson({ tag: place.tag, key }))
      .digest('hex');
  const pathOf = (d: string) => join(place.dir, `${d.slice(0, 32)}.safetensors`);
  return {
    place,
    load: (key) => {
      const d = digest(key);
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(pathOf(d));
      } catch {
        return null;
      }
      try {
        return decode(bytes, d);
      } catch {
        return null; // unreadable or another run's: the run starts over
      }
    },
    save: (key, checkpoint) => {
      const d = digest(key);
      const path = pathOf(d);
      try {
        mkdirSync(place.dir, { recursive: true });
      } catch (err) {
        throw fsError(err, 'create', place.dir);
      }
      writeCheckpointFile(path, encode(checkpoint, d));
    },
  };
}

/**
 * The checkpoints of a signature's layers in one folder (`dir`, beside its partial file), a subfolder per layer:
 * `tag` names the signature's inputs; a finished layer's subfolder is removed (its result is in the partial file).
 */
export function layerCheckpoints(dir: string, tag: string) {
  const layerDir = (layer: number) => join(dir, `layer${layer}`);
  return {
    dir,
    store: (layer: number) => decoderCheckpointFiles({ dir: layerDir(layer), tag: `${tag}:layer${layer}` }),
    layerDone: (layer: number) => removeDecoderCheckpoints(layerDir(layer)),
    /** Whether any layer's decoders have checkpoints to go on from. */
    any: (): boolean => {
      try {
        return readdirSync(dir).some((d) => readdirSync(join(dir, d)).length > 0);
      } catch {
        return false;
      }
    },
    removeAll: () => removeDecoderCheckpoints(dir),
  };
}

/**
 * A runner whose n-th call (the n-th layer, 1-based, in the order a signature trains them) keeps its decoders'
 * checkpoints in `checkpoints` (a layerCheckpoints), and removes them once that layer's decoders are done: for
 * signatures that take their decoder runner whole (the speech recognizer's) rather than checkpoint hooks.
 */
export function checkpointedRunner(
  run: DecoderRunner,
  checkpoints: ReturnType<typeof layerCheckpoints>,
): DecoderRunner {
  let calls = 0;
  return async (data, config, hooks) => {
    const layer = ++calls;
    const outcomes = await run(data, config, { ...hooks, checkpoints: checkpoints.store(layer) });
    checkpoints.layerDone(layer);
    return outcomes;
  };
}

/** Removes a folder of checkpoints; fine when it is not there. */
export function removeDecoderCheckpoints(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    throw fsError(err, 'remove', dir);
  }
}

interface Encoded {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

function encode(c: DecoderRunCheckpoint, key: string): Encoded {
  const tensors = new Map<string, NamedTensor>();
  const f32 = (name: string, data: Float32Array): void => {
    tensors.set(name, { dtype: 'F32', shape: [data.length], data });
  };
  const i32 = (name: string, data: Int32Array): void => {
    tensors.set(name, { dtype: 'I32', shape: [data.length], data });
  };
  for (const [i, p] of c.params.entries()) f32(`param.${i}`, p);
  const adamNames = c.adam ? [...c.adam.buffers.keys()] : [];
  for (const [i, name] of adamNames.entries()) f32(`adam.${i}`, c.adam!.buffers.get(name)!);
  for (const [d, p] of c.run.evalPredictions.entries()) i32(`evalPredictions.${d}`, p);
  for (const [d, p] of c.stageBest.half.entries()) i32(`stageBest.half.${d}`, p);
  for (const [d, p] of c.stageBest.full.entries()) i32(`stageBest.full.${d}`, p);
  if (c.stream?.current) i32('stream.rows', c.stream.current.rows);
  const { evalPredictions: _, ...run } = c.run;
  const meta: Meta = {
    version: VERSION,
    key,
    checkpoint: {
      done: c.done,
      stage: c.stage,
      stageGoesOn: c.stageGoesOn,
      schedule: c.schedule,
      stream: c.stream && {
        shardOrder: c.stream.shardOrder,
        shardAt: c.stream.shardAt,
        current: c.stream.current && { index: c.stream.current.index },
        rowAt: c.stream.rowAt,
      },
      epochs: c.epochs,
      rng: c.rng,
      bestLoss: c.bestLoss,
      run,
      adamStep: c.adam ? c.adam.step : null,
      adamNames,
    },
    counts: {
      params: c.params.length,
      evalPredictions: c.run.evalPredictions.length,
      half: c.stageBest.half.length,
      full: c.stageBest.full.length,
    },
  };
  return { tensors, metadata: { [META_KEY]: JSON.stringify(meta, nonFiniteAsTagged) } };
}

function decode(bytes: Uint8Array, key: string): DecoderRunCheckpoint | null {
  const file = parseSafetensors(bytes, 'decoder checkpoint');
  const text = file.metadata[META_KEY];
  if (text === undefined) return null;
  const meta = JSON.parse(text, taggedAsNonFinite) as Meta;
  if (meta.version !== VERSION || meta.key !== key) return null;
  const tensor = <T>(name: string, dtype: 'F32' | 'I32'): T => {
    const t = file.tensors.get(name);
    if (!t || t.dtype !== dtype) throw new Error(`decoder checkpoint: no ${dtype} tensor ${name}`);
    return t.data as T;
  };
  const list = <T>(n: number, name: (i: number) => string, dtype: 'F32' | 'I32') =>
    Array.from({ length: n }, (_, i) => tensor<T>(name(i), dtype));
  const { adamStep, adamNames, stream, run, ...rest } = meta.checkpoint;
  return {
    ...rest,
    stream: stream && {
      ...stream,
      current: stream.current && { index: stream.current.index, rows: tensor<Int32Array>('stream.rows', 'I32') },
    },
    run: {
      ...run,
      evalPredictions: list<Int32Array>(meta.counts.evalPredictions, (d) => `evalPredictions.${d}`, 'I32'),
    },
    stageBest: {
      half: list<Int32Array>(meta.counts.half, (d) => `stageBest.half.${d}`, 'I32'),
      full: list<Int32Array>(meta.counts.full, (d) => `stageBest.full.${d}`, 'I32'),
    },
    params: list<Float32Array>(meta.counts.params, (i) => `param.${i}`, 'F32'),
    adam:
      adamStep === null
        ? null
        : {
            step: adamStep,
            buffers: new Map(adamNames.map((name, i) => [name, tensor<Float32Array>(`adam.${i}`, 'F32')])),
          },
  };
}

/** JSON has no ±Infinity or NaN (a decoder's best dev accuracy starts at −Infinity): they travel tagged. */
function nonFiniteAsTagged(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { nonFinite: String(value) } : value;
}

function taggedAsNonFinite(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const tag = (value as { nonFinite?: unknown }).nonFinite;
    if (keys.length === 1 && typeof tag === 'string') return Number(tag);
  }
  return value;
}

/**
 * Readers see the old checkpoint or the whole new one, never a part (written atomically). The tensors go to the file
 * from their own arrays (no copy of the whole file in memory), where the host's byte order is the file's.
 */
function writeCheckpointFile(path: string, { tensors, metadata }: Encoded): void {
  const layout = safetensorsLayout(tensors, metadata);
  const chunks = layout.littleEndianHost
    ? [
        layout.header,
        ...layout.list.map(([, t]) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
      ]
    : [serializeSafetensors(tensors, metadata)];
  writeFileAtomicSync(path, chunks);
}
