// The character language model of the paper: embedding → stacked LSTM/GRU → linear projection to the symbol set.
// Parameters carry PyTorch's names (see char-lm-params.ts); forward keeps what backward needs for one chunk.

import { embeddingBackward, embeddingForward } from '../core/embedding.js';
import type { Gemm } from '../core/gemm.js';
import { GruLayer } from '../core/gru.js';
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
} from '../core/recurrent.js';
import { type CharLmShape, charLmParamShapes } from './char-lm-params.js';
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

export class CharLm {
  readonly shape: CharLmShape;
  readonly params: Map<string, Tensor>;
  readonly grads: Map<string, Float32Array>;
  private readonly layers: RecurrentLayer[];
  private readonly layerParams: RecurrentParams[];
  private readonly layerGrads: RecurrentParams[];
  // Workspaces for one chunk, grown on demand.
  private T = 0;
  private B = 0;
  private ids: Int32Array = new Int32Array(0);
  private embedded: Float32Array = new Float32Array(0); // (T, B, E)
  private layerInputs: Float32Array[] = []; // per layer: its input (T, B, in) after dropout
  private top: Float32Array = new Float32Array(0); // (T, B, H) last layer output after dropout
  private logits: Float32Array = new Float32Array(0); // (T, B, V)
  private readonly dropout = new DropoutSlots();
  private symbolTable: Float32Array = new Float32Array(0); // (V, G) embed · W_ih0ᵀ: layer 0's input projection per symbol
  private dTop: Float32Array = new Float32Array(0);
  private dLayer: Float32Array = new Float32Array(0);

  /**
   * `params` (and `grads`) supply the buffers to use, e.g. shared memory seen by several threads; by default the model
   * allocates zeroed ones.
   */
  constructor(shape: CharLmShape, params?: Map<string, Tensor>, grads?: Map<string, Float32Array>) {
    this.shape = { ...shape };
    const shapes = charLmParamShapes(shape);
    this.params = new Map();
    this.grads = new Map();
    for (const [name, dims] of shapes) {
      const size = dims.reduce((a, b) => a * b, 1);
      const given = params?.get(name);
      if (params && !given) throw new Error(`CharLm: missing parameter ${name}`);
      if (given && given.data.length !== size) throw new Error(`CharLm: parameter ${name} has the wrong size`);
      this.params.set(name, { shape: dims, data: given ? given.data : new Float32Array(size) });
      const givenGrad = grads?.get(name);
      if (givenGrad && givenGrad.length !== size) throw new Error(`CharLm: gradient ${name} has the wrong size`);
      this.grads.set(name, givenGrad ?? new Float32Array(size));
    }
    this.layers = [];
    this.layerParams = [];
    this.layerGrads = [];
    for (let k = 0; k < shape.layers; k++) {
      const inputSize = k === 0 ? shape.embed : shape.units;
      this.layers.push(
        shape.cell === 'lstm' ? new LstmLayer(inputSize, shape.units) : new GruLayer(inputSize, shape.units),
      );
      const pick = (m: Map<string, Float32Array>): RecurrentParams => ({
        wIh: m.get(`rnn.weight_ih_l${k}`)!,
        wHh: m.get(`rnn.weight_hh_l${k}`)!,
        bIh: m.get(`rnn.bias_ih_l${k}`)!,
        bHh: m.get(`rnn.bias_hh_l${k}`)!,
      });
      this.layerParams.push(pick(new Map([...this.params].map(([n, t]) => [n, t.data]))));
      this.layerGrads.push(pick(this.grads));
    }
  }

  /** PyTorch's default initialization: embedding N(0, 1); recurrent and linear U(−1/√fan, 1/√fan). */
  initialize(rng: Rng): void {
    // Both nn.LSTM/GRU and nn.Linear(H, V) have fan-in H for every tensor here.
    const bound = 1 / Math.sqrt(this.shape.units);
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

  /** A zero state for B parallel streams. */
  zeroState(B: number): LayerState[] {
    const n = B * this.shape.units;
    return this.layers.map(() => ({
      h: new Float32Array(n),
      c: this.shape.cell === 'lstm' ? new Float32Array(n) : null,
    }));
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
    const { embed: E, units: H, vocab: V, layers: L } = this.shape;
    const rows = T * B;
    this.T = T;
    this.B = B;
    this.ids = ids;
    this.embedded = ensureCapacity(this.embedded, rows * E);
    embeddingForward(this.params.get('embed.weight')!.data, ids, this.embedded, E);
    let x = this.embedded.subarray(0, rows * E);
    for (let k = 0; k < L; k++) {
      const inSize = k === 0 ? E : H;
      x = this.dropout.drop(k, x, rows * inSize, dropout);
      this.layerInputs[k] = x;
      const recurrentMask = this.dropout.recurrent(k, B * H, dropout);
      // Layer 0 sees embedding rows: its input projection is a row of a (V, G) table, a copy instead of a GEMM.
      const project = k === 0 && !this.dropout.active(0) ? this.gatherInputProjection(gemm, ids) : undefined;
      const layer = this.layers[k]!;
      x = layer.forward(gemm, this.layerParams[k]!, x, T, B, state[k]!, { resets }, recurrentMask, project);
    }
    x = this.dropout.drop(L, x, rows * H, dropout);
    this.top = x;
    this.logits = ensureCapacity(this.logits, rows * V);
    const logits = this.logits.subarray(0, rows * V);
    linearForward(
      gemm,
      x,
      this.params.get('proj.weight')!.data,
      this.params.get('proj.bias')!.data,
      logits,
      rows,
      H,
      V,
    );
    return logits;
  }

  private gatherInputProjection(gemm: Gemm, ids: Int32Array): InputProjection {
    const { embed: E, vocab: V } = this.shape;
    const G = this.layers[0]!.gates * this.shape.units;
    this.symbolTable = ensureCapacity(this.symbolTable, V * G);
    const embed = this.params.get('embed.weight')!.data;
    return symbolInputProjection(gemm, embed, this.layerParams[0]!.wIh, this.symbolTable, ids, V, G, E, this.B);
  }

  /** Backpropagates dLogits (T, B, V) of the last forward, accumulating into grads. */
  backward(gemm: Gemm, dLogits: Float32Array): void {
    const { embed: E, units: H, vocab: V, layers: L } = this.shape;
    const rows = this.T * this.B;
    this.dTop = ensureCapacity(this.dTop, rows * Math.max(H, E));
    this.dLayer = ensureCapacity(this.dLayer, rows * Math.max(H, E));
    let dOut = this.dTop.subarray(0, rows * H);
    linearBackward(
      gemm,
      this.top,
      this.params.get('proj.weight')!.data,
      dLogits,
      dOut,
      this.grads.get('proj.weight')!,
      this.grads.get('proj.bias')!,
      rows,
      H,
      V,
    );
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

  /** The memory vector (c_t for LSTM, h_t for GRU) of layer k at every step of the last forward, (T, B, H). */
  memory(k: number): Float32Array {
    return this.layers[k]!.memory();
  }

  /** h_t of layer k at every step of the last forward, (T, B, H) (before any output dropout). */
  hidden(k: number): Float32Array {
    const layer = this.layers[k]!;
    return layer instanceof LstmLayer ? layer.outputs() : layer.memory();
  }
}
