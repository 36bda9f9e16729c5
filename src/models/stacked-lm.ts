// What every character language model here shares: embedding → stacked recurrent layers (with dropout between them)
// → linear projection to the symbol set. The parameters, their gradients, a chunk's forward with the workspaces its
// backward needs, and the backward. The models (char-lm.ts, factorized-lm.ts) say which layers, which parameters and
// what per-chunk control the layers get.

import { embeddingBackward, embeddingForward } from '../core/embedding.js';
import type { Gemm } from '../core/gemm.js';
import { linearBackward, linearForward } from '../core/linear.js';
import { LstmLayer } from '../core/lstm.js';
import type { Param } from '../core/optim.js';
import type { Rng } from '../core/random.js';
import {
  ensureCapacity,
  type InputProjection,
  type LayerState,
  type RecurrentLayer,
  type RecurrentParams,
  type SequenceControl,
} from '../core/recurrent.js';
import { DropoutSlots } from './dropout-slots.js';
import { symbolInputProjection } from './symbol-projection.js';

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** Dropout of a training step. p is the drop probability; 0 disables. */
export interface DropoutSettings {
  /** On the embedding output, between layers and on the last layer's output. */
  p: number;
  /** On h_{t-1} as the recurrent kernel sees it, one mask per chunk (variational). */
  recurrent: number;
  rng: Rng;
}

/** How a model builds its stack. */
export interface StackSpec<L extends RecurrentLayer, P extends RecurrentParams> {
  /** For error messages. */
  name: string;
  layers: number;
  units: number;
  embed: number;
  vocab: number;
  /** Every parameter, name → shape, in a fixed order (embed.weight, rnn.*_l{k}, proj.weight, proj.bias). */
  paramShapes: Map<string, number[]>;
  makeLayer(k: number, inputSize: number): L;
  /** Layer k's parameters (or gradients) out of the name → buffer map. */
  pickParams(k: number, buffers: Map<string, Float32Array>): P;
}

/** Layer k's nn.LSTM / nn.GRU tensors (weights or their gradients) out of a name → buffer map. */
export function recurrentParamsOf(k: number, buffers: Map<string, Float32Array>): RecurrentParams {
  return {
    wIh: buffers.get(`rnn.weight_ih_l${k}`)!,
    wHh: buffers.get(`rnn.weight_hh_l${k}`)!,
    bIh: buffers.get(`rnn.bias_ih_l${k}`)!,
    bHh: buffers.get(`rnn.bias_hh_l${k}`)!,
  };
}

/** Arrays a carried state may hold: state vectors, and counts (the factorized model's bigram counts). */
export type StateArray = Float32Array | Int32Array;

/**
 * A carried state of B streams as named arrays, each stream-major (stream b owns elements [b·n, (b+1)·n) of an array
 * of B·n): the form in which a trainer copies, saves, resets and splits the state among threads, whatever the model.
 */
export type StateArrays = Map<string, StateArray>;

/** The per-layer states as arrays named l{k}.h and l{k}.c (views, not copies). */
export function layerStateArrays(states: readonly LayerState[], into: StateArrays = new Map()): StateArrays {
  states.forEach((s, k) => {
    into.set(`l${k}.h`, s.h);
    if (s.c) into.set(`l${k}.c`, s.c);
  });
  return into;
}

/** `layers` per-layer states over the arrays l{k}.h (and l{k}.c when `withCell`) of `arrays` (views). */
export function layerStatesFrom(arrays: StateArrays, layers: number, withCell: boolean): LayerState[] {
  const take = (name: string): Float32Array => {
    const a = arrays.get(name);
    if (!(a instanceof Float32Array)) throw new RangeError(`the carried state lacks the float array ${name}`);
    return a;
  };
  return Array.from({ length: layers }, (_, k) => ({ h: take(`l${k}.h`), c: withCell ? take(`l${k}.c`) : null }));
}

export class StackedLm<L extends RecurrentLayer, P extends RecurrentParams, C extends SequenceControl> {
  readonly params: Map<string, Tensor>;
  readonly grads: Map<string, Float32Array>;
  protected readonly layers: L[];
  protected readonly layerParams: P[];
  protected readonly layerGrads: P[];
  // Workspaces for one chunk, grown on demand.
  private T = 0;
  private B = 0;
  private ids: Int32Array = new Int32Array(0);
  private embedded: Float32Array = new Float32Array(0); // (T, B, E)
  private top: Float32Array = new Float32Array(0); // (T, B, H) last layer output after dropout
  private logits: Float32Array = new Float32Array(0); // (T, B, V)
  private readonly dropout = new DropoutSlots();
  private symbolTable: Float32Array = new Float32Array(0); // (V, G) embed · W_ih0ᵀ: layer 0's input projection per symbol
  private dTop: Float32Array = new Float32Array(0);
  private dLayer: Float32Array = new Float32Array(0);
  private readonly dims: { layers: number; units: number; embed: number; vocab: number };

  /**
   * `params` (and `grads`) supply the buffers to use, e.g. shared memory seen by several threads; by default the model
   * allocates zeroed ones.
   */
  constructor(spec: StackSpec<L, P>, params?: Map<string, Tensor>, grads?: Map<string, Float32Array>) {
    this.dims = { layers: spec.layers, units: spec.units, embed: spec.embed, vocab: spec.vocab };
    this.params = new Map();
    this.grads = new Map();
    for (const [name, dims] of spec.paramShapes) {
      const size = dims.reduce((a, b) => a * b, 1);
      const given = params?.get(name);
      if (params && !given) throw new Error(`${spec.name}: missing parameter ${name}`);
      if (given && given.data.length !== size) throw new Error(`${spec.name}: parameter ${name} has the wrong size`);
      this.params.set(name, { shape: dims, data: given ? given.data : new Float32Array(size) });
      const givenGrad = grads?.get(name);
      if (givenGrad && givenGrad.length !== size) throw new Error(`${spec.name}: gradient ${name} has the wrong size`);
      this.grads.set(name, givenGrad ?? new Float32Array(size));
    }
    this.layers = [];
    this.layerParams = [];
    this.layerGrads = [];
    const values = new Map([...this.params].map(([n, t]) => [n, t.data]));
    for (let k = 0; k < spec.layers; k++) {
      this.layers.push(spec.makeLayer(k, k === 0 ? spec.embed : spec.units));
      this.layerParams.push(spec.pickParams(k, values));
      this.layerGrads.push(spec.pickParams(k, this.grads));
    }
  }

