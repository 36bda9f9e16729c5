// Batches for a truncated-BPTT language model whose recurrent state is carried from one chunk to the next.
// The partition is laid into B parallel streams; chunk k holds the next T positions of every stream, so
// stream b of chunk k+1 continues exactly where stream b of chunk k stopped. All arrays are time-major
// (T, B): the entry for time t and stream b is at index t * B + b.
//
// Segment rules: the model zeroes its state before a position whose reset is 1 (a segment start, or a stream
// start, which may fall mid-segment in training), and is never asked to predict across a segment boundary
// (target -1 at a segment's last position).

import { UserError } from '../core/errors.js';
import type { EncodedPartition } from './corpus.js';

export interface BatchChunk {
  /** Symbol id at each position. */
  inputs: Int32Array;
  /** Id of the next symbol in the same segment, or -1 (segment ends here, or padding). */
  targets: Int32Array;
  /** 1 where the state must be zeroed before this position. */
  resets: Uint8Array;
  /** Number of targets that are not -1. */
  predicted: number;
}

/** One chunk's arrays for batch B and seq T, all zero. */
export function allocChunk(batch: number, seq: number): BatchChunk {
  const size = batch * seq;
  return { inputs: new Int32Array(size), targets: new Int32Array(size), resets: new Uint8Array(size), predicted: 0 };
}

/** Training chunks: B equal streams of L = floor(n / B) symbols (the n mod B tail is dropped). */
export class StreamBatcher {
  readonly batch: number;
  readonly seq: number;
  /** Symbols per stream (L). */
  readonly streamLength: number;
  readonly chunksPerEpoch: number;
  private readonly ids: Uint8Array;
  private readonly boundary: Uint8Array;

  constructor(partition: EncodedPartition, batch: number, seq: number) {
    checkShape(batch, seq);
    const n = partition.ids.length;
    const L = Math.floor(n / batch);
    if (L < seq + 1) {
      throw new UserError(
        `corpus too small for batch ${batch} × seq ${seq}: its ${n} symbols make streams of ${L}, ` +
          `and each stream needs at least ${seq + 1} (${batch * (seq + 1)} symbols in all)`,
      );
    }
    this.batch = batch;
    this.seq = seq;
    this.streamLength = L;
    // Chunk k reads positions kT .. kT+T-1 and their targets up to kT+T, which must stay inside the stream.
    this.chunksPerEpoch = Math.floor((L - 1) / seq);
    this.ids = partition.ids;
    this.boundary = segmentBoundaries(partition);
  }

  /** Chunk k (0 ≤ k < chunksPerEpoch), written into `out` when given, else into fresh arrays. */
  chunk(k: number, out: BatchChunk = allocChunk(this.batch, this.seq)): BatchChunk {
    if (!Number.isInteger(k) || k < 0 || k >= this.chunksPerEpoch) {
      throw new RangeError(`chunk ${k} is outside 0..${this.chunksPerEpoch - 1}`);
    }
    const { batch: B, seq: T, streamLength: L, ids, boundary } = this;
    let predicted = 0;
    for (let t = 0; t < T; t++) {
      const p = k * T + t;
      for (let b = 0; b < B; b++) {
        predicted += writePosition(out, t * B + b, ids, boundary, b * L + p, p === 0);
      }
    }
    out.predicted = predicted;
    return out;
  }

  /** Targets that are not -1 in chunk k. */
  predictedCount(k: number): number {
    return this.chunk(k).predicted;
  }
}

/**
 * Evaluation chunks that cover every position of the partition exactly once, so perplexity counts each
 * predictable position (one that follows another in its segment) once. Unlike training, streams are cut
 * at segment starts, so every prediction sees its whole segment as context; streams therefore differ in
 * length, and a stream that has ended is padded (input 0, target -1, reset 1).
 */
export class EvalBatches implements Iterable<BatchChunk> {
  readonly batch: number;
  readonly seq: number;
  readonly chunkCount: number;
  /** Predictable positions in the partition: the sum of `predicted` over all chunks. */
  readonly predictedTotal: number;
  /** Start offset of each stream in the partition, then the partition length (length B + 1). */
  readonly streamStarts: Uint32Array;
  private readonly ids: Uint8Array;
  private readonly boundary: Uint8Array;

