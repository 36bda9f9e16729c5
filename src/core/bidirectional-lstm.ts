// A bidirectional LSTM layer over utterances of different lengths, as PyTorch's nn.LSTM(bidirectional=True) over a
// packed sequence: one LstmLayer reads each utterance forward, another reads each utterance's own valid frames
// reversed, so padding never enters the backward direction's state. Outputs are [forward; backward] per frame,
// zero beyond an utterance's length (pad_packed_sequence's padding value).
//
// Two one-way layers rather than one fused bidirectional kernel: they reuse the gate-major, fused-step LstmLayer as
// it is. (PyTorch's packed bidirectional LSTM is also 5–10× slower in backward on CPU than two one-way LSTMs, so
// the reference script may run either form; both give the same numbers.)

import { transpose } from './gate-major.js';
import type { Gemm } from './gemm.js';
import { LstmLayer } from './lstm.js';
import { ensureCapacity, type InputProjection, type LayerState, type RecurrentParams } from './recurrent.js';

/** The two directions' tensors: PyTorch's `*_l0` (forward) and `*_l0_reverse` (backward). */
export interface BidirectionalParams {
  forward: RecurrentParams;
  backward: RecurrentParams;
}

export class BidirectionalLstm {
  private readonly fwd: LstmLayer;
  private readonly bwd: LstmLayer;
  private T = 0;
  private B = 0;
  private lengths: Int32Array = new Int32Array(0);
  private xRev: Float32Array = new Float32Array(0); // (T, B, I) each utterance's valid frames reversed, zero after
  private out: Float32Array = new Float32Array(0); // (T, B, 2H) [h_fwd; h_bwd], zero beyond the length
  private cells: Float32Array = new Float32Array(0); // (T, B, 2H) [c_fwd; c_bwd], written when memory() is asked
  private dHalf: Float32Array = new Float32Array(0); // (T, B, H) one direction's output gradient
  private dXRev: Float32Array = new Float32Array(0); // (T, B, I) input gradient of the reversed direction
  private projected: Float32Array = new Float32Array(0); // (T·B, 4H) x·W_ihᵀ of all steps, one direction
  private cellsFresh = false;
  private readonly stateF: LayerState = { h: new Float32Array(0), c: new Float32Array(0) };
  private readonly stateB: LayerState = { h: new Float32Array(0), c: new Float32Array(0) };

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
  ) {
    this.fwd = new LstmLayer(inputSize, hiddenSize);
    this.bwd = new LstmLayer(inputSize, hiddenSize);
  }

  /**
   * Runs both directions over x (T, B, I) with per-utterance lengths (B), each in [0, T], from zero states.
   * Returns (T, B, 2H), a view valid until the next forward.
   */
  forward(
    gemm: Gemm,
    p: BidirectionalParams,
    x: Float32Array,
    T: number,
    B: number,
    lengths: Int32Array,
  ): Float32Array {
    const H = this.hiddenSize;
    const I = this.inputSize;
    checkLengths(lengths, T, B);
    this.T = T;
    this.B = B;
    this.lengths = Int32Array.from(lengths.subarray(0, B));
    this.cellsFresh = false;
    this.xRev = ensureCapacity(this.xRev, T * B * I);
    this.out = ensureCapacity(this.out, T * B * 2 * H);
    for (const s of [this.stateF, this.stateB]) {
      if (s.h.length < B * H) {
        s.h = new Float32Array(B * H);
        s.c = new Float32Array(B * H);
      }
      s.h.fill(0);
      s.c!.fill(0);
    }
    reverseValid(x, this.xRev, T, B, I, this.lengths);
    const none = { resets: null };
    const hF = this.fwd.forward(
      gemm,
      p.forward,
      x,
      T,
      B,
      this.stateF,
      none,
      null,
      this.project(gemm, p.forward, x, T, B),
    );
    const xRev = this.xRev;
    const hB = this.bwd.forward(
      gemm,
      p.backward,
      xRev,
      T,
      B,
      this.stateB,
      none,
      null,
      this.project(gemm, p.backward, xRev, T, B),
    );
    interleave(hF, hB, this.out, T, B, H, this.lengths);
    return this.out.subarray(0, T * B * 2 * H);
  }

  /**
   * Backpropagates dOut (T, B, 2H) (entries beyond a length are ignored) through the last forward; accumulates into
   * grads and writes dX (T, B, I) when given (zero beyond each length).
   */
  backward(
    gemm: Gemm,
    p: BidirectionalParams,
    grads: BidirectionalParams,
    dOut: Float32Array,
    dX: Float32Array | null,
  ): void {
    const { T, B, hiddenSize: H, inputSize: I, lengths } = this;
    this.dHalf = ensureCapacity(this.dHalf, T * B * H);
    const dHalf = this.dHalf.subarray(0, T * B * H);
    splitDirection(dOut, dHalf, T, B, H, 0, lengths, false);
    this.fwd.backward(gemm, p.forward, grads.forward, dHalf, dX);
    splitDirection(dOut, dHalf, T, B, H, H, lengths, true);
    this.dXRev = ensureCapacity(this.dXRev, T * B * I);
    const dXRev = dX ? this.dXRev.subarray(0, T * B * I) : null;
    this.bwd.backward(gemm, p.backward, grads.backward, dHalf, dXRev);
    if (dX && dXRev) {
      for (let b = 0; b < B; b++) {
        const n = lengths[b]!;
        for (let t = 0; t < T; t++) {
          const o = (t * B + b) * I;
          if (t >= n) {
            dX.fill(0, o, o + I);
            continue;
          }
          const r = ((n - 1 - t) * B + b) * I;
          for (let j = 0; j < I; j++) dX[o + j] += dXRev[r + j]!;
        }
      }
    }
  }

  /**
   * The input projection of all T steps as one GEMM, x (T·B, I) · W_ihᵀ, instead of the layer's product per step:
   * with B columns a step's product reads all of W_ih for little work. The layer wants it gate-major per step,
   * (T, 4H, B): each step's (B, 4H) block transposed, a block small enough to stay in cache.
   */
  private project(gemm: Gemm, p: RecurrentParams, x: Float32Array, T: number, B: number): InputProjection {
    const G = 4 * this.hiddenSize;
    return (out, gateMajor) => {
      if (!gateMajor) throw new Error('BidirectionalLstm: the layer asked for a row-major input projection');
      this.projected = ensureCapacity(this.projected, T * B * G);
      const y = this.projected;
      gemm.gemm(false, true, T * B, G, this.inputSize, x, p.wIh, y, false);
      for (let t = 0; t < T; t++) transpose(y.subarray(t * B * G), out.subarray(t * G * B), B, G);
    };
  }

  /** [h_fwd; h_bwd] of every frame of the last forward, (T, B, 2H), zero beyond each length. */
  outputs(): Float32Array {
    return this.out.subarray(0, this.T * this.B * 2 * this.hiddenSize);
  }

  /** [c_fwd; c_bwd] of every frame of the last forward, (T, B, 2H), zero beyond each length. */
  memory(): Float32Array {
    const { T, B, hiddenSize: H } = this;
    if (!this.cellsFresh) {
      this.cells = ensureCapacity(this.cells, T * B * 2 * H);
      interleave(this.fwd.memory(), this.bwd.memory(), this.cells, T, B, H, this.lengths);
      this.cellsFresh = true;
    }
    return this.cells.subarray(0, T * B * 2 * H);
  }
}

