// The recurrent state at the sampled positions. The model runs over the whole partition in evaluation chunks (every
// position once, streams cut at segment starts, state reset at each segment start), so the state at a position is
// exactly what the model computes reading its segment from the start; only the rows of sampled positions are kept.

import { allocChunk, evalChunks } from '../data/batches.js';
import type { EncodedPartition } from '../data/corpus.js';
import type { SampledPositions } from './positions.js';
import type { StateSource } from './state-source.js';

export interface ExtractProgress {
  /** Chunks run so far, and the number that will run (fewer than the partition's when the sample ends early). */
  chunks: number;
  totalChunks: number;
}

export interface ExtractOptions {
  /** Parallel streams (default 32). */
  batch?: number;
  /** Steps per chunk (default 64). */
  seq?: number;
  signal?: AbortSignal;
  onProgress?: (p: ExtractProgress) => void;
  /** Awaited after every chunk, so that the host's event loop (e.g. a Ctrl-C handler) can run. */
  yieldToHost?: () => Promise<void>;
  /**
   * Receives each sampled position's state instead of the returned matrices (which are then empty): sink(i, j, row)
   * with i the position's index in positions.index, j the index in `layers`, row a view valid during the call.
   * Positions arrive in a fixed order for a given batch and seq (chunk by chunk, stream by stream), not sorted.
   */
  sink?: (i: number, j: number, row: Float32Array) => void;
}

/**
 * The state of each requested layer (0-based) at every sampled position: per layer an (N, H_l) row-major matrix whose
 * row i is the state at positions.index[i]. Memory beyond the result is one chunk's worth of state.
 */
export async function extractStates(
  source: StateSource,
  partition: EncodedPartition,
  positions: SampledPositions,
  layers: number[],
  options: ExtractOptions = {},
): Promise<Float32Array[]> {
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= source.layers) {
      throw new RangeError(`layer ${l} is outside 0..${source.layers - 1}`);
    }
  }
  const { index } = positions;
  const N = index.length;
  const sizes = layers.map((l) => source.stateSizes[l]!);
  // Shared memory, so that the decoder pool's workers read these rows without a copy.
  const { sink } = options;
  const out = sizes.map((H) => new Float32Array(new SharedArrayBuffer(sink ? 0 : N * H * 4)));
  if (N === 0) return out;
  for (let i = 1; i < N; i++) {
    if (index[i]! <= index[i - 1]!) throw new RangeError('positions.index must be sorted ascending without repeats');
  }
  if (index[N - 1]! >= partition.ids.length) throw new RangeError('a sampled position lies outside the partition');

  const { B, T, batches, first, chunks } = planExtraction(partition, positions, options);
  const { streamStarts } = batches;
  const next = first.slice(0, B);

  const chunk = allocChunk(B, T);
  source.begin(B);
  for (let k = 0; k < chunks; k++) {
    if (options.yieldToHost) await options.yieldToHost();
    options.signal?.throwIfAborted();
    batches.chunk(k, chunk);
    const states = source.run(chunk, T, B);
    for (let b = 0; b < B; b++) {
      const from = streamStarts[b]! + k * T; // offset of step t = 0 of this chunk in stream b
      const end = first[b + 1]!;
      let i = next[b]!;
      for (; i < end && index[i]! < from + T; i++) {
        const row = (index[i]! - from) * B + b; // (t, b) in the (T, B) chunk
        for (let j = 0; j < layers.length; j++) {
          const H = sizes[j]!;
          const state = states[layers[j]!]!.subarray(row * H, (row + 1) * H);
          if (sink) sink(i, j, state);
          else out[j]!.set(state, i * H);
        }
      }
      next[b] = i;
    }
    options.onProgress?.({ chunks: k + 1, totalChunks: chunks });
  }
  return out;
}

/** How extraction walks a partition: B streams of T steps per chunk, and the sampled positions of each stream. */
interface ExtractionPlan {
  B: number;
  T: number;
  batches: ReturnType<typeof evalChunks>;
  /** Stream b holds the sampled positions first[b] .. first[b+1]−1 (a run of positions.index). */
  first: Uint32Array;
  /** Chunks run: until every stream has passed its last sampled position. */
  chunks: number;
}

function planExtraction(
  partition: EncodedPartition,
  positions: SampledPositions,
  options: Pick<ExtractOptions, 'batch' | 'seq'>,
): ExtractionPlan {
  const { index } = positions;
  const N = index.length;
  // No more parallel streams than segments: the rest would be empty padding that the model still runs (a text read
  // as one stream would pay 32 times its cost).
  const B = Math.max(1, Math.min(options.batch ?? 32, partition.starts.length - 1));
  const T = options.seq ?? 64;
  const batches = evalChunks(partition, B, T);
  const { streamStarts } = batches;
  // Stream b holds offsets streamStarts[b] .. streamStarts[b+1]−1, so its sampled positions are a run of index.
  const first = new Uint32Array(B + 1);
  for (let b = 0, i = 0; b <= B; b++) {
    while (i < N && index[i]! < streamStarts[b]!) i++;
    first[b] = i;
  }
  let chunks = 0;
  for (let b = 0; b < B; b++) {
    if (first[b + 1]! > first[b]!) {
      const lastStep = index[first[b + 1]! - 1]! - streamStarts[b]!;
      chunks = Math.max(chunks, Math.floor(lastStep / T) + 1);
    }
  }
  return { B, T, batches, first, chunks };
}

/**
 * The order in which extractStates hands the sampled positions (indices into positions.index) to its sink, for the
 * same batch and seq: chunk by chunk, stream by stream. A reader of states stored elsewhere follows it to deal them
 * into train shards exactly as extraction from a model does.
 */
export function extractionOrder(
  partition: EncodedPartition,
  positions: SampledPositions,
  options: Pick<ExtractOptions, 'batch' | 'seq'> = {},
): Uint32Array {
  const { index } = positions;
  const order = new Uint32Array(index.length);
  if (index.length === 0) return order;
  const { B, T, batches, first, chunks } = planExtraction(partition, positions, options);
  const next = first.slice(0, B);
  let at = 0;
  for (let k = 0; k < chunks; k++) {
    for (let b = 0; b < B; b++) {
      const end = first[b + 1]!;
      const until = batches.streamStarts[b]! + (k + 1) * T;
      let i = next[b]!;
      for (; i < end && index[i]! < until; i++) order[at++] = i;
      next[b] = i;
    }
  }
  return order;
}
