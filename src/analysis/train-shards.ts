// The decoders' train rows as shards. The sampled train positions are dealt at random into an even number of shards
// of (nearly) equal size; each shard's rows are contiguous in the row order, so a shard can live in memory or in a
// file of its own and be read whole. An epoch visits the shards in a fresh random order and each shard's rows in a
// fresh random order, so only one shard need be in memory at a time: this is what lets the decoders train on every
// position of a large partition (millions of states) in bounded memory. The first half of the shards is a uniformly
// random half of the positions: the half stage of the learning curve in data (decoders.ts).

import type { Rng } from '../core/random.js';
import { type FeatureStats, gatherStandardized } from './decoder-kernels.js';

/** Rows per shard aimed at: large enough for long sequential reads, small enough that one shard is a few MB. */
export const SHARD_ROWS = 65_536;

/** Number of shards for n rows: even (its first half is the half stage), at least 2, about SHARD_ROWS rows each. */
export function shardCount(n: number): number {
  const k = Math.ceil(n / SHARD_ROWS);
  return Math.max(2, k + (k % 2));
}

/** Shard boundaries for n rows in k shards of sizes differing by at most one: shard s is rows offsets[s]..offsets[s+1]. */
export function shardOffsets(n: number, k: number): Int32Array {
  const offsets = new Int32Array(k + 1);
  for (let s = 0; s <= k; s++) offsets[s] = Math.floor((s * n) / k);
  return offsets;
}

/**
 * Deals n rows (in their given order, e.g. sampled positions in reading order) into k shards at random: returns the
 * shard of each row. Shard sizes are those of shardOffsets(n, k), so exactly the rows dealt to shards 0..k/2−1 form
 * the half stage. The same rng state gives the same deal.
 */
export function dealToShards(n: number, k: number, rng: Rng): Int32Array {
  const offsets = shardOffsets(n, k);
  const slots = new Int32Array(n);
  for (let i = 0; i < n; i++) slots[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = slots[i]!;
    slots[i] = slots[j]!;
    slots[j] = t;
  }
  // Row i takes random slot slots[i] of the shard order; its shard is the one whose range holds that slot.
  const shard = new Int32Array(n);
  for (let i = 0, s = 0; i < n; i++) {
    const slot = slots[i]!;
    s = Math.min(k - 1, Math.floor((slot * k) / Math.max(n, 1)));
    while (slot < offsets[s]!) s--;
    while (slot >= offsets[s + 1]!) s++;
    shard[i] = s;
  }
  return shard;
}

/**
 * Where each row lands in shard order when rows arrive in the given order: row i goes to the next free place of its
 * shard. Returns the destination of each row (a permutation of 0..n−1).
 */
export function shardPlaces(shardOfRow: Int32Array, offsets: Int32Array): Int32Array {
  const next = offsets.slice(0, offsets.length - 1);
  const place = new Int32Array(shardOfRow.length);
  for (let i = 0; i < shardOfRow.length; i++) place[i] = next[shardOfRow[i]!]!++;
  return place;
}

/** Reads the states of one shard: rows offsets[s]..offsets[s+1] as an (rows, D) array (a view, or `into`). */
export type ShardReader = (shard: number, into: Float32Array) => Float32Array;

/**
 * The train rows of a decoder run, read one shard at a time. Rows are numbered in shard order (labels are indexed so);
 * `read` returns an array holding shard s's states, row r of the shard order being row r − offsets[s] of it, or,
 * with `physical`, row physical[r] of it (states left where they were, e.g. sorted by position, and dealt by index).
 */
export interface TrainShards {
  D: number;
  offsets: Int32Array;
  read: ShardReader;
  physical?: Int32Array;
}

/** Shards over states held in memory in shard order: each read is a view, no copy. */
export function memoryShards(x: Float32Array, D: number, offsets: Int32Array): TrainShards {
  return {
    D,
    offsets,
    read: (s) => x.subarray(offsets[s]! * D, offsets[s + 1]! * D),
  };
}

