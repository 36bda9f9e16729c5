// Checkpoints of a decoder run (decoders.ts fitKeepProb), so that an interrupted signature goes on from the last
// finished round instead of training its decoders again: a long signature (millions of positions, wide layers) is
// hours of training. A checkpoint holds everything the run's next round depends on — weights, Adam's moments, the
// random stream, the schedule, the shard stream and the results so far — so a resumed run ends bit-identical to an
// uninterrupted one. Where checkpoints are kept is the caller's (io/decoder-checkpoint-files.ts keeps them in files).

import type { AdamState } from '../core/optim.js';
import type { PlateauScheduleState } from './decoder-schedule.js';
import type { DecoderConfig, KeepProbRun } from './decoders.js';
import type { ShardRowStreamState } from './train-shards.js';

/** Which run a checkpoint belongs to: the job, its settings and the shape and labels of its data. */
export interface DecoderRunKey {
  keepIndex: number;
  final: boolean;
  group: number;
  config: DecoderConfig;
  data: { D: number; V: number; nTrain: number; nDev: number; nEval: number; deltas: number; labels: number };
}

/** Where a run stood after a round (or at its end, `done`). */
export interface DecoderRunCheckpoint {
  /** The run is finished: `run` is its result, and nothing else is kept. */
  done: boolean;
  /** The stage (index into the run's stages) of the last round trained. */
  stage: number;
  /** That stage has more rounds: `schedule` and `stream` say where it stands; else the next stage starts afresh. */
  stageGoesOn: boolean;
  schedule: PlateauScheduleState | null;
  stream: ShardRowStreamState | null;
  /** Rounds trained over all stages. */
  epochs: number;
  /** The run's random stream (dropout and shuffling). */
  rng: number;
  /** Per δ, the dev cross-entropy at its best epoch so far (ties of dev accuracy). */
  bestLoss: number[];
  run: KeepProbRun;
  /** Per stage and δ, the dev predictions of the stage's best epoch (the data gain's standard error). */
  stageBest: { half: Int32Array[]; full: Int32Array[] };
  /** The stack's parameters, in DecoderStack.params() order. */
  params: Float32Array[];
  adam: AdamState | null;
}

/**
 * Keeps the checkpoints of decoder runs. `save` serializes before it returns: a checkpoint's arrays are views of the
 * live run. `load` gives null when there is none for the key (or it cannot be read: the run then starts over).
 * `place`, when the checkpoints are files, lets a worker thread open the same store.
 */
export interface DecoderCheckpointStore {
  load(key: DecoderRunKey): DecoderRunCheckpoint | null;
  save(key: DecoderRunKey, checkpoint: DecoderRunCheckpoint): void;
  readonly place?: DecoderCheckpointPlace;
}

/** A store of checkpoint files: a folder, and a tag naming the states they were trained on (inputs, layer). */
export interface DecoderCheckpointPlace {
  dir: string;
  tag: string;
}

/** A 32-bit FNV-1a fingerprint of label arrays: checkpoints of runs on other labels never match. */
export function labelsFingerprint(labels: readonly Int32Array[]): number {
  let h = 0x811c9dc5;
  for (const a of labels) {
    h = Math.imul(h ^ a.length, 0x01000193);
    for (let i = 0; i < a.length; i++) h = Math.imul(h ^ (a[i]! + 1), 0x01000193);
  }
  return h >>> 0;
}

/** A deep copy with every typed array copied on its own (not the whole buffer a view lies in). */
function deepCopy<T>(value: T): T {
  const copy = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) return (v as Float32Array).slice();
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, copy(x)]));
    if (Array.isArray(v)) return v.map(copy);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
    return v;
  };
  return copy(value) as T;
}

/** A store in memory (tests, and callers without files): checkpoints deep-copied on save and on load. */
export function memoryCheckpointStore(): DecoderCheckpointStore & { readonly saves: number } {
  const kept = new Map<string, DecoderRunCheckpoint>();
  let saves = 0;
  const keyOf = (key: DecoderRunKey) => JSON.stringify(key);
  return {
    load: (key) => {
      const c = kept.get(keyOf(key));
      return c === undefined ? null : deepCopy(c);
    },
    save: (key, checkpoint) => {
      saves++;
      kept.set(keyOf(key), deepCopy(checkpoint));
    },
    get saves() {
      return saves;
    },
  };
}
