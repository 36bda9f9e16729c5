// LSTM layer with PyTorch's nn.LSTM semantics (gates i, f, g, o): forward over a whole sequence and BPTT.
//
// Inside a step the layer works gate-major: the pre-activations of step t are a (4H, B) block whose columns are the
// B streams, and h, c are (H, B). The recurrent product is then W_hh·h_{t−1} with the weights as the left operand,
// which MLAS runs about 1.4× faster at B = 16 than h·W_hhᵀ (it packs only the small right operand), and a backend
// can fuse the product with the gate math (Gemm.lstmStep). What the layer hands out stays (T, B, H) row-major.
// The weight gradients are still one GEMM each over all steps, from the gate gradients of all steps laid (4H, T·B).

import { type GateActivation, hardSigmoid32, sigmoid32, tanh32 } from './activations.js';
import {
  anyReset,
  fillKeep,
  projectInputGateMajor,
  transpose,
  writeKernelStateGateMajor,
  zeroResetColumns,
} from './gate-major.js';
import type { Gemm, LstmStep } from './gemm.js';
import {
  accumulateWeightGradsByColumns,
  ensureCapacity,
  type InputProjection,
  type LayerState,
  type RecurrentLayer,
  type RecurrentParams,
  type SequenceControl,
  writeKernelState,
} from './recurrent.js';

export class LstmLayer implements RecurrentLayer {
  readonly gates = 4;
  protected T = 0;
  protected B = 0;
  private x: Float32Array = new Float32Array(0); // (T, B, I) input of the last forward (a reference, not a copy)
  private act: Float32Array = new Float32Array(0); // (T, 4H, B) input projections, then the gates i, f, g, o
  private cs: Float32Array = new Float32Array(0); // (T, H, B) c_t
  private tanhC: Float32Array = new Float32Array(0); // (T, H, B) tanh(c_t)
  private hsGate: Float32Array = new Float32Array(0); // (T, H, B) h_t
  private hs: Float32Array = new Float32Array(0); // (T, B, H) h_t: the layer's output
  private csRows: Float32Array = new Float32Array(0); // (T, B, H) c_t, written when memory() is asked for
  private h0: Float32Array = new Float32Array(0); // (B, H) initial h of the last forward
  private c0: Float32Array = new Float32Array(0); // (H, B) initial c of the last forward
  private kernelH: Float32Array = new Float32Array(0); // (H, B) h_{t−1} after resets and the recurrent mask
  private kernelC: Float32Array = new Float32Array(0); // (H, B) c_{t−1} after resets
  private bias: Float32Array = new Float32Array(0); // (4H) bias_ih + bias_hh
  private wT: Float32Array = new Float32Array(0); // (H, 4H) W_hhᵀ for the backward products
  private hPrev: Float32Array = new Float32Array(0); // (T, B, H) h_{t−1} as the kernel saw it (weight gradient)
  private dAct: Float32Array = new Float32Array(0); // (4H, T·B) gradient of the pre-activations (weight gradients)
  private dStep: Float32Array = new Float32Array(0); // (4H, B) the same, this step, gate-major
  private dhNext: Float32Array = new Float32Array(0); // (H, B)
  private dcNext: Float32Array = new Float32Array(0); // (H, B)
  private dhPrev: Float32Array = new Float32Array(0); // (H, B)
  private keep: Float32Array = new Float32Array(0); // (B) 0 for streams that reset at the step, else 1
  private resets: Uint8Array | null = null;
  private mask: Float32Array | null = null;
  private memoryFresh = false;

