// What every recurrent layer (LSTM, GRU, and variants) offers the stacked network: a whole-sequence forward that
// keeps what backward needs, and a backward through time that accumulates parameter gradients.

import type { Gemm } from './gemm.js';

/** PyTorch's per-layer parameters: weight_ih (G·H, I), weight_hh (G·H, H), bias_ih (G·H), bias_hh (G·H). */
export interface RecurrentParams {
  wIh: Float32Array;
  wHh: Float32Array;
  bIh: Float32Array;
  bHh: Float32Array;
}

/** The recurrent state carried between chunks: h (B, H) and, for an LSTM, c (B, H). Updated in place by forward. */
export interface LayerState {
  h: Float32Array;
  c: Float32Array | null;
}

/** Per-sequence controls shared by all layers of a stack. */
export interface SequenceControl {
  /** (T, B): 1 where the state is zeroed just before that step (a segment starts), or null. */
  resets: Uint8Array | null;
}

/**
 * Writes the input projection x·W_ihᵀ of every step (no bias) into `out`: (T·B, G) row by row, or, when gateMajor,
 * (T, G, B): per step a gate-major block whose columns are the B streams.
 */
export type InputProjection = (out: Float32Array, gateMajor: boolean) => void;

export interface RecurrentLayer {
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** Gate blocks: 4 for LSTM, 3 for GRU. */
  readonly gates: number;
  /**
   * Runs T steps over x (T, B, I). Starts from `state` and leaves the final state in it. Returns h_t for every step,
   * (T, B, H), a view into the layer's workspace that stays valid until the next forward.
   * `recurrentMask` (B, H) or null: dropout on the state as seen by the recurrent kernel (same mask every step).
   * `projectInput`, when given, writes x·W_ihᵀ (T·B, G) into its argument in place of the layer's own GEMM (the
   * language model gathers it from a per-symbol table); x is still needed for the weight gradient.
   */
  forward(
    gemm: Gemm,
    p: RecurrentParams,
    x: Float32Array,
    T: number,
    B: number,
    state: LayerState,
    control: SequenceControl,
    recurrentMask: Float32Array | null,
    projectInput?: InputProjection,
  ): Float32Array;
  /**
   * Backpropagates dOut (T, B, H) (gradient into every h_t; consumed, may be overwritten) through the last forward.
   * Accumulates into grads; writes dX (T, B, I) when given. The initial state is treated as a constant
   * (truncated BPTT).
   */
  backward(gemm: Gemm, p: RecurrentParams, grads: RecurrentParams, dOut: Float32Array, dX: Float32Array | null): void;
  /** The memory vector of every step of the last forward, (T, B, H): c_t for an LSTM, h_t for a GRU. */
  memory(): Float32Array;
}

/** Grows a workspace buffer only when needed; returns a buffer of at least n floats. */
export function ensureCapacity(buf: Float32Array, n: number): Float32Array {
  return buf.length >= n ? buf : new Float32Array(n);
}

let ones = new Float32Array(0);

/** Adds the column sums of m (rows, cols) into out (cols), as the product ones(1, rows) · m: one GEMM, not a JS loop. */
export function addColumnSums(gemm: Gemm, m: Float32Array, rows: number, cols: number, out: Float32Array): void {
  if (ones.length < rows) ones = new Float32Array(rows).fill(1);
  gemm.gemm(false, false, 1, cols, rows, ones, m, out, true);
}

/** Writes h (B, H) into rows [0, B) of dst as the recurrent kernel sees it at step `step`: reset rows zeroed, masked. */
export function writeKernelState(
  h: Float32Array,
  dst: Float32Array,
  step: number,
  B: number,
  H: number,
  resets: Uint8Array | null,
  mask: Float32Array | null,
): void {
  for (let b = 0; b < B; b++) {
    const reset = resets !== null && resets[step * B + b] === 1;
    const m0 = b * H;
    for (let j = 0; j < H; j++) dst[m0 + j] = reset ? 0 : mask ? h[m0 + j] * mask[m0 + j] : h[m0 + j];
  }
}

/**
 * After BPTT: every weight gradient of the layer from one GEMM over all steps, and the gradient into the input.
 * dPre (T·B, G) is the gradient of the gate pre-activations; for the GRU the recurrent part differs (dPreH).
 */
export function accumulateWeightGrads(
  gemm: Gemm,
  p: RecurrentParams,
  grads: RecurrentParams,
  dPre: Float32Array,
  hPrev: Float32Array,
  x: Float32Array,
  dX: Float32Array | null,
  rows: number,
  G: number,
  H: number,
  I: number,
  dPreH: Float32Array = dPre,
): void {
  gemm.gemm(true, false, G, I, rows, dPre, x, grads.wIh, true); // (G, T·B)·(T·B, I)
  gemm.gemm(true, false, G, H, rows, dPreH, hPrev, grads.wHh, true); // (G, T·B)·(T·B, H)
  addColumnSums(gemm, dPre, rows, G, grads.bIh);
  addColumnSums(gemm, dPreH, rows, G, grads.bHh);
  if (dX) gemm.gemm(false, false, rows, I, G, dPre, p.wIh, dX, false); // (T·B, G)·(G, I)
}

/** A block of consecutive rows of the recurrent pre-activation gradient, (rows, T·B). */
export interface GradientRows {
  rows: number;
  dPre: Float32Array;
}

/**
 * The gate-major layers' counterpart of accumulateWeightGrads: the pre-activation gradients of all steps are stored
 * (G, T·B), column t·B + b for step t and stream b, so every product below keeps them as an untransposed left operand.
 * dW_ih += dPre·x and dW_hh += dPreH·hPrev (x (T·B, I) and hPrev (T·B, H) row-major), biases += row sums,
 * dX = dPreᵀ·W_ih. The recurrent side may come in row blocks (the GRU's n block differs from its input side).
 */
export function accumulateWeightGradsByColumns(
  gemm: Gemm,
  p: RecurrentParams,
  grads: RecurrentParams,
  dPre: Float32Array,
  recurrent: readonly GradientRows[],
  hPrev: Float32Array,
  x: Float32Array,
  dX: Float32Array | null,
  cols: number,
  G: number,
  H: number,
  I: number,
): void {
  if (ones.length < cols) ones = new Float32Array(cols).fill(1);
  gemm.gemm(false, false, G, I, cols, dPre, x, grads.wIh, true); // (G, T·B)·(T·B, I)
  gemm.gemm(false, false, G, 1, cols, dPre, ones, grads.bIh, true);
  let row = 0;
  for (const block of recurrent) {
    gemm.gemm(false, false, block.rows, H, cols, block.dPre, hPrev, grads.wHh.subarray(row * H), true);
    gemm.gemm(false, false, block.rows, 1, cols, block.dPre, ones, grads.bHh.subarray(row), true);
    row += block.rows;
  }
  if (row !== G) throw new Error(`accumulateWeightGradsByColumns: recurrent blocks cover ${row} of ${G} rows`);
  if (dX) gemm.gemm(true, false, cols, I, G, dPre, p.wIh, dX, false); // (T·B, G)·(G, I)
}