function checkLengths(lengths: Int32Array, T: number, B: number): void {
  if (lengths.length < B) throw new RangeError(`BidirectionalLstm: ${lengths.length} lengths for ${B} utterances`);
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    if (!(Number.isInteger(n) && n >= 0 && n <= T)) {
      throw new RangeError(`BidirectionalLstm: length ${n} of utterance ${b} is outside [0, ${T}]`);
    }
  }
}

/** dst (T, B, D) [t, b] = src[n_b − 1 − t, b] for t < n_b, else 0: each utterance's valid frames reversed. */
export function reverseValid(
  src: Float32Array,
  dst: Float32Array,
  T: number,
  B: number,
  D: number,
  lengths: Int32Array,
): void {
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    for (let t = 0; t < T; t++) {
      const o = (t * B + b) * D;
      if (t >= n) dst.fill(0, o, o + D);
      else {
        const r = ((n - 1 - t) * B + b) * D;
        dst.set(src.subarray(r, r + D), o);
      }
    }
  }
}

/** out (T, B, 2H) = [fwd[t, b]; bwd[n_b − 1 − t, b]] for t < n_b, zero beyond; fwd and bwd are (T, B, H). */
function interleave(
  fwd: Float32Array,
  bwd: Float32Array,
  out: Float32Array,
  T: number,
  B: number,
  H: number,
  lengths: Int32Array,
): void {
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    for (let t = 0; t < T; t++) {
      const o = (t * B + b) * 2 * H;
      if (t >= n) {
        out.fill(0, o, o + 2 * H);
        continue;
      }
      const f = (t * B + b) * H;
      const r = ((n - 1 - t) * B + b) * H;
      out.set(fwd.subarray(f, f + H), o);
      out.set(bwd.subarray(r, r + H), o + H);
    }
  }
}

/**
 * One direction's share of dOut (T, B, 2H) from column `offset`, zero beyond each length, into dst (T, B, H); in the
 * reversed direction's own time order when `reversed`.
 */
function splitDirection(
  dOut: Float32Array,
  dst: Float32Array,
  T: number,
  B: number,
  H: number,
  offset: number,
  lengths: Int32Array,
  reversed: boolean,
): void {
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    for (let t = 0; t < T; t++) {
      const o = (t * B + b) * H;
      if (t >= n) {
        dst.fill(0, o, o + H);
        continue;
      }
      const s = ((reversed ? n - 1 - t : t) * B + b) * 2 * H + offset;
      dst.set(dOut.subarray(s, s + H), o);
    }
  }
}
