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
  /** Writes a row at its slot (0-based within the shard), for rows that do not arrive in shard order. */
  write(shard: number, slot: number, row: Float32Array): void;
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
  const sizes = layers.map((l) => source.stateSizes[l]!);
  const deal = new TrainDeal(positions, rng);
  const store = new TrainRows(deal, sizes, memoryBytes, files);
  try {
    await extractStates(source, partition, positions, layers, {
      ...options,
      // Places are taken in arrival order (which extraction fixes), the same for every layer: a position's row
      // arrives once per layer, first for layer 0.
      sink: (i, j, row) => {
        if (j === 0) deal.place(i);
        store.stats[j]!.add(row);
        store.put(i, j, row, true);
      },
    });
  } finally {
    store.close();
  }
  return store.result();
}

/**
 * The train states of rows stored elsewhere (a states file), dealt exactly as extractTrainStates deals the states of
 * a model that computed them: `order` is the order extraction would hand the positions over (extractionOrder), which
 * fixes each one's place in its shard; read(j, sink) then hands over layer j's row of every position, in any order
 * (a file is best read in row order).
 */
export async function collectTrainStates(
  positions: SampledPositions,
  sizes: number[],
  order: Uint32Array,
  rng: Rng,
  memoryBytes: number,
  files: ShardFileStore | null,
  read: (j: number, sink: (i: number, row: Float32Array) => void) => Promise<void>,
): Promise<TrainStates> {
  const deal = new TrainDeal(positions, rng);
  if (order.length !== deal.n) throw new RangeError('collectTrainStates: the order must list every position once');
  for (let m = 0; m < order.length; m++) deal.place(order[m]!);
  const store = new TrainRows(deal, sizes, memoryBytes, files);
  try {
    for (let j = 0; j < sizes.length; j++) {
      // In files the rows are gone once written, so their moments are taken as they come; in memory, afterwards in
      // extraction's order, which gives the very statistics a model's extraction gives.
      await read(j, (i, row) => {
        if (store.inFiles) store.stats[j]!.add(row);
        store.put(i, j, row, false);
      });
      if (!store.inFiles) {
        const H = sizes[j]!;
        const rows = store.rows[j]!;
        for (let m = 0; m < order.length; m++) {
          const at = deal.placeOf[order[m]!]! * H;
          store.stats[j]!.add(rows.subarray(at, at + H));
        }
      }
    }
  } finally {
    store.close();
  }
  return store.result();
}

/** The random deal of the train positions into shards, and each position's place in shard order once placed. */
class TrainDeal {
  readonly n: number;
  readonly offsets: Int32Array;
  readonly shardOf: Int32Array;
  readonly placeOf: Int32Array;
  /** labels[δ−1] in shard order. */
  readonly labels: Int32Array[];
  private readonly next: Int32Array;

  constructor(
    private readonly positions: SampledPositions,
    rng: Rng,
  ) {
    const n = positions.index.length;
    const k = shardCount(n);
    this.n = n;
    this.offsets = shardOffsets(n, k);
    this.shardOf = dealToShards(n, k, rng);
    this.next = this.offsets.slice(0, k);
    this.placeOf = new Int32Array(n).fill(-1);
    this.labels = positions.labels.map(() => new Int32Array(new SharedArrayBuffer(n * 4)));
  }

  /** Gives position i the next free place of its shard (once per position). */
  place(i: number): void {
    const place = this.next[this.shardOf[i]!]!++;
    this.placeOf[i] = place;
    for (let d = 0; d < this.labels.length; d++) this.labels[d]![place] = this.positions.labels[d]![i]!;
  }
}

/** Where the placed rows go: shared memory in shard order, or shard files; with each layer's feature moments. */
class TrainRows {
  readonly inFiles: boolean;
  readonly rows: Float32Array[];
  readonly stats: ShiftedMoments[];
  private readonly sinks: ShardFileSink[] | null;

  constructor(
    private readonly deal: TrainDeal,
    private readonly sizes: number[],
    memoryBytes: number,
    files: ShardFileStore | null,
  ) {
    const { n } = deal;
    const bytes = n * sizes.reduce((a, h) => a + h, 0) * 4;
    this.inFiles = files !== null && bytes > memoryBytes;
    this.rows = sizes.map((H) => new Float32Array(new SharedArrayBuffer(this.inFiles ? 0 : n * H * 4)));
    const k = deal.offsets.length - 1;
    this.sinks = this.inFiles ? sizes.map((_, j) => files!.open(j, k)) : null;
    this.stats = sizes.map((H) => new ShiftedMoments(H));
  }

  /**
   * Stores layer j's row of a placed position i; `inOrder`: rows come in the order they were placed, so that a shard
   * file is written by appending (buffered) rather than row by row at each slot.
   */
  put(i: number, j: number, row: Float32Array, inOrder: boolean): void {
    const place = this.deal.placeOf[i]!;
    if (this.sinks) {
      const s = this.deal.shardOf[i]!;
      if (inOrder) this.sinks[j]!.append(s, row);
      else this.sinks[j]!.write(s, place - this.deal.offsets[s]!, row);
    } else {
      this.rows[j]!.set(row, place * this.sizes[j]!);
    }
  }

  close(): void {
    for (const s of this.sinks ?? []) s.close();
  }

  result(): TrainStates {
    const { offsets, labels } = this.deal;
    return {
      inFiles: this.inFiles,
      labels,
      layers: this.sizes.map((_, j) => ({
        rows: this.rows[j]!,
        shards: {
          offsets,
          physical: null,
          files: this.sinks ? this.sinks[j]!.files : null,
          stats: this.stats[j]!.finish(),
        },
      })),
    };
  }
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
