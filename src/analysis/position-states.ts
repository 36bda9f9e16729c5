// Where a memory signature reads the states at its sampled positions: a frozen model run over the text (its
// StateSource), or rows stored elsewhere (a states file, stored-states.ts). Everything after this step (decoders,
// metrics, the signature file) is the same for both.

import type { Rng } from '../core/random.js';
import type { CorpusPartitions } from '../data/corpus.js';
import type { SampledPositions } from './positions.js';
import type { StateSource } from './state-source.js';
import { type ExtractOptions, extractStates } from './states.js';
import { extractTrainStates, type ShardFileStore, type TrainStates } from './train-states.js';

export interface PositionStateReader {
  /** The dev or eval states of `layers` (0-based): per layer an (N, H) matrix in shared memory, row i at index[i]. */
  dense(
    part: 'dev' | 'eval',
    positions: SampledPositions,
    layers: number[],
    options: ExtractOptions,
  ): Promise<Float32Array[]>;
  /** The train states of `layers`, dealt into shards by `rng` (see extractTrainStates). */
  train(
    positions: SampledPositions,
    layers: number[],
    rng: Rng,
    memoryBytes: number,
    files: ShardFileStore | null,
    options: ExtractOptions,
  ): Promise<TrainStates>;
}

/** States computed by running a model over each partition. */
export function modelStateReader(source: StateSource, partitions: CorpusPartitions): PositionStateReader {
  return {
    dense: (part, positions, layers, options) => extractStates(source, partitions[part], positions, layers, options),
    train: (positions, layers, rng, memoryBytes, files, options) =>
      extractTrainStates(source, partitions.train, positions, layers, rng, memoryBytes, files, options),
  };
}
