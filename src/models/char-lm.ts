// The character language model of the paper: embedding → stacked LSTM/GRU → linear projection to the symbol set.
// Parameters carry PyTorch's names (see char-lm-params.ts); forward keeps what backward needs for one chunk.

import type { Gemm } from '../core/gemm.js';
import { GruLayer } from '../core/gru.js';
import { LstmLayer } from '../core/lstm.js';
import type { LayerState, RecurrentLayer, RecurrentParams, SequenceControl } from '../core/recurrent.js';
import { type CharLmShape, charLmParamShapes } from './char-lm-params.js';
import {
  type DropoutSettings,
  layerStateArrays,
  layerStatesFrom,
  recurrentParamsOf,
  StackedLm,
  type StateArrays,
  type Tensor,
} from './stacked-lm.js';

export type { DropoutSettings, StateArray, StateArrays, Tensor } from './stacked-lm.js';

export class CharLm extends StackedLm<RecurrentLayer, RecurrentParams, SequenceControl> {
  readonly shape: CharLmShape;

  /**
   * `params` (and `grads`) supply the buffers to use, e.g. shared memory seen by several threads; by default the model
   * allocates zeroed ones.
   */
  constructor(shape: CharLmShape, params?: Map<string, Tensor>, grads?: Map<string, Float32Array>) {
    super(
      {
        name: 'CharLm',
        ...shape,
        paramShapes: charLmParamShapes(shape),
        makeLayer: (_k, inputSize) =>
          shape.cell === 'lstm'
            ? new LstmLayer(inputSize, shape.units, shape.gate)
            : new GruLayer(inputSize, shape.units, shape.resetAfter ?? true, shape.gate),
        pickParams: recurrentParamsOf,
      },
      params,
      grads,
    );
    this.shape = { ...shape };
  }

  /** A zero state for B parallel streams. */
  zeroState(B: number): LayerState[] {
    const n = B * this.shape.units;
    return this.layers.map(() => ({
      h: new Float32Array(n),
      c: this.shape.cell === 'lstm' ? new Float32Array(n) : null,
    }));
  }

  /** The state's arrays by name (l{k}.h, l{k}.c), views: see StateArrays. */
  stateArrays(state: LayerState[]): StateArrays {
    return layerStateArrays(state);
  }

  /** A state over the arrays stateArrays() names (views, e.g. one thread's streams of a shared state). */
  stateFromArrays(arrays: StateArrays): LayerState[] {
    return layerStatesFrom(arrays, this.shape.layers, this.shape.cell === 'lstm');
  }

  /**
   * Runs a chunk: ids (T, B) → logits (T, B, V), a view valid until the next forward. The state carries over from
   * the previous chunk and is updated in place. resets (T, B) zero the state before a step, or null.
   */
  forward(
    gemm: Gemm,
    ids: Int32Array,
    T: number,
    B: number,
    state: LayerState[],
    resets: Uint8Array | null,
    dropout: DropoutSettings | null,
  ): Float32Array {
    return this.runChunk(gemm, ids, T, B, state, { resets }, dropout);
  }
}