/** Where a ShardRowStream stands: this epoch's shard order and the next one to load, and the loaded shard. */
export interface ShardRowStreamState {
  shardOrder: number[];
  shardAt: number;
  /** The loaded shard (its index into the visited shards) and this epoch's order of its rows; null when none is. */
  current: { index: number; rows: Int32Array } | null;
  rowAt: number;
}

/**
 * A stream of minibatches over the rows of some shards (a training stage), epoch after epoch: every epoch visits the
 * shards in a random order and each shard's used rows (those `used` keeps) in a random order; a minibatch may span
 * two shards. Holds one shard's buffer.
 */
export class ShardRowStream {
  /** Rows (shard-order indices) of each visited shard that have a target for this run. */
  private readonly rows: Int32Array[];
  private readonly buffer: Float32Array;
  /** This epoch's order of the visited shards (indices into `visit`), and the next one to load. */
  private readonly shardOrder: number[];
  private shardAt: number;
  /** The loaded shard: its states, and this epoch's order of its rows (as rows of x, and in shard order). */
  private current: { x: Float32Array; order: Int32Array; rows: Int32Array } | null = null;
  /** The loaded shard's index into `visit`. */
  private currentIndex = 0;
  private rowAt = 0;
  /** Used rows in the stage: one epoch. */
  readonly size: number;

  constructor(
    private readonly shards: TrainShards,
    private readonly visit: readonly number[],
    used: (row: number) => boolean,
    private readonly rng: Rng,
  ) {
    const { offsets, D } = shards;
    let largest = 0;
    let size = 0;
    this.rows = visit.map((s) => {
      const list: number[] = [];
      for (let r = offsets[s]!; r < offsets[s + 1]!; r++) if (used(r)) list.push(r);
      largest = Math.max(largest, offsets[s + 1]! - offsets[s]!);
      size += list.length;
      return Int32Array.from(list);
    });
    this.size = size;
    this.buffer = new Float32Array(shards.physical ? 0 : largest * D);
    this.shardOrder = visit.map((_, i) => i);
    this.shardAt = this.shardOrder.length; // the first fill starts an epoch
  }

  /**
   * Fills rows 0..nb−1 of a batch: the states (standardized with `stats`, state dropout with `keep`) into `input`
   * (row stride D+1), and each label array's targets (labels in shard order) into `targets`. The stream never runs
   * dry: the next epoch follows the last row.
   */
  fill(
    labels: readonly Int32Array[],
    stats: FeatureStats,
    input: Float32Array,
    targets: readonly Int32Array[],
    nb: number,
    keep: number,
    dropoutRng: Rng | null,
  ): void {
    if (this.size === 0) throw new RangeError('ShardRowStream: no row has a target');
    const D = this.shards.D;
    let filled = 0;
    while (filled < nb) {
      const cur = this.current ?? this.nextShard();
      const take = Math.min(nb - filled, cur.order.length - this.rowAt);
      gatherStandardized(
        cur.x,
        D,
        cur.order,
        this.rowAt,
        take,
        stats.mean,
        stats.invStd,
        input.subarray(filled * (D + 1)),
        D + 1,
        keep,
        dropoutRng,
      );
      for (let d = 0; d < targets.length; d++) {
        const src = labels[d]!;
        const dst = targets[d]!;
        for (let i = 0; i < take; i++) dst[filled + i] = src[cur.rows[this.rowAt + i]!]!;
      }
      filled += take;
      this.rowAt += take;
      if (this.rowAt >= cur.order.length) this.current = null;
    }
  }

  /** Where the stream stands, for checkpoints (the loaded shard's rows a view: serialize before the next fill). */
  getState(): ShardRowStreamState {
    return {
      shardOrder: this.shardOrder.slice(),
      shardAt: this.shardAt,
      current: this.current && { index: this.currentIndex, rows: this.current.rows },
      rowAt: this.rowAt,
    };
  }

