// The train states of a signature, dealt into shards as they are extracted (train-shards.ts): in memory when they fit
// the budget, else appended to one file per shard through a store the host provides (Node's file system, io/). Each
// layer's rows land in the same places, so its labels (in shard order) and feature statistics come out with it.

import type { Rng } from '../core/random.js';
import type { EncodedPartition } from '../data/corpus.js';
import type { FeatureStats } from './decoder-kernels.js';
import type { DecoderShards } from './decoders.js';
import type { SampledPositions } from './positions.js';
import type { StateSource } from './state-source.js';
import { type ExtractOptions, extractStates } from './states.js';
import { dealToShards, shardCount, shardOffsets } from './train-shards.js';

/** Where shard files go: the host's file system. */
export interface ShardFileStore {
  /** Opens k empty shard files for one layer (0-based index into the extracted layers). */
  open(layer: number, k: number): ShardFileSink;
  /** Reads a whole shard file into `into`. */
  read(path: string, into: Float32Array): Float32Array;
  /** Deletes shard files that are no longer needed. */
  remove(paths: readonly string[]): void;
}

export interface ShardFileSink {
  readonly files: string[];
  append(shard: number, row: Float32Array): void;
  close(): void;
}

/** One layer's train states in shard order. */
export interface TrainLayerStates {
  /** (n, H) in shard order, or empty when the rows are in files. */
  rows: Float32Array;
  shards: DecoderShards;
}

export interface TrainStates {
  layers: TrainLayerStates[];
  /** labels[δ−1] in shard order. */
  labels: Int32Array[];
  /** Whether the rows went to files. */
  inFiles: boolean;
}

/**
 * Extracts the train states of `layers` at the sampled positions (see extractStates), dealt at random into shards:
 * in shared memory when n · ΣH · 4 bytes ≤ memoryBytes or no file store is given, else in shard files.
 */
export async function extractTrainStates(
  source: StateSource,
  partition: EncodedPartition,
  positions: SampledPositions,
  layers: number[],
  rng: Rng,
  memoryBytes: number,
  files: ShardFileStore | null,
  options: ExtractOptions = {},
): Promise<TrainStates> {
  const n = positions.index.length;
  const k = shardCount(n);
  const offsets = shardOffsets(n, k);
  const shardOf = dealToShards(n, k, rng);
  const sizes = layers.map((l) => source.stateSizes[l]!);
  const bytes = n * sizes.reduce((a, h) => a + h, 0) * 4;
  const inFiles = files !== null && bytes > memoryBytes;
  const rows = sizes.map((H) => new Float32Array(new SharedArrayBuffer(inFiles ? 0 : n * H * 4)));
  const sinks = inFiles ? layers.map((_, j) => files.open(j, k)) : null;
  const stats = sizes.map((H) => new ShiftedMoments(H));
  const labels = positions.labels.map(() => new Int32Array(new SharedArrayBuffer(n * 4)));
  // Places are taken in arrival order (which extraction fixes), the same for every layer: a position's row arrives
  // once per layer, first for layer 0.
  const next = offsets.slice(0, k);
  const placeOf = new Int32Array(n).fill(-1);
  try {
    await extractStates(source, partition, positions, layers, {
      ...options,
      sink: (i, j, row) => {
        if (j === 0) {
          const s = shardOf[i]!;
          const place = next[s]!++;
          placeOf[i] = place;
          for (let d = 0; d < labels.length; d++) labels[d]![place] = positions.labels[d]![i]!;
        }
        stats[j]!.add(row);
        if (sinks) sinks[j]!.append(shardOf[i]!, row);
        else rows[j]!.set(row, placeOf[i]! * sizes[j]!);
      },
    });
  } finally {
    for (const s of sinks ?? []) s.close();
  }
  return {
    inFiles,
    labels,
    layers: layers.map((_, j) => ({
      rows: rows[j]!,
      shards: { offsets, physical: null, files: sinks ? sinks[j]!.files : null, stats: stats[j]!.finish() },
    })),
  };
}

/**
 * Mean and 1/std (population) of each feature in one pass, in float64 around the first row seen (a shift that keeps
 * Σ(x − shift)² − n·mean² from cancelling when |mean| ≫ std). A constant feature gets invStd 1.
 */
class ShiftedMoments {
  private readonly shift: Float64Array;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  private n = 0;

  constructor(private readonly D: number) {
    this.shift = new Float64Array(D);
    this.sum = new Float64Array(D);
    this.sumSq = new Float64Array(D);
  }

  add(row: Float32Array): void {
    if (this.n === 0) for (let j = 0; j < this.D; j++) this.shift[j] = row[j]!;
    this.n++;
    for (let j = 0; j < this.D; j++) {
      const c = row[j]! - this.shift[j]!;
      this.sum[j] += c;
      this.sumSq[j] += c * c;
    }
  }

  finish(): FeatureStats {
    const { D, n } = this;
    const stats = { mean: new Float32Array(D), invStd: new Float32Array(D).fill(1) };
    for (let j = 0; j < D; j++) {
      const m = n > 0 ? this.sum[j]! / n : 0;
      const variance = n > 0 ? Math.max(0, this.sumSq[j]! / n - m * m) : 0;
      stats.mean[j] = this.shift[j]! + m;
      const std = Math.sqrt(variance);
      stats.invStd[j] = std > 0 ? 1 / std : 1;
    }
    return stats;
  }
}