  /** gate hard_sigmoid: Keras's hard sigmoid on i, f, o (forward only; such a layer cannot be trained). */
  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    readonly gate: GateActivation = 'sigmoid',
  ) {}

  private reserve(T: number, B: number): void {
    const H = this.hiddenSize;
    const n = T * B * H;
    this.act = ensureCapacity(this.act, 4 * n);
    this.cs = ensureCapacity(this.cs, n);
    this.tanhC = ensureCapacity(this.tanhC, n);
    this.hsGate = ensureCapacity(this.hsGate, n);
    this.hs = ensureCapacity(this.hs, n);
    this.h0 = ensureCapacity(this.h0, B * H);
    this.c0 = ensureCapacity(this.c0, B * H);
    this.kernelH = ensureCapacity(this.kernelH, B * H);
    this.kernelC = ensureCapacity(this.kernelC, B * H);
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
    this.memoryFresh = false;
    const { act, cs, tanhC, hsGate, hs, bias, c0, kernelH, kernelC } = this;
    const resets = control.resets;
    for (let j = 0; j < G; j++) bias[j] = p.bIh[j]! + p.bHh[j]!;
    this.h0.set(state.h.subarray(0, BH));
    transpose(state.c, c0, B, H);

    projectInputGateMajor(gemm, p.wIh, x, act, T, B, G, I, projectInput);

    for (let t = 0; t < T; t++) {
      const s0 = t * BH;
      const stepResets = resets !== null && anyReset(resets, t, B);
      // h_{t−1} and c_{t−1} as the kernel sees them: the previous step's blocks themselves when nothing changes.
      let hK: Float32Array;
      if (t === 0) {
        writeKernelStateGateMajor(state.h, true, kernelH, t, B, H, resets, recurrentMask);
        hK = kernelH;
      } else if (stepResets || recurrentMask) {
        writeKernelStateGateMajor(hsGate.subarray(s0 - BH, s0), false, kernelH, t, B, H, resets, recurrentMask);
        hK = kernelH;
      } else hK = hsGate.subarray(s0 - BH, s0);
      let cK = t === 0 ? c0 : cs.subarray(s0 - BH, s0);
      if (stepResets) {
        zeroResetColumns(cK, kernelC, resets, t, B, H);
        cK = kernelC;
      }
      const gates = act.subarray(t * G * B, (t + 1) * G * B);
      this.addKernelTerms(gemm, t, hK, gates);
      const step: LstmStep = {
        H,
        B,
        w: this.recurrentKernel(p),
        bias,
        hPrev: hK,
        cPrev: cK,
        gates,
        c: cs.subarray(s0, s0 + BH),
        tanhC: tanhC.subarray(s0, s0 + BH),
        h: hsGate.subarray(s0, s0 + BH),
      };
      if (this.gate === 'hard_sigmoid') lstmStepHardGates(gemm, step);
      else if (gemm.lstmStep) gemm.lstmStep(step);
      else lstmStepPortable(gemm, step);
    }
    for (let t = 0; t < T; t++) transpose(hsGate.subarray(t * BH), hs.subarray(t * BH), H, B);
    const last = (T - 1) * BH;
    state.h.set(hs.subarray(last, last + BH));
    transpose(cs.subarray(last), state.c, H, B);
    return hs.subarray(0, T * BH);
  }

  backward(gemm: Gemm, p: RecurrentParams, grads: RecurrentParams, dOut: Float32Array, dX: Float32Array | null): void {
    if (this.gate !== 'sigmoid') throw new Error('LstmLayer: a layer with hard-sigmoid gates has no backward pass');
    const { T, B, hiddenSize: H, inputSize: I } = this;
    const G = 4 * H;
    const BH = B * H;
    const TB = T * B;
    this.dAct = ensureCapacity(this.dAct, G * TB);
    this.dStep = ensureCapacity(this.dStep, G * B);
    this.dhNext = ensureCapacity(this.dhNext, BH);
    this.dcNext = ensureCapacity(this.dcNext, BH);
    this.dhPrev = ensureCapacity(this.dhPrev, BH);
    this.wT = ensureCapacity(this.wT, G * H);
    this.keep = this.keep.length >= B ? this.keep : new Float32Array(B);
    const { act, cs, tanhC, dAct, dStep, dhNext, dcNext, dhPrev, wT, resets, mask, keep } = this;
    transpose(p.wHh, wT, G, H);
    dhNext.fill(0, 0, BH);
    dcNext.fill(0, 0, BH);

    for (let t = T - 1; t >= 0; t--) {
      const a0 = t * G * B;
      const s0 = t * BH;
      const cBase = t === 0 ? this.c0 : cs;
      const cOff = t === 0 ? 0 : s0 - BH;
      fillKeep(keep, resets, t, B);
      for (let j = 0; j < H; j++) {
        const ri = a0 + j * B;
        const rf = ri + H * B;
        const rg = rf + H * B;
        const ro = rg + H * B;
        const sj = s0 + j * B;
        for (let b = 0; b < B; b++) {
          const kb = keep[b]!;
          const ig = act[ri + b]!;
          const fg = act[rf + b]!;
          const gg = act[rg + b]!;
          const og = act[ro + b]!;
          const tc = tanhC[sj + b]!;
          const k = j * B + b;
          const dh = dOut[s0 + b * H + j]! + dhNext[k]!;
          const dc = dcNext[k]! + dh * og * (1 - tc * tc);
          const cPrev = kb * cBase[cOff + k]!;
          const di = dc * gg * ig * (1 - ig);
          const df = dc * cPrev * fg * (1 - fg);
          const dg = dc * ig * (1 - gg * gg);
          const dO = dh * tc * og * (1 - og);
          dStep[k] = di;
          dStep[k + BH] = df;
          dStep[k + 2 * BH] = dg;
          dStep[k + 3 * BH] = dO;
          const col = j * TB + t * B + b;
          dAct[col] = di;
          dAct[col + H * TB] = df;
          dAct[col + 2 * H * TB] = dg;
          dAct[col + 3 * H * TB] = dO;
          dcNext[k] = kb * dc * fg;
        }
      }
      if (t > 0) {
        // dh_{t−1} = W_hhᵀ·dPre_t, through the mask and the reset the kernel applied.
        gemm.gemm(false, false, H, B, G, wT, dStep, dhPrev, false);
        this.backpropKernelTerms(gemm, t, dStep, dhPrev);
        for (let j = 0; j < H; j++) {
          for (let b = 0; b < B; b++) {
            const k = j * B + b;
            dhNext[k] = keep[b]! * (mask ? dhPrev[k]! * mask[b * H + j]! : dhPrev[k]!);
          }
        }
      } else this.backpropKernelTerms(gemm, t, dStep, null);
    }
    // h_{t−1} of every step as the kernel saw it, row-major, for the one GEMM of the recurrent weight gradient.
    this.hPrev = ensureCapacity(this.hPrev, T * BH);
    const { hPrev, hs } = this;
    writeKernelState(this.h0, hPrev, 0, B, H, resets, mask);
    for (let t = 1; t < T; t++) {
      writeKernelState(hs.subarray((t - 1) * BH), hPrev.subarray(t * BH), t, B, H, resets, mask);
    }
    const rows = dAct.subarray(0, G * TB);
    accumulateWeightGradsByColumns(gemm, p, grads, rows, [{ rows: G, dPre: rows }], hPrev, this.x, dX, TB, G, H, I);
    this.accumulateKernelGrads(gemm, rows, hPrev);
  }

  // Hooks for a layer whose recurrent kernel has more than W_hh (factorized-lstm.ts); no-ops here.

  /** The matrix of the step's product W·h_{t−1}. */
  protected recurrentKernel(p: RecurrentParams): Float32Array {
    return p.wHh;
  }

  /** Adds further kernel terms of step t into its pre-activations `gates` (4H, B), from h_{t−1} as the kernel sees it (H, B). */
  protected addKernelTerms(_gemm: Gemm, _t: number, _hKernel: Float32Array, _gates: Float32Array): void {}

  /**
   * Backward of those terms at step t from dPre_t (4H, B): adds their share of dh_{t−1} into dhPrev (H, B), which is
   * null at t = 0 (the carried state gets no gradient, but the terms' own gradients still need the step).
   */
  protected backpropKernelTerms(_gemm: Gemm, _t: number, _dPre: Float32Array, _dhPrev: Float32Array | null): void {}

  /** After the loop: the terms' parameter gradients, from dPre (4H, T·B) and h_{t−1} of every step (T·B, H). */
  protected accumulateKernelGrads(_gemm: Gemm, _dPre: Float32Array, _hPrev: Float32Array): void {}

  memory(): Float32Array {
    const n = this.T * this.B * this.hiddenSize;
    if (!this.memoryFresh) {
      this.csRows = ensureCapacity(this.csRows, n);
      const BH = this.B * this.hiddenSize;
      for (let t = 0; t < this.T; t++) {
        transpose(this.cs.subarray(t * BH), this.csRows.subarray(t * BH), this.hiddenSize, this.B);
      }
      this.memoryFresh = true;
    }
    return this.csRows.subarray(0, n);
  }

  /** h_t of every step of the last forward, (T, B, H). */
  outputs(): Float32Array {
    return this.hs.subarray(0, this.T * this.B * this.hiddenSize);
  }
}