  constructor(partition: EncodedPartition, batch: number, seq: number) {
    checkShape(batch, seq);
    const n = partition.ids.length;
    this.batch = batch;
    this.seq = seq;
    this.ids = partition.ids;
    this.boundary = segmentBoundaries(partition);
    let predictable = 0;
    for (let g = 0; g < n; g++) if (this.boundary[g + 1] === 0) predictable++;
    if (predictable === 0) {
      throw new UserError('nothing to evaluate: no segment has more than one symbol');
    }
    this.predictedTotal = predictable;
    this.streamStarts = balancedCuts(partition, batch);
    let longest = 0;
    for (let b = 0; b < batch; b++) longest = Math.max(longest, this.streamStarts[b + 1] - this.streamStarts[b]);
    this.chunkCount = Math.ceil(longest / seq);
  }

  /** Chunk k (0 ≤ k < chunkCount), written into `out` when given, else into fresh arrays. */
  chunk(k: number, out: BatchChunk = allocChunk(this.batch, this.seq)): BatchChunk {
    if (!Number.isInteger(k) || k < 0 || k >= this.chunkCount) {
      throw new RangeError(`chunk ${k} is outside 0..${this.chunkCount - 1}`);
    }
    const { batch: B, seq: T, ids, boundary, streamStarts } = this;
    let predicted = 0;
    for (let t = 0; t < T; t++) {
      const p = k * T + t;
      for (let b = 0; b < B; b++) {
        const i = t * B + b;
        const g = streamStarts[b] + p;
        if (g >= streamStarts[b + 1]) {
          out.inputs[i] = 0;
          out.targets[i] = -1;
          out.resets[i] = 1;
          continue;
        }
        // Streams end at a segment boundary, so a stream's last position always gets target -1 here.
        predicted += writePosition(out, i, ids, boundary, g, p === 0);
      }
    }
    out.predicted = predicted;
    return out;
  }

  *[Symbol.iterator](): Iterator<BatchChunk> {
    for (let k = 0; k < this.chunkCount; k++) yield this.chunk(k);
  }
}

/** Evaluation chunks for a partition; see EvalBatches. */
export function evalChunks(partition: EncodedPartition, batch: number, seq: number): EvalBatches {
  return new EvalBatches(partition, batch, seq);
}

function checkShape(batch: number, seq: number): void {
  if (!Number.isSafeInteger(batch) || batch < 1) throw new UserError(`batch must be a whole number ≥ 1 (got ${batch})`);
  if (!Number.isSafeInteger(seq) || seq < 1) throw new UserError(`seq must be a whole number ≥ 1 (got ${seq})`);
}

/** flags[g] = 1 when position g starts a segment; flags[n] = 1 too, so "next position" needs no bounds check. */
function segmentBoundaries(p: EncodedPartition): Uint8Array {
  const n = p.ids.length;
  if (p.starts.length === 0 || p.starts[0] !== 0 || p.starts[p.starts.length - 1] !== n) {
    throw new RangeError('partition starts must begin at 0 and end at ids.length');
  }
  const flags = new Uint8Array(n + 1);
  for (let i = 0; i < p.starts.length; i++) flags[p.starts[i]] = 1;
  return flags;
}

/**
 * B + 1 stream start offsets: each cut is the segment start nearest to an equal share b·n/B, so streams hold
 * whole segments and are as even as the segment lengths allow (a stream may be empty).
 */
function balancedCuts(p: EncodedPartition, batch: number): Uint32Array {
  const n = p.ids.length;
  const cuts = new Uint32Array(batch + 1);
  cuts[batch] = n;
  for (let b = 1; b < batch; b++) {
    const nearest = nearestStart(p.starts, Math.round((b * n) / batch));
    cuts[b] = Math.max(cuts[b - 1], nearest);
  }
  return cuts;
}

/** The value in the sorted `starts` closest to `x` (the lower one on a tie). */
function nearestStart(starts: Uint32Array, x: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  // Find the first start ≥ x.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  const above = starts[lo];
  if (lo === 0) return above;
  const below = starts[lo - 1];
  return x - below <= above - x ? below : above;
}

/**
 * Slot i of a chunk from position g of the partition: its symbol, a reset where a stream or segment starts, and the
 * next symbol as target unless g ends its segment (-1). Returns 1 when the slot predicts something.
 */
function writePosition(
  out: BatchChunk,
  i: number,
  ids: Uint8Array,
  boundary: Uint8Array,
  g: number,
  streamStart: boolean,
): number {
  out.inputs[i] = ids[g]!;
  out.resets[i] = streamStart || boundary[g] === 1 ? 1 : 0;
  if (boundary[g + 1] === 1) {
    out.targets[i] = -1;
    return 0;
  }
  out.targets[i] = ids[g + 1]!;
  return 1;
}
