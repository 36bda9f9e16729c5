// GRU layer with PyTorch's nn.GRU semantics (gates r, z, n; the reset gate multiplies W_hn·h + b_hn):
// forward over a whole sequence and BPTT, with the input projection of all steps in one GEMM.

import { sigmoid32, tanh32 } from './activations.js';
import type { Gemm } from './gemm.js';
import { accumulateWeightGrads, writeKernelState } from './lstm.js';
import {
  ensureCapacity,
  type InputProjection,
  type LayerState,
  type RecurrentLayer,
  type RecurrentParams,
  type SequenceControl,
} from './recurrent.js';

export class GruLayer implements RecurrentLayer {
  readonly gates = 3;
  private T = 0;
  private B = 0;
  private x: Float32Array = new Float32Array(0); // (T, B, I) input of the last forward (a reference)
  private act: Float32Array = new Float32Array(0); // (T, B, 3H) x·W_ihᵀ, then the activations r, z, n
  private hGates: Float32Array = new Float32Array(0); // (B, 3H) h·W_hhᵀ of the current step
  private hn: Float32Array = new Float32Array(0); // (T, B, H) W_hn·h + b_hn, which the reset gate scales
  private hs: Float32Array = new Float32Array(0); // (T, B, H) h_t
  private hPrev: Float32Array = new Float32Array(0); // (T, B, H) h_{t-1} as the recurrent kernel saw it
  private h0: Float32Array = new Float32Array(0); // (B, H) initial state of the last forward
  private dPreI: Float32Array = new Float32Array(0); // (T, B, 3H) gradient of the input-side pre-activations
  private dPreH: Float32Array = new Float32Array(0); // (T, B, 3H) gradient of the recurrent-side pre-activations
  private dhNext: Float32Array = new Float32Array(0); // (B, H)
  private dhKernel: Float32Array = new Float32Array(0); // (B, H)
  private resets: Uint8Array | null = null;
  private mask: Float32Array | null = null;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
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
    this.hGates = ensureCapacity(this.hGates, B * G);
    this.hn = ensureCapacity(this.hn, n);
    this.hs = ensureCapacity(this.hs, n);
    this.hPrev = ensureCapacity(this.hPrev, n);
    this.h0 = ensureCapacity(this.h0, BH);
    this.T = T;
    this.B = B;
    this.x = x;
    this.resets = control.resets;
    this.mask = recurrentMask;
    const { act, hGates, hn, hs, hPrev, h0 } = this;
    const resets = control.resets;
    const { bIh, bHh } = p;
    h0.set(state.h.subarray(0, BH));

    if (projectInput) projectInput(act.subarray(0, T * B * G));
    else gemm.gemm(false, true, T * B, G, I, x, p.wIh, act, false); // (T·B, I)·(I, 3H)
    writeKernelState(h0, hPrev, 0, B, H, resets, recurrentMask);

    for (let t = 0; t < T; t++) {
      gemm.gemm(false, true, B, G, H, hPrev.subarray(t * BH, (t + 1) * BH), p.wHh, hGates, false);
      const nextT = t + 1 < T;
      const prevBase = t === 0 ? h0 : hs;
      const prevOff = t === 0 ? 0 : (t - 1) * BH;
      for (let b = 0; b < B; b++) {
        const reset = resets !== null && resets[t * B + b] === 1;
        const nextReset = nextT && resets !== null && resets[(t + 1) * B + b] === 1;
        const a0 = (t * B + b) * G;
        const k0 = b * G;
        const s0 = t * BH + b * H;
        const m0 = b * H;
        for (let j = 0; j < H; j++) {
          const r = sigmoid32(act[a0 + j] + bIh[j] + hGates[k0 + j] + bHh[j]);
          const z = sigmoid32(act[a0 + H + j] + bIh[H + j] + hGates[k0 + H + j] + bHh[H + j]);
          const hnj = hGates[k0 + 2 * H + j] + bHh[2 * H + j];
          const nn = tanh32(act[a0 + 2 * H + j] + bIh[2 * H + j] + r * hnj);
          const hp = reset ? 0 : prevBase[prevOff + m0 + j];
          const h = (1 - z) * nn + z * hp;
          act[a0 + j] = r;
          act[a0 + H + j] = z;
          act[a0 + 2 * H + j] = nn;
          hn[s0 + j] = hnj;
          hs[s0 + j] = h;
          if (nextT) hPrev[s0 + BH + j] = nextReset ? 0 : recurrentMask ? h * recurrentMask[m0 + j] : h;
        }
      }
    }
    const last = (T - 1) * BH;
    state.h.set(hs.subarray(last, last + BH));
    return hs.subarray(0, n);
  }

  backward(gemm: Gemm, p: RecurrentParams, grads: RecurrentParams, dOut: Float32Array, dX: Float32Array | null): void {
    const { T, B, hiddenSize: H, inputSize: I } = this;
    const G = 3 * H;
    const BH = B * H;
    this.dPreI = ensureCapacity(this.dPreI, T * B * G);
    this.dPreH = ensureCapacity(this.dPreH, T * B * G);
    this.dhNext = ensureCapacity(this.dhNext, BH);
    this.dhKernel = ensureCapacity(this.dhKernel, BH);
    const { act, hn, hs, h0, dPreI, dPreH, dhNext, dhKernel, resets, mask } = this;
    dhNext.fill(0, 0, BH);

    for (let t = T - 1; t >= 0; t--) {
      const prevBase = t === 0 ? h0 : hs;
      const prevOff = t === 0 ? 0 : (t - 1) * BH;
      for (let b = 0; b < B; b++) {
        const reset = resets !== null && resets[t * B + b] === 1;
        const a0 = (t * B + b) * G;
        const s0 = t * BH + b * H;
        const m0 = b * H;
        for (let j = 0; j < H; j++) {
          const r = act[a0 + j];
          const z = act[a0 + H + j];
          const nn = act[a0 + 2 * H + j];
          const hp = reset ? 0 : prevBase[prevOff + m0 + j];
          const dh = dOut[s0 + j] + dhNext[m0 + j];
          const dnPre = dh * (1 - z) * (1 - nn * nn);
          const dzPre = dh * (hp - nn) * z * (1 - z);
          const drPre = dnPre * hn[s0 + j] * r * (1 - r);
          dPreI[a0 + j] = drPre;
          dPreI[a0 + H + j] = dzPre;
          dPreI[a0 + 2 * H + j] = dnPre;
          dPreH[a0 + j] = drPre;
          dPreH[a0 + H + j] = dzPre;
          dPreH[a0 + 2 * H + j] = dnPre * r;
          // The direct path h_{t-1} → h_t through z; the kernel path is added after the GEMM below.
          dhNext[m0 + j] = reset ? 0 : dh * z;
        }
      }
      if (t > 0) {
        const a0 = t * B * G;
        gemm.gemm(false, false, B, H, G, dPreH.subarray(a0, a0 + B * G), p.wHh, dhKernel, false);
        for (let b = 0; b < B; b++) {
          if (resets !== null && resets[t * B + b] === 1) continue;
          const m0 = b * H;
          for (let j = 0; j < H; j++) dhNext[m0 + j] += mask ? dhKernel[m0 + j] * mask[m0 + j] : dhKernel[m0 + j];
        }
      }
    }
    accumulateWeightGrads(gemm, p, grads, dPreI, this.hPrev, this.x, dX, T * B, G, H, I, dPreH);
  }

  memory(): Float32Array {
    return this.hs.subarray(0, this.T * this.B * this.hiddenSize);
  }
}