/** The step of LstmStep with gemm() and a JavaScript gate loop: the portable path and the reference for backends. */
export function lstmStepPortable(gemm: Gemm, s: LstmStep): void {
  const { H, B, gates, bias, cPrev, c, tanhC, h } = s;
  const BH = B * H;
  gemm.gemm(false, false, 4 * H, B, H, s.w, s.hPrev, gates, true);
  for (let j = 0; j < H; j++) {
    const bi = bias[j]!;
    const bf = bias[H + j]!;
    const bg = bias[2 * H + j]!;
    const bo = bias[3 * H + j]!;
    for (let b = 0; b < B; b++) {
      const k = j * B + b;
      const ig = sigmoid32(gates[k]! + bi);
      const fg = sigmoid32(gates[k + BH]! + bf);
      const gg = tanh32(gates[k + 2 * BH]! + bg);
      const og = sigmoid32(gates[k + 3 * BH]! + bo);
      const cNew = fg * cPrev[k]! + ig * gg;
      const tc = tanh32(cNew);
      gates[k] = ig;
      gates[k + BH] = fg;
      gates[k + 2 * BH] = gg;
      gates[k + 3 * BH] = og;
      c[k] = cNew;
      tanhC[k] = tc;
      h[k] = og * tc;
    }
  }
}

/** lstmStepPortable with Keras's hard sigmoid on the gates i, f, o (imported models; forward only). */
export function lstmStepHardGates(gemm: Gemm, s: LstmStep): void {
  const { H, B, gates, bias, cPrev, c, tanhC, h } = s;
  const BH = B * H;
  gemm.gemm(false, false, 4 * H, B, H, s.w, s.hPrev, gates, true);
  for (let j = 0; j < H; j++) {
    for (let b = 0; b < B; b++) {
      const k = j * B + b;
      const ig = hardSigmoid32(gates[k]! + bias[j]!);
      const fg = hardSigmoid32(gates[k + BH]! + bias[H + j]!);
      const gg = tanh32(gates[k + 2 * BH]! + bias[2 * H + j]!);
      const og = hardSigmoid32(gates[k + 3 * BH]! + bias[3 * H + j]!);
      const cNew = fg * cPrev[k]! + ig * gg;
      const tc = tanh32(cNew);
      gates[k] = ig;
      gates[k + BH] = fg;
      gates[k + 2 * BH] = gg;
      gates[k + 3 * BH] = og;
      c[k] = cNew;
      tanhC[k] = tc;
      h[k] = og * tc;
    }
  }
}