  /** Continues from getState() of a stream over the same shards and rows (its shard read again). */
  setState(state: ShardRowStreamState): void {
    if (state.shardOrder.length !== this.shardOrder.length) {
      throw new RangeError('ShardRowStream: the state is of a stream over other shards');
    }
    this.shardOrder.splice(0, this.shardOrder.length, ...state.shardOrder);
    this.shardAt = state.shardAt;
    this.current = state.current && this.load(state.current.index, Int32Array.from(state.current.rows));
    this.rowAt = state.rowAt;
  }

  /** Loads the next shard with rows (a new epoch after the last), its rows shuffled, as indices local to it. */
  private nextShard(): { x: Float32Array; order: Int32Array; rows: Int32Array } {
    for (;;) {
      if (this.shardAt >= this.shardOrder.length) {
        shuffleInPlace(this.shardOrder, this.rng);
        this.shardAt = 0;
      }
      const i = this.shardOrder[this.shardAt++]!;
      const list = this.rows[i]!;
      if (list.length === 0) continue;
      const rows = list.slice();
      shuffleInPlace(rows, this.rng);
      this.current = this.load(i, rows);
      this.rowAt = 0;
      return this.current;
    }
  }

  /** Visited shard i read, with `rows` (shard-order indices, in this epoch's order) as indices local to it. */
  private load(i: number, rows: Int32Array): { x: Float32Array; order: Int32Array; rows: Int32Array } {
    const s = this.visit[i]!;
    const { physical } = this.shards;
    const base = this.shards.offsets[s]!;
    const order = new Int32Array(rows.length);
    for (let r = 0; r < rows.length; r++) order[r] = physical ? physical[rows[r]!]! : rows[r]! - base;
    this.currentIndex = i;
    return { x: this.shards.read(s, this.buffer), order, rows };
  }
}

/** Fisher–Yates with the seeded generator. */
export function shuffleInPlace(a: Int32Array | number[], rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/**
 * Mean and 1/std (population) of each state feature over the rows `used` keeps, read shard by shard, accumulated
 * in float64 in two passes (centred second pass). A constant feature gets invStd 1.
 */
export function shardFeatureStats(shards: TrainShards, used: (row: number) => boolean): FeatureStats {
  const { D, offsets } = shards;
  const k = offsets.length - 1;
  let largest = 0;
  for (let s = 0; s < k; s++) largest = Math.max(largest, offsets[s + 1]! - offsets[s]!);
  const buffer = new Float32Array(shards.physical ? 0 : largest * D);
  const sum = new Float64Array(D);
  const sumSq = new Float64Array(D);
  let n = 0;
  const pass = (visit: (x: Float32Array, at: number) => void) => {
    for (let s = 0; s < k; s++) {
      const x = shards.read(s, buffer);
      for (let r = offsets[s]!; r < offsets[s + 1]!; r++) {
        if (!used(r)) continue;
        visit(x, (shards.physical ? shards.physical[r]! : r - offsets[s]!) * D);
      }
    }
  };
  pass((x, at) => {
    n++;
    for (let j = 0; j < D; j++) sum[j] += x[at + j]!;
  });
  const mean = sum.map((v) => v / Math.max(n, 1));
  pass((x, at) => {
    for (let j = 0; j < D; j++) {
      const c = x[at + j]! - mean[j]!;
      sumSq[j] += c * c;
    }
  });
  const stats = { mean: new Float32Array(D), invStd: new Float32Array(D).fill(1) };
  for (let j = 0; j < D; j++) {
    const std = Math.sqrt(sumSq[j]! / Math.max(n, 1));
    stats.mean[j] = mean[j]!;
    stats.invStd[j] = std > 0 ? 1 / std : 1;
  }
  return stats;
}
