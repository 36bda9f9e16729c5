// An LSTM layer (nn.LSTM semantics, gates i, f, g, o) advanced one step at a time, for recurrences whose next input
// depends on the last output — an attention decoder feeds step t's context into step t + 1. Forward and backward
// are driven step by step by the caller; the weight gradients are still one GEMM each over all steps.
//
// Gate-major inside a step like LstmLayer (so a backend's fused Gemm.lstmStep runs it); inputs, outputs and
// gradients at the boundary are row-major (B, ·). Starts from the zero state; workspaces are reserved once per
// sequence, so the steps allocate nothing.

import { transpose } from './gate-major.js';
import type { Gemm, LstmStep } from './gemm.js';
import { lstmStepPortable } from './lstm.js';
import { accumulateWeightGradsByColumns, ensureCapacity, type RecurrentParams } from './recurrent.js';

export class LstmStepper {
  private B = 0;
  private steps = 0; // steps run since begin()
  private cursor = -1; // the step backwardStep() handles next
  private xs: Float32Array = new Float32Array(0); // (T, B, I) each step's input, written by the caller
  private act: Float32Array = new Float32Array(0); // (T, 4H, B) input projections, then the gates i, f, g, o
  private cs: Float32Array = new Float32Array(0); // (T, H, B) c_t
  private tanhC: Float32Array = new Float32Array(0); // (T, H, B) tanh(c_t)
  private hsGate: Float32Array = new Float32Array(0); // (T, H, B) h_t
  private hRows: Float32Array = new Float32Array(0); // (T + 1, B, H) row 0 zero, row t + 1 = h_t
  private csRows: Float32Array = new Float32Array(0); // (T, B, H) c_t, written when memory() is asked for
  private zero: Float32Array = new Float32Array(0); // (H, B) the initial h and c
  private bias: Float32Array = new Float32Array(0); // (4H) bias_ih + bias_hh
  private wT: Float32Array = new Float32Array(0); // (H, 4H) W_hhᵀ for the backward products
  private dAct: Float32Array = new Float32Array(0); // (4H, T·B) gradient of the pre-activations of all steps
  private dStep: Float32Array = new Float32Array(0); // (4H, B) the same, this step
  private dhNext: Float32Array = new Float32Array(0); // (H, B) gradient into h_t from step t + 1
  private dcNext: Float32Array = new Float32Array(0); // (H, B) gradient into c_t from step t + 1
  private memoryFresh = false;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
  ) {}

  /** Starts a sequence of at most maxSteps steps of B streams from the zero state. */
  begin(p: RecurrentParams, B: number, maxSteps: number): void {
    const H = this.hiddenSize;
    const n = maxSteps * B * H;
    this.B = B;
    this.steps = 0;
    this.cursor = -1;
    this.memoryFresh = false;
    this.xs = ensureCapacity(this.xs, maxSteps * B * this.inputSize);
    this.act = ensureCapacity(this.act, 4 * n);
    this.cs = ensureCapacity(this.cs, n);
    this.tanhC = ensureCapacity(this.tanhC, n);
    this.hsGate = ensureCapacity(this.hsGate, n);
    this.hRows = ensureCapacity(this.hRows, n + B * H);
    this.hRows.fill(0, 0, B * H);
    this.zero = ensureCapacity(this.zero, B * H);
    this.bias = ensureCapacity(this.bias, 4 * H);
    for (let j = 0; j < 4 * H; j++) this.bias[j] = p.bIh[j]! + p.bHh[j]!;
  }

  /** Where the caller writes step t's input, (B, I) row-major. */
  input(t: number): Float32Array {
    const n = this.B * this.inputSize;
    return this.xs.subarray(t * n, (t + 1) * n);
  }

  /** Runs the next step over input(step) and returns h_t, (B, H) row-major, valid until the next begin(). */
  step(gemm: Gemm, p: RecurrentParams): Float32Array {
    const { B, hiddenSize: H, inputSize: I } = this;
    const t = this.steps;
    const G = 4 * H;
    const BH = B * H;
    if ((t + 1) * BH > this.cs.length) throw new RangeError('LstmStepper.step: more steps than begin() reserved');
    const gates = this.act.subarray(t * G * B, (t + 1) * G * B);
    gemm.gemm(false, true, G, B, I, p.wIh, this.input(t), gates, false); // W_ih·x_tᵀ, (4H, B)
    const s0 = t * BH;
    const prevH = t === 0 ? this.zero : this.hsGate.subarray(s0 - BH, s0);
    const prevC = t === 0 ? this.zero : this.cs.subarray(s0 - BH, s0);
    const step: LstmStep = {
      H,
      B,
      w: p.wHh,
      bias: this.bias,
      hPrev: prevH,
      cPrev: prevC,
      gates,
      c: this.cs.subarray(s0, s0 + BH),
      tanhC: this.tanhC.subarray(s0, s0 + BH),
      h: this.hsGate.subarray(s0, s0 + BH),
    };
    if (gemm.lstmStep) gemm.lstmStep(step);
    else lstmStepPortable(gemm, step);
    const out = this.hRows.subarray(s0 + BH, s0 + 2 * BH);
    transpose(step.h, out, H, B);
    this.steps = t + 1;
    this.memoryFresh = false;
    return out;
  }

  /** Number of steps run since begin(). */
  get length(): number {
    return this.steps;
  }

  /** Prepares the backward pass over the steps run, from the last one down. */
  beginBackward(p: RecurrentParams): void {
    const { B, hiddenSize: H, steps: T } = this;
    const G = 4 * H;
    this.dAct = ensureCapacity(this.dAct, G * T * B);
    this.dStep = ensureCapacity(this.dStep, G * B);
    this.dhNext = ensureCapacity(this.dhNext, B * H);
    this.dcNext = ensureCapacity(this.dcNext, B * H);
    this.wT = ensureCapacity(this.wT, G * H);
    transpose(p.wHh, this.wT, G, H);
    this.dhNext.fill(0, 0, B * H);
    this.dcNext.fill(0, 0, B * H);
    this.cursor = T - 1;
  }

  /**
   * Backward of the next step down (the last one first): dh (B, H) row-major is the gradient into h_t from outside
   * the recurrence. Writes dx (B, I), the gradient into the step's input, when given.
   */
  backwardStep(gemm: Gemm, p: RecurrentParams, dh: Float32Array, dx: Float32Array | null): void {
    const { B, hiddenSize: H, inputSize: I, steps: T } = this;
    const t = this.cursor;
    if (t < 0) throw new RangeError('LstmStepper.backwardStep: no step left (beginBackward first)');
    const G = 4 * H;
    const BH = B * H;
    const TB = T * B;
    const { act, cs, tanhC, dAct, dStep, dhNext, dcNext } = this;
    const a0 = t * G * B;
    const s0 = t * BH;
    for (let j = 0; j < H; j++) {
      const ri = a0 + j * B;
      const rf = ri + BH;
      const rg = rf + BH;
      const ro = rg + BH;
      for (let b = 0; b < B; b++) {
        const k = j * B + b;
        const ig = act[ri + b]!;
        const fg = act[rf + b]!;
        const gg = act[rg + b]!;
        const og = act[ro + b]!;
        const tc = tanhC[s0 + k]!;
        const dH = dh[b * H + j]! + dhNext[k]!;
        const dc = dcNext[k]! + dH * og * (1 - tc * tc);
        const cPrev = t === 0 ? 0 : cs[s0 - BH + k]!;
        const di = dc * gg * ig * (1 - ig);
        const df = dc * cPrev * fg * (1 - fg);
        const dg = dc * ig * (1 - gg * gg);
        const dO = dH * tc * og * (1 - og);
        dStep[k] = di;
        dStep[k + BH] = df;
        dStep[k + 2 * BH] = dg;
        dStep[k + 3 * BH] = dO;
        const col = j * TB + t * B + b;
        dAct[col] = di;
        dAct[col + H * TB] = df;
        dAct[col + 2 * H * TB] = dg;
        dAct[col + 3 * H * TB] = dO;
        dcNext[k] = dc * fg;
      }
    }
    if (t > 0) gemm.gemm(false, false, H, B, G, this.wT, dStep, dhNext, false); // W_hhᵀ·dPre_t, (H, B)
    if (dx) gemm.gemm(true, false, B, I, G, dStep, p.wIh, dx, false); // dPre_tᵀ·W_ih, (B, I)
    this.cursor = t - 1;
  }

  /** After the last backwardStep: every weight gradient of the layer from one GEMM over all steps. */
  finishBackward(gemm: Gemm, p: RecurrentParams, grads: RecurrentParams): void {
    const { B, hiddenSize: H, inputSize: I, steps: T } = this;
    if (this.cursor !== -1) throw new RangeError('LstmStepper.finishBackward: steps left to backpropagate');
    const G = 4 * H;
    const TB = T * B;
    const rows = this.dAct.subarray(0, G * TB);
    const hPrev = this.hRows.subarray(0, TB * H); // h_{t−1} of every step, (T·B, H)
    const x = this.xs.subarray(0, TB * I);
    accumulateWeightGradsByColumns(gemm, p, grads, rows, [{ rows: G, dPre: rows }], hPrev, x, null, TB, G, H, I);
  }

  /** h_t of every step run, (T, B, H). */
  outputs(): Float32Array {
    const n = this.steps * this.B * this.hiddenSize;
    return this.hRows.subarray(this.B * this.hiddenSize, this.B * this.hiddenSize + n);
  }

  /** c_t of every step run, (T, B, H). */
  memory(): Float32Array {
    const { B, hiddenSize: H, steps: T } = this;
    const BH = B * H;
    if (!this.memoryFresh) {
      this.csRows = ensureCapacity(this.csRows, T * BH);
      for (let t = 0; t < T; t++) transpose(this.cs.subarray(t * BH), this.csRows.subarray(t * BH), H, B);
      this.memoryFresh = true;
    }
    return this.csRows.subarray(0, T * BH);
  }
}
