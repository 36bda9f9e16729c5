// --mdl: the online code length of a layer's labels given its states (Voita & Titov 2020, "Information-theoretic
// probing with minimum description length"). The train positions, in a random order, are cut into blocks ending at
// 0.1, 0.2, 0.4, …, 50 and 100% of them; the first block is sent with the uniform code, and each next block with the
// decoders trained (as the signature trains them, dev for early stopping) on all the blocks before it. The length
// measures how readily the state gives the label away, not only whether a decoder eventually finds it.

import { Rng } from '../core/random.js';
import type { TrainDecoders } from './capacity-sweep.js';
import type { DecoderConfig, DecoderData, DecoderHooks, DecoderOutcome } from './decoders.js';
import { entropyBits, symbolPrior } from './metrics.js';
import type { DeltaOnlineCode } from './signature-types.js';

/** Block ends, as fractions of the train positions: Voita & Titov's. */
export const ONLINE_CODE_BLOCKS: readonly number[] = [
  0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.0625, 0.125, 0.25, 0.5, 1,
];

/** Rows (of `rows`) at each block's end: increasing, the first at least 1, the last all of them. */
export function blockEnds(rows: number, blocks: readonly number[] = ONLINE_CODE_BLOCKS): number[] {
  if (!(Number.isSafeInteger(rows) && rows >= 2)) throw new RangeError(`online code: needs 2 train rows or more`);
  if (blocks.length < 2 || blocks[blocks.length - 1] !== 1 || blocks.some((b, i) => !(b > (blocks[i - 1] ?? 0)))) {
    throw new RangeError(`online code: blocks must rise to 1 (got ${blocks.join(', ')})`);
  }
  const ends: number[] = [];
  for (const b of blocks) {
    const previous = ends[ends.length - 1] ?? 0;
    const end = Math.min(rows, Math.max(previous + 1, Math.round(b * rows)));
    if (end > previous) ends.push(end);
  }
  ends[ends.length - 1] = rows;
  return ends;
}

/**
 * The online code reads at most this many train positions (a random subset of them): its blocks are copied into
 * memory, 640 MB for a 320-unit state, where the signature's own decoders read millions of positions from shards.
 */
export const ONLINE_CODE_POSITIONS = 500_000;

/** Reads a shard file of train states whole (DecoderHooks.readShardFile). */
export type ShardFileReader = (path: string, into: Float32Array) => Float32Array;

/**
 * The train rows that have a label for some δ, in a random order drawn from `rng` (the first `maxRows` of it),
 * copied into one (n, D) array, wherever the states are (in memory in any order, or in shard files); labels follow
 * the same order.
 */
export function shuffledTrainRows(
  data: DecoderData,
  rng: Rng,
  readShardFile?: ShardFileReader,
  maxRows = Number.POSITIVE_INFINITY,
): { x: Float32Array; labels: Int32Array[]; n: number } {
  const { D } = data;
  const n0 = data.nTrain;
  const used: number[] = [];
  for (let r = 0; r < n0; r++) if (data.trainLabels.some((l) => l[r] !== -1)) used.push(r);
  const order = rng.shuffle(used).slice(0, maxRows);
  const n = order.length;
  const slot = new Int32Array(n0).fill(-1);
  order.forEach((r, i) => {
    slot[r] = i;
  });
  const x = new Float32Array(n * D);
  const put = (r: number, src: Float32Array, at: number) => {
    const i = slot[r]!;
    if (i >= 0) x.set(src.subarray(at * D, (at + 1) * D), i * D);
  };
  const shards = data.shards;
  if (shards?.files) {
    if (!readShardFile) throw new Error('online code: the train states are in files but no reader was given');
    const { offsets, files } = shards;
    let buffer = new Float32Array(0);
    for (let s = 0; s + 1 < offsets.length; s++) {
      const rows = offsets[s + 1]! - offsets[s]!;
      if (buffer.length < rows * D) buffer = new Float32Array(rows * D);
      const states = readShardFile(files[s]!, buffer.subarray(0, rows * D));
      for (let k = 0; k < rows; k++) put(offsets[s]! + k, states, k);
    }
  } else {
    const physical = shards?.physical;
    for (let r = 0; r < n0; r++) put(r, data.train, physical ? physical[r]! : r);
  }
  const labels = data.trainLabels.map((l) => Int32Array.from(order, (r) => l[r]!));
  return { x, labels, n };
}

