// LSTM layer with PyTorch's nn.LSTM semantics (gates i, f, g, o): forward over a whole sequence and BPTT.
// The input projection of all steps is one GEMM; per step only the recurrent GEMM and one fused gate loop remain.

import { sigmoid32, tanh32 } from './activations.js';
import type { Gemm } from './gemm.js';
import {
  addColumnSums,
  ensureCapacity,
  type InputProjection,
  type LayerState,
  type RecurrentLayer,
  type RecurrentParams,
  type SequenceControl,
} from './recurrent.js';

export class LstmLayer implements RecurrentLayer {
  readonly gates = 4;
  private T = 0;
  private B = 0;
  private x: Float32Array = new Float32Array(0); // (T, B, I) input of the last forward (a reference, not a copy)
  private act: Float32Array = new Float32Array(0); // (T, B, 4H) pre-activations, then the activations i, f, g, o
  private hs: Float32Array = new Float32Array(0); // (T, B, H) h_t
  private cs: Float32Array = new Float32Array(0); // (T, B, H) c_t
  private tanhC: Float32Array = new Float32Array(0); // (T, B, H) tanh(c_t)
  private hPrev: Float32Array = new Float32Array(0); // (T, B, H) h_{t-1} as the recurrent kernel saw it (reset, masked)
  private c0: Float32Array = new Float32Array(0); // (B, H) initial cell state of the last forward
  private bias: Float32Array = new Float32Array(0); // (4H) bias_ih + bias_hh
  private dAct: Float32Array = new Float32Array(0); // (T, B, 4H) gradient of the pre-activations
  private dhNext: Float32Array = new Float32Array(0); // (B, H)
  private dcNext: Float32Array = new Float32Array(0); // (B, H)
  private dhPrev: Float32Array = new Float32Array(0); // (B, H)
  private resets: Uint8Array | null = null;
  private mask: Float32Array | null = null;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
  ) {}

  private reserve(T: number, B: number): void {
    const H = this.hiddenSize;
    const n = T * B * H;
    this.act = ensureCapacity(this.act, 4 * n);
    this.hs = ensureCapacity(this.hs, n);
    this.cs = ensureCapacity(this.cs, n);
    this.tanhC = ensureCapacity(this.tanhC, n);
    this.hPrev = ensureCapacity(this.hPrev, n);
    this.c0 = ensureCapacity(this.c0, B * H);
    this.bias = ensureCapacity(this.bias, 4 * H);
  }

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
  ): Float32Array {
    const H = this.hiddenSize;
    const I = this.inputSize;
    const G = 4 * H;
    const BH = B * H;
    if (!state.c) throw new Error('LstmLayer.forward: the state needs c');
    this.reserve(T, B);
    this.T = T;
    this.B = B;
    this.x = x;
    this.resets = control.resets;
    this.mask = recurrentMask;
    const { act, hs, cs, tanhC, hPrev, bias } = this;
    const resets = control.resets;
    for (let j = 0; j < G; j++) bias[j] = p.bIh[j] + p.bHh[j];
    this.c0.set(state.c.subarray(0, BH));

    // act = x · W_ihᵀ for every step at once: (T·B, I) · (I, 4H).
    if (projectInput) projectInput(act.subarray(0, T * B * G));
    else gemm.gemm(false, true, T * B, G, I, x, p.wIh, act, false);
    // h_{-1} as the kernel sees it.
    writeKernelState(state.h, hPrev, 0, B, H, resets, recurrentMask);

    for (let t = 0; t < T; t++) {
      const actT = act.subarray(t * B * G, (t + 1) * B * G);
      gemm.gemm(false, true, B, G, H, hPrev.subarray(t * BH, (t + 1) * BH), p.wHh, actT, true);
      const cPrevBase = t === 0 ? this.c0 : cs;
      const cPrevOff = t === 0 ? 0 : (t - 1) * BH;
      const nextT = t + 1 < T;
      for (let b = 0; b < B; b++) {
        const reset = resets !== null && resets[t * B + b] === 1;
        const nextReset = nextT && resets !== null && resets[(t + 1) * B + b] === 1;
        const g0 = b * G;
        const s0 = t * BH + b * H;
        const m0 = b * H;
        for (let j = 0; j < H; j++) {
          const ig = sigmoid32(actT[g0 + j] + bias[j]);
          const fg = sigmoid32(actT[g0 + H + j] + bias[H + j]);
          const gg = tanh32(actT[g0 + 2 * H + j] + bias[2 * H + j]);
          const og = sigmoid32(actT[g0 + 3 * H + j] + bias[3 * H + j]);
          const cPrev = reset ? 0 : cPrevBase[cPrevOff + m0 + j];
          const c = fg * cPrev + ig * gg;
          const tc = tanh32(c);
          const h = og * tc;
          actT[g0 + j] = ig;
          actT[g0 + H + j] = fg;
          actT[g0 + 2 * H + j] = gg;
          actT[g0 + 3 * H + j] = og;
          cs[s0 + j] = c;
          tanhC[s0 + j] = tc;
          hs[s0 + j] = h;
          if (nextT) {
            hPrev[s0 + BH + j] = nextReset ? 0 : recurrentMask ? h * recurrentMask[m0 + j] : h;
          }
        }
      }
    }
    const last = (T - 1) * BH;
    state.h.set(hs.subarray(last, last + BH));
    state.c.set(cs.subarray(last, last + BH));
    return hs.subarray(0, T * BH);
  }

  backward(gemm: Gemm, p: RecurrentParams, grads: RecurrentParams, dOut: Float32Array, dX: Float32Array | null): void {
    const { T, B, hiddenSize: H, inputSize: I } = this;
    const G = 4 * H;
    const BH = B * H;
    this.dAct = ensureCapacity(this.dAct, T * B * G);
    this.dhNext = ensureCapacity(this.dhNext, BH);
    this.dcNext = ensureCapacity(this.dcNext, BH);
    this.dhPrev = ensureCapacity(this.dhPrev, BH);
    const { act, cs, tanhC, dAct, dhNext, dcNext, dhPrev, resets, mask } = this;
    dhNext.fill(0, 0, BH);
    dcNext.fill(0, 0, BH);

    for (let t = T - 1; t >= 0; t--) {
      const cPrevBase = t === 0 ? this.c0 : cs;
      const cPrevOff = t === 0 ? 0 : (t - 1) * BH;
      const a0 = t * B * G;
      for (let b = 0; b < B; b++) {
        const reset = resets !== null && resets[t * B + b] === 1;
        const g0 = a0 + b * G;
        const s0 = t * BH + b * H;
        const m0 = b * H;
        for (let j = 0; j < H; j++) {
          const ig = act[g0 + j];
          const fg = act[g0 + H + j];
          const gg = act[g0 + 2 * H + j];
          const og = act[g0 + 3 * H + j];
          const tc = tanhC[s0 + j];
          const dh = dOut[s0 + j] + dhNext[m0 + j];
          const dc = dcNext[m0 + j] + dh * og * (1 - tc * tc);
          const cPrev = reset ? 0 : cPrevBase[cPrevOff + m0 + j];
          dAct[g0 + j] = dc * gg * ig * (1 - ig);
          dAct[g0 + H + j] = dc * cPrev * fg * (1 - fg);
          dAct[g0 + 2 * H + j] = dc * ig * (1 - gg * gg);
          dAct[g0 + 3 * H + j] = dh * tc * og * (1 - og);
          dcNext[m0 + j] = reset ? 0 : dc * fg;
        }
      }
      if (t > 0) {
        // dh_{t-1} = dAct_t · W_hh, through the mask and the reset the kernel applied.
        gemm.gemm(false, false, B, H, G, dAct.subarray(a0, a0 + B * G), p.wHh, dhPrev, false);
        for (let b = 0; b < B; b++) {
          const reset = resets !== null && resets[t * B + b] === 1;
          const m0 = b * H;
          for (let j = 0; j < H; j++) {
            dhNext[m0 + j] = reset ? 0 : mask ? dhPrev[m0 + j] * mask[m0 + j] : dhPrev[m0 + j];
          }
        }
      }
    }
    accumulateWeightGrads(gemm, p, grads, dAct, this.hPrev, this.x, dX, T * B, G, H, I);
  }

  memory(): Float32Array {
    return this.cs.subarray(0, this.T * this.B * this.hiddenSize);
  }

  /** h_t of every step of the last forward, (T, B, H). */
  outputs(): Float32Array {
    return this.hs.subarray(0, this.T * this.B * this.hiddenSize);
  }
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
