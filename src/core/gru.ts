// GRU layer with PyTorch's nn.GRU semantics (gates r, z, n; the reset gate multiplies W_hn·h + b_hn): forward
// over a whole sequence and BPTT. The other GRU of the literature (Keras reset_after=False, ONNX
// linear_before_reset=0: n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)) and Keras's hard-sigmoid gates run forward
// only, for imported models. Gate-major inside a step, like the LSTM (see lstm.ts for why): the recurrent
// product is W_hh·h_{t−1}, and a backend may fuse it with the gate math (Gemm.gruStep). Outputs stay (T, B, H).

import { type GateActivation, hardSigmoid32, sigmoid32, tanh32 } from './activations.js';
import {
  anyReset,
  fillKeep,
  projectInputGateMajor,
  transpose,
  writeKernelStateGateMajor,
  zeroResetColumns,
} from './gate-major.js';
import type { Gemm, GruStep } from './gemm.js';
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

export class GruLayer implements RecurrentLayer {
  readonly gates = 3;
  private T = 0;
  private B = 0;
  private x: Float32Array = new Float32Array(0); // (T, B, I) input of the last forward (a reference)
  private act: Float32Array = new Float32Array(0); // (T, 3H, B) input projections, then the gates r, z, n
  private hn: Float32Array = new Float32Array(0); // (T, H, B) W_hn·h + b_hn, which the reset gate scales
  private hsGate: Float32Array = new Float32Array(0); // (T, H, B) h_t
  private hs: Float32Array = new Float32Array(0); // (T, B, H) h_t: the layer's output
  private h0: Float32Array = new Float32Array(0); // (B, H) initial state of the last forward
  private h0Gate: Float32Array = new Float32Array(0); // (H, B) the same, gate-major
  private kernelH: Float32Array = new Float32Array(0); // (H, B) h_{t−1} after resets and the recurrent mask
  private interpH: Float32Array = new Float32Array(0); // (H, B) h_{t−1} after resets only
  private scratch: Float32Array = new Float32Array(0); // (3H, B) the recurrent product of a step (portable path)
  private wT: Float32Array = new Float32Array(0); // (H, 3H) W_hhᵀ for the backward products
  private hPrev: Float32Array = new Float32Array(0); // (T, B, H) h_{t−1} as the kernel saw it (weight gradient)
  private dPreI: Float32Array = new Float32Array(0); // (3H, T·B) gradient of the input-side pre-activations
  private dHn: Float32Array = new Float32Array(0); // (H, T·B) gradient of W_hn·h + b_hn (the recurrent side's n block)
  private dStep: Float32Array = new Float32Array(0); // (3H, B) dPreH of this step, gate-major
  private dhNext: Float32Array = new Float32Array(0); // (H, B)
  private dhKernel: Float32Array = new Float32Array(0); // (H, B)
  private keep: Float32Array = new Float32Array(0); // (B) 0 for streams that reset at the step, else 1
  private resets: Uint8Array | null = null;
  private mask: Float32Array | null = null;

  private resetH: Float32Array = new Float32Array(0); // (H, B) r ⊙ h_{t−1} (reset before the product only)