/** Per δ, the labelled rows of `labels` in [from, to). */
function labelled(labels: Int32Array, from: number, to: number): number {
  let c = 0;
  for (let r = from; r < to; r++) if (labels[r] !== -1) c++;
  return c;
}

export interface OnlineCodeOptions {
  blocks?: readonly number[];
  readShardFile?: ShardFileReader;
  /** Train positions read at most (default ONLINE_CODE_POSITIONS). */
  maxPositions?: number;
  /** Told of each block as its decoders start training: 1-based, of how many. */
  onBlock?: (block: number, blocks: number, trainRows: number) => void;
}

/**
 * The online code length of every δ of one layer. Each block's decoders are trained by `train` with `config`
 * (no half stage: the code needs no learning curve), the block after it as their eval partition; its bits are the
 * negative log-likelihood there, at the epoch chosen by dev. The row order comes from config.seed.
 */
export async function onlineCodeLength(
  train: TrainDecoders,
  data: DecoderData,
  config: DecoderConfig,
  hooks: DecoderHooks,
  options: OnlineCodeOptions = {},
): Promise<DeltaOnlineCode[]> {
  const { D, V } = data;
  const rows = shuffledTrainRows(
    data,
    new Rng(config.seed).fork(52_711),
    options.readShardFile,
    options.maxPositions ?? ONLINE_CODE_POSITIONS,
  );
  const ends = blockEnds(rows.n, options.blocks);
  const deltas = rows.labels.length;
  const uniform = Math.log2(V);
  const bits = Array.from({ length: deltas }, (_, d) => [labelled(rows.labels[d]!, 0, ends[0]!) * uniform]);
  for (let b = 1; b < ends.length; b++) {
    const from = ends[b - 1]!;
    const to = ends[b]!;
    options.onBlock?.(b, ends.length - 1, from);
    const block: DecoderData = {
      train: rows.x.subarray(0, from * D),
      nTrain: from,
      trainLabels: rows.labels.map((l) => l.subarray(0, from)),
      dev: data.dev,
      nDev: data.nDev,
      devLabels: data.devLabels,
      eval: rows.x.subarray(from * D, to * D),
      nEval: to - from,
      evalLabels: rows.labels.map((l) => l.subarray(from, to)),
      D,
      V,
    };
    const outcomes: DecoderOutcome[] = await train(block, { ...config, halfStage: false }, hooks);
    for (const [d, o] of outcomes.entries()) bits[d]!.push(-o.evalLogLikelihood / Math.LN2);
  }
  return bits.map((blockBits, d) => {
    const labels = rows.labels[d]!;
    const positions = labelled(labels, 0, rows.n);
    const totalBits = blockBits.reduce((a, x) => a + x, 0);
    const perPosition = positions > 0 ? totalBits / positions : 0;
    const prior = entropyBits(symbolPrior(labels, V));
    return {
      ends: ends.map((e) => labelled(labels, 0, e)),
      blockBits,
      totalBits,
      bitsPerPosition: perPosition,
      uniformBitsPerPosition: uniform,
      priorBitsPerPosition: prior,
      compression: perPosition > 0 ? uniform / perPosition : Number.POSITIVE_INFINITY,
      priorCompression: perPosition > 0 ? prior / perPosition : Number.POSITIVE_INFINITY,
    };
  });
}

/** Codes of the same decoder with several seeds as one: the means, with each seed's bits per position kept. */
export function combineSeedCodes(perSeed: readonly DeltaOnlineCode[]): DeltaOnlineCode {
  const first = perSeed[0];
  if (!first) throw new RangeError('combineSeedCodes: no seeds');
  if (perSeed.length === 1) return first;
  const mean = (f: (c: DeltaOnlineCode) => number) => perSeed.reduce((a, c) => a + f(c), 0) / perSeed.length;
  const bitsPerPosition = mean((c) => c.bitsPerPosition);
  return {
    ...first,
    blockBits: first.blockBits.map((_, i) => mean((c) => c.blockBits[i]!)),
    totalBits: mean((c) => c.totalBits),
    bitsPerPosition,
    compression: first.uniformBitsPerPosition / bitsPerPosition,
    priorCompression: first.priorBitsPerPosition / bitsPerPosition,
    seedBitsPerPosition: perSeed.map((c) => c.bitsPerPosition),
  };
}
