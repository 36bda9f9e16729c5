// The n-gram LM as something memorySignature analyses (the paper's "states encoded in the n-gram", Figure 5). Its
// state at step t is the context it actually uses to predict the symbol after x_t: the longest suffix of x_1..x_t (at
// most n − 1 symbols) found among its kept contexts, one-hot per position (block j = x_{t−j}, V values each) and zeros
// past the used length, so (n − 1)·V values. Like the char LM's h_t it includes the current input x_t, so the
// decoder for δ can recall x_{t−δ} only for δ ≤ used length − 1 ≤ n − 2.

import { createHash } from 'node:crypto';
import { UserError } from '../core/errors.js';
import type { BatchChunk } from '../data/batches.js';
import type { NgramModel } from '../models/ngram.js';
import { forwardAccuracyOf } from '../train/evaluate.js';
import type { AnalysableModel } from './analysable-model.js';
import type { StateSource } from './state-source.js';

/**
 * Kernel + input-projection parameters of the paper's comparison layer, a 1-layer GRU with 320 units and a 32-wide
 * embedding: 3·320·(32 + 320) + 2·3·320. The default cap on the n-gram's decoder-size target.
 */
export const PAPER_GRU_LAYER_PARAMETERS = 3 * 320 * (32 + 320) + 2 * 3 * 320;

export interface NgramAnalysableOptions {
  label?: string;
  /**
   * The parameter count the decoder must reach (the paper's rule asks for at least the layer's parameters). Default:
   * the stored n-grams (each is one estimated number, the n-gram's "parameters"), capped at
   * PAPER_GRU_LAYER_PARAMETERS: uncapped, a Shakespeare 5-gram would ask for decoders several times larger than the
   * GRU's it is compared with, and a difference in recall would partly be a difference in decoder size. Pass the
   * compared model's layerParameterCount to match it exactly.
   */
  decoderTarget?: number;
}

export function ngramAnalysable(model: NgramModel, options: NgramAnalysableOptions = {}): AnalysableModel {
  if (model.order < 2) throw new UserError('an n-gram of order 1 has no context, so no state to analyse');
  const D = (model.order - 1) * model.vocab;
  const ngrams = model.ngramCount;
  const target = options.decoderTarget ?? Math.min(ngrams, PAPER_GRU_LAYER_PARAMETERS);
  if (!(Number.isSafeInteger(target) && target >= 1)) {
    throw new UserError(`decoderTarget must be a whole number ≥ 1 (got ${target})`);
  }
  let digest: string | null = null;
  return {
    layers: 1,
    stateSizes: [D],
    vocab: model.vocab,
    describe: () => {
      digest ??= ngramDigest(model);
      return {
        kind: 'ngram',
        label:
          options.label ??
          `${model.order}-gram, modified Kneser-Ney${model.prune > 1 ? `, pruned below ${model.prune}` : ''}`,
        cell: null,
        layers: 1,
        units: D,
        embed: null,
        weightsSha256: digest,
        details: { order: model.order, prune: model.prune, ngrams },
      };
    },
    stateSource(state) {
      if (state !== 'h') throw new UserError('an n-gram model has only its context state (use --state h)');
      return ngramStateSource(model);
    },
    layerParameterCount(layer) {
      if (layer !== 0) throw new RangeError(`an n-gram model has one layer (asked for layer ${layer + 1})`);
      return target;
    },
    forwardAccuracy: (partition, symbols) => forwardAccuracyOf(model.evaluate(partition, symbols)),
  };
}

/**
 * The context state as a StateSource: per stream the last n − 1 inputs, emptied where a chunk says reset (segment
 * starts), exactly as the char LM zeroes its state; the output is (T, B, (n − 1)·V) row-major.
 */
export function ngramStateSource(model: NgramModel): StateSource {
  const V = model.vocab;
  const N = model.order - 1; // context positions
  const D = N * V;
  let history = new Uint8Array(0); // (B, N): stream b's last N inputs in reading order, right-aligned
  let lengths = new Uint8Array(0); // inputs held per stream (≤ N)
  let streams = 0;
  let out = new Float32Array(0);
  return {
    layers: 1,
    stateSizes: [D],
    begin(B: number): void {
      history = new Uint8Array(B * N);
      lengths = new Uint8Array(B);
      streams = B;
    },
    run(chunk: BatchChunk, T: number, B: number): Float32Array[] {
      if (streams === 0) throw new Error('StateSource.run before begin');
      if (B !== streams) throw new Error(`StateSource.run with ${B} streams after begin(${streams})`);
      if (out.length < T * B * D) out = new Float32Array(T * B * D);
      const state = out.subarray(0, T * B * D);
      state.fill(0);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const i = t * B + b;
          const row = b * N;
          if (chunk.resets[i]) lengths[b] = 0;
          history.copyWithin(row, row + 1, row + N);
          history[row + N - 1] = chunk.inputs[i];
          if (lengths[b] < N) lengths[b]++;
          const end = row + N;
          const used = model.usedContextLengthAt(history, end, lengths[b]);
          for (let j = 0; j < used; j++) state[i * D + j * V + history[end - 1 - j]] = 1;
        }
      }
      return [state];
    },
  };
}

/**
 * sha256 (hex) of the model's canonical encoding: order, V, prune, then per order its discounts (float64) and its
 * kept keys (float64) and counts (uint32), in the platform's byte order (little-endian wherever Node runs). Two models
 * with equal tables give equal digests.
 */
export function ngramDigest(model: NgramModel): string {
  const hash = createHash('sha256');
  hash.update(Buffer.from(new Uint32Array([model.order, model.vocab, model.prune]).buffer));
  for (const t of model.tables) {
    hash.update(Buffer.from(new Float64Array(t.discounts).buffer));
    hash.update(Buffer.from(t.keys.buffer, t.keys.byteOffset, t.keys.byteLength));
    hash.update(Buffer.from(t.counts.buffer, t.counts.byteOffset, t.counts.byteLength));
  }
  return hash.digest('hex');
}