  /**
   * resetAfter false: the reset gate scales h_{t−1} before W_hn; gate hard_sigmoid: Keras's hard sigmoid on r and z.
   * Either is forward only (such a layer cannot be trained).
   */
  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    readonly resetAfter = true,
    readonly gate: GateActivation = 'sigmoid',
  ) {}

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
    const G = 3 * H;
    const BH = B * H;
    const n = T * BH;
    this.act = ensureCapacity(this.act, 3 * n);
    this.hn = ensureCapacity(this.hn, n);
    this.hsGate = ensureCapacity(this.hsGate, n);
    this.hs = ensureCapacity(this.hs, n);
    this.h0 = ensureCapacity(this.h0, BH);
    this.h0Gate = ensureCapacity(this.h0Gate, BH);
    this.kernelH = ensureCapacity(this.kernelH, BH);
    this.interpH = ensureCapacity(this.interpH, BH);
    this.scratch = ensureCapacity(this.scratch, G * B);
    if (!this.resetAfter) this.resetH = ensureCapacity(this.resetH, BH);
    this.T = T;
    this.B = B;
    this.x = x;
    this.resets = control.resets;
    this.mask = recurrentMask;
    const { act, hn, hsGate, hs, h0, h0Gate, kernelH, interpH, scratch } = this;
    const resets = control.resets;
    h0.set(state.h.subarray(0, BH));
    transpose(h0, h0Gate, B, H);

    projectInputGateMajor(gemm, p.wIh, x, act, T, B, G, I, projectInput);

    for (let t = 0; t < T; t++) {
      const s0 = t * BH;
      const stepResets = resets !== null && anyReset(resets, t, B);
      const prev = t === 0 ? h0Gate : hsGate.subarray(s0 - BH, s0);
      let hK = prev;
      if (stepResets || recurrentMask) {
        writeKernelStateGateMajor(prev, false, kernelH, t, B, H, resets, recurrentMask);
        hK = kernelH;
      }
      let hP = prev;
      if (stepResets) {
        zeroResetColumns(prev, interpH, resets, t, B, H);
        hP = interpH;
      }
      const step: GruStep = {
        H,
        B,
        w: p.wHh,
        biasIh: p.bIh,
        biasHh: p.bHh,
        hKernel: hK,
        hPrev: hP,
        gates: act.subarray(t * G * B, (t + 1) * G * B),
        hn: hn.subarray(s0, s0 + BH),
        h: hsGate.subarray(s0, s0 + BH),
        scratch,
      };
      if (!this.resetAfter || this.gate !== 'sigmoid') {
        const gate = this.gate === 'hard_sigmoid' ? hardSigmoid32 : sigmoid32;
        gruStepVariant(gemm, step, this.resetAfter ? null : this.resetH, gate);
      } else if (gemm.gruStep) gemm.gruStep(step);
      else gruStepPortable(gemm, step);
    }
    for (let t = 0; t < T; t++) transpose(hsGate.subarray(t * BH), hs.subarray(t * BH), H, B);
    const last = (T - 1) * BH;
    state.h.set(hs.subarray(last, last + BH));
    return hs.subarray(0, n);
  }

  backward(gemm: Gemm, p: RecurrentParams, grads: RecurrentParams, dOut: Float32Array, dX: Float32Array | null): void {
    if (!this.resetAfter || this.gate !== 'sigmoid') {
      throw new Error(
        'GruLayer: a GRU with the reset gate before the product or hard-sigmoid gates has no backward pass',
      );
    }
    const { T, B, hiddenSize: H, inputSize: I } = this;
    const G = 3 * H;
    const BH = B * H;
    const TB = T * B;
    this.dPreI = ensureCapacity(this.dPreI, G * TB);
    this.dHn = ensureCapacity(this.dHn, H * TB);
    this.dStep = ensureCapacity(this.dStep, G * B);
    this.dhNext = ensureCapacity(this.dhNext, BH);
    this.dhKernel = ensureCapacity(this.dhKernel, BH);
    this.wT = ensureCapacity(this.wT, G * H);
    this.keep = this.keep.length >= B ? this.keep : new Float32Array(B);
    const { act, hn, hsGate, h0Gate, dPreI, dHn, dStep, dhNext, dhKernel, wT, keep, resets, mask } = this;
    transpose(p.wHh, wT, G, H);
    dhNext.fill(0, 0, BH);

    for (let t = T - 1; t >= 0; t--) {
      const a0 = t * G * B;
      const s0 = t * BH;
      const prev = t === 0 ? h0Gate : hsGate;
      const prevOff = t === 0 ? 0 : s0 - BH;
      fillKeep(keep, resets, t, B);
      for (let j = 0; j < H; j++) {
        const rr = a0 + j * B;
        const rz = rr + BH;
        const rn = rz + BH;
        for (let b = 0; b < B; b++) {
          const kb = keep[b]!;
          const k = j * B + b;
          const r = act[rr + b]!;
          const z = act[rz + b]!;
          const nn = act[rn + b]!;
          const hp = kb * prev[prevOff + k]!;
          const dh = dOut[s0 + b * H + j]! + dhNext[k]!;
          const dnPre = dh * (1 - z) * (1 - nn * nn);
          const dzPre = dh * (hp - nn) * z * (1 - z);
          const drPre = dnPre * hn[s0 + k]! * r * (1 - r);
          const dhnPre = dnPre * r;
          dStep[k] = drPre;
          dStep[k + BH] = dzPre;
          dStep[k + 2 * BH] = dhnPre;
          const col = j * TB + t * B + b;
          dPreI[col] = drPre;
          dPreI[col + H * TB] = dzPre;
          dPreI[col + 2 * H * TB] = dnPre;
          dHn[col] = dhnPre;
          // The direct path h_{t−1} → h_t through z; the kernel path is added after the product below.
          dhNext[k] = kb * dh * z;
        }
      }
      if (t > 0) {
        gemm.gemm(false, false, H, B, G, wT, dStep, dhKernel, false); // (H, 3H)·(3H, B)
        for (let j = 0; j < H; j++) {
          for (let b = 0; b < B; b++) {
            const k = j * B + b;
            dhNext[k]! += keep[b]! * (mask ? dhKernel[k]! * mask[b * H + j]! : dhKernel[k]!);
          }
        }
      }
    }
    // h_{t−1} of every step as the kernel saw it, row-major, for the one GEMM of the recurrent weight gradient.
    this.hPrev = ensureCapacity(this.hPrev, T * BH);
    const { hPrev, hs } = this;
    writeKernelState(this.h0, hPrev, 0, B, H, resets, mask);
    for (let t = 1; t < T; t++) {
      writeKernelState(hs.subarray((t - 1) * BH), hPrev.subarray(t * BH), t, B, H, resets, mask);
    }
    // The recurrent side's r and z rows are the input side's; its n rows are dHn.
    const recurrent = [
      { rows: 2 * H, dPre: dPreI.subarray(0, 2 * H * TB) },
      { rows: H, dPre: this.dHn.subarray(0, H * TB) },
    ];
    accumulateWeightGradsByColumns(
      gemm,
      p,
      grads,
      dPreI.subarray(0, G * TB),
      recurrent,
      hPrev,
      this.x,
      dX,
      TB,
      G,
      H,
      I,
    );
  }

  memory(): Float32Array {
    return this.hs.subarray(0, this.T * this.B * this.hiddenSize);
  }
}

