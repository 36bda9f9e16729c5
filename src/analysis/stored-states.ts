// States computed elsewhere (a states file: any model, any framework, any machine) as a model the signature
// pipeline analyses. Its states are not computed but read: only the rows of the sampled positions, in file order,
// dealt into the train shards exactly as the states of a model memsig ran would be (extractionOrder), so that the
// same states give the same signature whichever way they came.

import { UserError } from '../core/errors.js';
import type { AnalysableModel } from './analysable-model.js';
import type { PositionStateReader } from './position-states.js';
import type { StateKind } from './signature-types.js';
import { extractionOrder } from './states.js';
import { rowsOfPositions, type StoredText } from './stored-text.js';
import { collectTrainStates } from './train-states.js';

/** One kind of state (c or h) of every layer, as rows of a file. */
export interface StoredLayerRows {
  /** State size of each layer. */
  readonly stateSizes: number[];
  /** Reads layer l's rows at `rows` (sorted ascending) and calls sink(k, row) for rows[k], in that order. */
  read(
    layer: number,
    rows: Float64Array,
    sink: (k: number, row: Float32Array) => void,
    options: { signal?: AbortSignal; yieldToHost?: () => Promise<void> },
  ): Promise<void>;
}

export interface StoredModelInfo {
  /** A short label, e.g. "states of lstm.safetensors". */
  label: string;
  /** sha256 of the states file. */
  sha256: string;
  cell: string | null;
  /** Symbols of the alphabet. */
  vocab: number;
  /** Per layer, the parameter count the decoders are sized by (the paper's rule), or null: see layerParameterCount. */
  parameters: number[] | null;
  details: Record<string, number | string>;
}

/**
 * The parameters of an LSTM layer of D units reading D inputs (kernels and both biases): what the paper's decoder
 * rule is given for a layer whose model is unknown.
 */
export function lstmEquivalentParameters(D: number): number {
  return 8 * D * D + 8 * D;
}

/** The rows of stored states at sampled positions of the file's partitions. */
export function storedStateReader(stored: StoredLayerRows, text: StoredText): PositionStateReader {
  const sizes = stored.stateSizes;
  return {
    async dense(part, positions, layers, options) {
      const N = positions.index.length;
      const rows = rowsOfPositions(text.partitions[part], positions.index);
      const out = layers.map((l) => new Float32Array(new SharedArrayBuffer(N * sizes[l]! * 4)));
      for (const [j, l] of layers.entries()) {
        const H = sizes[l]!;
        await stored.read(l, rows, (k, row) => out[j]!.set(row, k * H), options);
        options.onProgress?.({ chunks: j + 1, totalChunks: layers.length });
      }
      return out;
    },
    async train(positions, layers, rng, memoryBytes, files, options) {
      const rows = rowsOfPositions(text.partitions.train, positions.index);
      const order = extractionOrder(text.partitions.train, positions);
      return collectTrainStates(
        positions,
        layers.map((l) => sizes[l]!),
        order,
        rng,
        memoryBytes,
        files,
        async (j, sink) => {
          await stored.read(layers[j]!, rows, sink, options);
          options.onProgress?.({ chunks: j + 1, totalChunks: layers.length });
        },
      );
    },
  };
}

/**
 * A states file's `state` rows (c or h of every layer) as an AnalysableModel of kind 'external'. It has no
 * next-symbol predictions and nothing to run: memorySignature reads its states through stateReader.
 */
export function storedAnalysable(
  info: StoredModelInfo,
  state: StateKind,
  stored: StoredLayerRows,
  text: StoredText,
): AnalysableModel {
  const sizes = stored.stateSizes;
  return {
    layers: sizes.length,
    stateSizes: sizes,
    vocab: info.vocab,
    describe: () => ({
      kind: 'external',
      label: info.label,
      cell: info.cell,
      layers: sizes.length,
      units: Math.max(...sizes),
      embed: null,
      weightsSha256: info.sha256,
      details: info.details,
    }),
    stateSource: () => {
      throw new Error('stored states are read (stateReader), not computed');
    },
    stateReader: (asked) => {
      if (asked !== state)
        throw new UserError(`the states file's ${state} states were opened, not its ${asked} states`);
      return storedStateReader(stored, text);
    },
    layerParameterCount: (layer) => info.parameters?.[layer] ?? lstmEquivalentParameters(sizes[layer]!),
    forwardAccuracy: () => null,
  };
}
