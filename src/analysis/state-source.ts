// What the signature pipeline needs from a model: run it over a symbol stream and read back the recurrent state of
// each layer at every step. The character LM, the n-gram model and the synthetic models of the tests all implement
// it, so state extraction (states.ts) is written once.

import type { Gemm } from '../core/gemm.js';
import type { LayerState } from '../core/recurrent.js';
import type { BatchChunk } from '../data/batches.js';
import type { CharLm } from '../models/char-lm.js';

export interface StateSource {
  readonly layers: number;
  /** State size of each layer (H_l). */
  readonly stateSizes: number[];
  /** Start B parallel streams with zero state. */
  begin(B: number): void;
  /**
   * Runs one (T, B) chunk (ids, resets as in BatchChunk: the state is zeroed before a position whose reset is 1) and
   * returns, per layer, its state at every (t, b) as (T, B, H_l) views valid until the next call.
   */
  run(chunk: BatchChunk, T: number, B: number): Float32Array[];
}

/** What a stacked language model offers state extraction (CharLm, FactorizedLm). */
export interface StackedModel<S> {
  readonly shape: { layers: number; units: number };
  zeroState(B: number): S;
  memory(k: number): Float32Array;
  hidden(k: number): Float32Array;
}

/**
 * A frozen stacked LM as a StateSource: `forward` runs a chunk from the carried state (no dropout); then state 'c'
 * reads memory(k) (c_t of an LSTM, h_t of a GRU, its only state) and 'h' reads hidden(k) (h_t, the layer's output).
 */
export function stackedStateSource<S>(
  model: StackedModel<S>,
  state: 'c' | 'h',
  forward: (chunk: BatchChunk, T: number, B: number, carried: S) => void,
): StateSource {
  const { layers, units } = model.shape;
  let carried: S | null = null;
  let streams = 0;
  return {
    layers,
    stateSizes: Array.from({ length: layers }, () => units),
    begin(B: number): void {
      carried = model.zeroState(B);
      streams = B;
    },
    run(chunk: BatchChunk, T: number, B: number): Float32Array[] {
      if (carried === null) throw new Error('StateSource.run before begin');
      if (B !== streams) throw new Error(`StateSource.run with ${B} streams after begin(${streams})`);
      forward(chunk, T, B, carried);
      return Array.from({ length: layers }, (_, k) => (state === 'c' ? model.memory(k) : model.hidden(k)));
    },
  };
}

/** A frozen CharLm as a StateSource (see stackedStateSource). */
export function charLmStateSource(model: CharLm, gemm: Gemm, state: 'c' | 'h'): StateSource {
  return stackedStateSource<LayerState[]>(model, state, (chunk, T, B, carried) =>
    model.forward(gemm, chunk.inputs, T, B, carried, chunk.resets, null),
  );
}