/** The step of GruStep with gemm() and a JavaScript gate loop: the portable path and the reference for backends. */
export function gruStepPortable(gemm: Gemm, s: GruStep): void {
  const { H, B, gates, biasIh, biasHh, hPrev, hn, h, scratch } = s;
  const BH = B * H;
  gemm.gemm(false, false, 3 * H, B, H, s.w, s.hKernel, scratch, false);
  for (let j = 0; j < H; j++) {
    const brI = biasIh[j]! + biasHh[j]!;
    const bzI = biasIh[H + j]! + biasHh[H + j]!;
    const bnI = biasIh[2 * H + j]!;
    const bnH = biasHh[2 * H + j]!;
    for (let b = 0; b < B; b++) {
      const k = j * B + b;
      const r = sigmoid32(gates[k]! + scratch[k]! + brI);
      const z = sigmoid32(gates[k + BH]! + scratch[k + BH]! + bzI);
      const hnk = scratch[k + 2 * BH]! + bnH;
      const nn = tanh32(gates[k + 2 * BH]! + bnI + r * hnk);
      gates[k] = r;
      gates[k + BH] = z;
      gates[k + 2 * BH] = nn;
      hn[k] = hnk;
      h[k] = nn + z * (hPrev[k]! - nn);
    }
  }
}

/**
 * A GRU step of the variants imported models need: with `resetH` (H, B) given, the reset gate scales h_{t−1} before
 * the recurrent product (Keras reset_after=False): n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn), and `hn` receives
 * W_hn (r ⊙ h) + b_hn; with null, PyTorch's n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)). `gate` computes r and z.
 */
export function gruStepVariant(gemm: Gemm, s: GruStep, resetH: Float32Array | null, gate: (x: number) => number): void {
  const { H, B, w, gates, biasIh, biasHh, hKernel, hPrev, hn, h, scratch } = s;
  const BH = B * H;
  // The r and z rows of W_hh are its first 2H rows; reset after the product needs its n rows with them.
  gemm.gemm(false, false, resetH ? 2 * H : 3 * H, B, H, w, hKernel, scratch, false);
  for (let j = 0; j < H; j++) {
    const br = biasIh[j]! + biasHh[j]!;
    const bz = biasIh[H + j]! + biasHh[H + j]!;
    for (let b = 0; b < B; b++) {
      const k = j * B + b;
      const r = gate(gates[k]! + scratch[k]! + br);
      gates[k] = r;
      gates[k + BH] = gate(gates[k + BH]! + scratch[k + BH]! + bz);
      if (resetH) resetH[k] = r * hKernel[k]!;
    }
  }
  const product = scratch.subarray(2 * BH, 3 * BH);
  if (resetH) gemm.gemm(false, false, H, B, H, w.subarray(2 * H * H, 3 * H * H), resetH, product, false);
  for (let j = 0; j < H; j++) {
    const bnI = biasIh[2 * H + j]!;
    const bnH = biasHh[2 * H + j]!;
    for (let b = 0; b < B; b++) {
      const k = j * B + b;
      const z = gates[k + BH]!;
      const hnk = product[k]! + bnH;
      const nn = tanh32(gates[k + 2 * BH]! + bnI + (resetH ? hnk : gates[k]! * hnk));
      gates[k + 2 * BH] = nn;
      hn[k] = hnk;
      h[k] = nn + z * (hPrev[k]! - nn);
    }
  }
}