  /**
   * PyTorch's defaults: embedding N(0, 1); everything else U(−1/√H, 1/√H) (nn.LSTM/GRU and nn.Linear(H, V) have fan-in
   * H for every tensor here).
   */
  initialize(rng: Rng): void {
    const bound = 1 / Math.sqrt(this.dims.units);
    for (const [name, t] of this.params) {
      const d = t.data;
      if (name === 'embed.weight') {
        for (let i = 0; i < d.length; i++) d[i] = rng.normal();
      } else {
        for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-bound, bound);
      }
    }
  }

  /** Trainable parameters with their gradient buffers, in a fixed order. */
  trainable(): Param[] {
    return [...this.params].map(([name, t]) => ({ name, data: t.data, grad: this.grads.get(name)! }));
  }

  zeroGrads(): void {
    for (const g of this.grads.values()) g.fill(0);
  }

  /**
   * Runs a chunk: ids (T, B) → logits (T, B, V), a view valid until the next forward. `states` (one per layer) carry
   * over from the previous chunk and are updated in place; `control` goes to every layer.
   */
  protected runChunk(
    gemm: Gemm,
    ids: Int32Array,
    T: number,
    B: number,
    states: LayerState[],
    control: C,
    dropout: DropoutSettings | null,
  ): Float32Array {
    const { embed: E, units: H, vocab: V, layers: L } = this.dims;
    const rows = T * B;
    this.T = T;
    this.B = B;
    this.ids = ids;
    this.embedded = ensureCapacity(this.embedded, rows * E);
    embeddingForward(this.params.get('embed.weight')!.data, ids, this.embedded, E);
    let x = this.embedded.subarray(0, rows * E);
    for (let k = 0; k < L; k++) {
      x = this.dropout.drop(k, x, rows * (k === 0 ? E : H), dropout);
      const recurrentMask = this.dropout.recurrent(k, B * H, dropout);
      // Layer 0 sees embedding rows: its input projection is a row of a (V, G) table, a copy instead of a GEMM.
      const project = k === 0 && !this.dropout.active(0) ? this.gatherInputProjection(gemm, ids) : undefined;
      const layer = this.layers[k]!;
      x = layer.forward(gemm, this.layerParams[k]!, x, T, B, states[k]!, control, recurrentMask, project);
    }
    x = this.dropout.drop(L, x, rows * H, dropout);
    this.top = x;
    this.logits = ensureCapacity(this.logits, rows * V);
    const logits = this.logits.subarray(0, rows * V);
    const proj = this.params.get('proj.weight')!.data;
    linearForward(gemm, x, proj, this.params.get('proj.bias')!.data, logits, rows, H, V);
    return logits;
  }

  /** Backpropagates dLogits (T, B, V) of the last forward, accumulating into grads. */
  backward(gemm: Gemm, dLogits: Float32Array): void {
    const { embed: E, units: H, vocab: V, layers: L } = this.dims;
    const rows = this.T * this.B;
    this.dTop = ensureCapacity(this.dTop, rows * Math.max(H, E));
    this.dLayer = ensureCapacity(this.dLayer, rows * Math.max(H, E));
    let dOut = this.dTop.subarray(0, rows * H);
    const proj = this.params.get('proj.weight')!.data;
    const dProj = this.grads.get('proj.weight')!;
    linearBackward(gemm, this.top, proj, dLogits, dOut, dProj, this.grads.get('proj.bias')!, rows, H, V);
    this.dropout.maskGradient(L, dOut);
    for (let k = L - 1; k >= 0; k--) {
      const inSize = k === 0 ? E : H;
      // Alternate two buffers: the layer reads dOut while writing the gradient of its input.
      const dIn = (dOut.buffer === this.dTop.buffer ? this.dLayer : this.dTop).subarray(0, rows * inSize);
      this.layers[k]!.backward(gemm, this.layerParams[k]!, this.layerGrads[k]!, dOut, dIn);
      this.dropout.maskGradient(k, dIn);
      dOut = dIn;
    }
    embeddingBackward(dOut, this.ids, this.grads.get('embed.weight')!, E);
  }

  /** The memory vector (c_t for an LSTM, h_t for a GRU) of layer k at every step of the last forward, (T, B, H). */
  memory(k: number): Float32Array {
    return this.layers[k]!.memory();
  }

  /** h_t of layer k at every step of the last forward, (T, B, H) (before any output dropout). */
  hidden(k: number): Float32Array {
    const layer = this.layers[k]!;
    return layer instanceof LstmLayer ? layer.outputs() : layer.memory();
  }

  private gatherInputProjection(gemm: Gemm, ids: Int32Array): InputProjection {
    const { embed: E, vocab: V } = this.dims;
    const G = this.layers[0]!.gates * this.dims.units;
    this.symbolTable = ensureCapacity(this.symbolTable, V * G);
    const embed = this.params.get('embed.weight')!.data;
    return symbolInputProjection(gemm, embed, this.layerParams[0]!.wIh, this.symbolTable, ids, V, G, E, this.B);
  }
}
