// LSTM whose recurrent kernel is factorized (paper §7): W = W0 + Σ_i λ_i · u_i v_iᵀ, one rank-one basis per bigram,
// λ given per stream and step. W·h is computed as W0·h + U·(λ ⊙ (Vᵀ·h)) and W is never formed. Bases whose λ is zero
// at every step of the sequence are dropped before the loop (exactly: they add nothing and get zero gradient), so the
// cost follows the bigrams actually present. Gate order, resets, masks and BPTT as in LstmLayer (lstm.ts), in its older row-major layout.

import { sigmoid32, tanh32 } from './activations.js';
import type { Gemm } from './gemm.js';
import {
  accumulateWeightGrads,
  ensureCapacity,
  type InputProjection,
  type LayerState,
  type RecurrentParams,
  type SequenceControl,
  writeKernelState,
} from './recurrent.js';

/** RecurrentParams (wHh is the base kernel W0) plus the stacked bases. */
export interface FactorizedParams extends RecurrentParams {
  /** basis_u (4H, K) row-major: column i is u_i. */
  basisU: Float32Array;
  /** basis_v (H, K) row-major: column i is v_i. */
  basisV: Float32Array;
}

/**
 * Which part of the kernel a forward uses: all of it, the base W0 alone, W0 + λ_i·u_i v_iᵀ for the one basis i
 * (every other λ taken as zero), or that basis alone, λ_i·u_i v_iᵀ without W0 ('basis-alone': for analysis only,
 * backward refuses it). The restricted kernels are what the per-basis memory signatures analyse.
 */
export type KernelRestriction =
  | { kind: 'full' }
  | { kind: 'base' }
  | { kind: 'basis'; index: number }
  | { kind: 'basis-alone'; index: number };

/**
 * λ of every step and stream. λ is data, not a parameter: it gets no gradient.
 * The λ of step t, stream b is row index[t·B + b] of table (R, K); with index null it is row t·B + b (R = T·B).
 * A per-step λ (e.g. running bigram counts) is a table of T·B rows and index null; a per-segment λ is a table of
 * segment rows and the segment of each position as index; one fixed λ is a single row and an all-zero index.
 */
export interface BasisWeights {
  table: Float32Array;
  index: Int32Array | null;
  /**
   * Optional, a promise about the table: the only bases whose λ can be non-zero in it (e.g. the bigrams present), so
   * that the layer's search for active bases reads these columns alone. Any order; duplicates are harmless.
   */
  columns?: Int32Array;
}

export interface FactorizedControl extends SequenceControl {
  lambda: BasisWeights;
  /** Default { kind: 'full' }. */
  restrict?: KernelRestriction;
}

const FULL: KernelRestriction = { kind: 'full' };

/**
 * Whole-sequence forward and BPTT with the signatures of RecurrentLayer (recurrent.ts), but with FactorizedParams and
 * the λ input in the control. Per step, besides LstmLayer's W0 product: Z = h·V' (B, K') and (λ' ⊙ Z)·U'ᵀ (B, 4H),
 * where ' keeps the K' active bases. Backward per step: dh += (λ' ⊙ dPre·U')·V'ᵀ; dU and dV come after the loop
 * from one GEMM each over all steps.
 */
export class FactorizedLstmLayer {
  readonly gates = 4;
  private T = 0;
  private B = 0;
  private x: Float32Array = new Float32Array(0); // (T, B, I) input of the last forward (a reference, not a copy)
  private act: Float32Array = new Float32Array(0); // (T, B, 4H) pre-activations, then the activations i, f, g, o
  private hs: Float32Array = new Float32Array(0); // (T, B, H) h_t
  private cs: Float32Array = new Float32Array(0); // (T, B, H) c_t
  private tanhC: Float32Array = new Float32Array(0); // (T, B, H) tanh(c_t)
  private hPrev: Float32Array = new Float32Array(0); // (T, B, H) h_{t-1} as the kernel saw it (reset, masked)
  private c0: Float32Array = new Float32Array(0); // (B, H) initial cell state of the last forward
  private bias: Float32Array = new Float32Array(0); // (4H) bias_ih + bias_hh
  private dAct: Float32Array = new Float32Array(0); // (T, B, 4H) gradient of the pre-activations
  private dhNext: Float32Array = new Float32Array(0); // (B, H)
  private dcNext: Float32Array = new Float32Array(0); // (B, H)
  private dhPrev: Float32Array = new Float32Array(0); // (B, H)
  private resets: Uint8Array | null = null;
  private mask: Float32Array | null = null;
  // The active bases of the last forward and their compacted data.
  private mark: Uint8Array = new Uint8Array(0); // (K) 1 where a basis has a non-zero λ somewhere
  private usedRows: Uint8Array = new Uint8Array(0); // (R) λ table rows referenced by the index
  private active: Int32Array = new Int32Array(0); // (K') basis index of each active column
  private Ka = 0; // K'
  private withoutBase = false; // the last forward left W0 out ('basis-alone')
  private gathered = false; // false when K' = K: ua, va are the parameter arrays themselves
  private ua: Float32Array = new Float32Array(0); // (4H, K') the active columns of U
  private va: Float32Array = new Float32Array(0); // (H, K') the active columns of V
  private lam: Float32Array = new Float32Array(0); // (T, B, K') λ of every step, active columns only
  private ys: Float32Array = new Float32Array(0); // (T, B, K') λ ⊙ (h_{t-1}·V')
  private dZ: Float32Array = new Float32Array(0); // (T, B, K') gradient of h_{t-1}·V'
  private dY: Float32Array = new Float32Array(0); // (B, K') gradient of one step's λ ⊙ Z
  private dUa: Float32Array = new Float32Array(0); // (4H, K')
  private dVa: Float32Array = new Float32Array(0); // (H, K')

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    /** K: the number of rank-one bases (|V|² for the bigram bases). */
    readonly bases: number,
  ) {}

  /** Number of bases the last forward actually used (K' ≤ K). */
  activeBases(): number {
    return this.Ka;
  }

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
    p: FactorizedParams,
    x: Float32Array,
    T: number,
    B: number,
    state: LayerState,
    control: FactorizedControl,
    recurrentMask: Float32Array | null,
    projectInput?: InputProjection,
  ): Float32Array {
    const H = this.hiddenSize;
    const I = this.inputSize;
    const K = this.bases;
    const G = 4 * H;
    const BH = B * H;
    if (!state.c) throw new Error('FactorizedLstmLayer.forward: the state needs c');
    if (p.basisU.length !== G * K || p.basisV.length !== H * K) {
      throw new RangeError(`FactorizedLstmLayer.forward: the bases must be (${G}, ${K}) and (${H}, ${K})`);
    }
    this.reserve(T, B);
    this.T = T;
    this.B = B;
    this.x = x;
    this.resets = control.resets;
    this.mask = recurrentMask;
    const restrict = control.restrict ?? FULL;
    this.withoutBase = restrict.kind === 'basis-alone';
    this.selectBases(p, control.lambda, restrict, T * B);
    const { act, hs, cs, tanhC, hPrev, bias, Ka, ua, va, lam, ys } = this;
    const resets = control.resets;
    for (let j = 0; j < G; j++) bias[j] = p.bIh[j] + p.bHh[j];
    this.c0.set(state.c.subarray(0, BH));

    // act = x · W_ihᵀ for every step at once: (T·B, I) · (I, 4H).
    if (projectInput) projectInput(act.subarray(0, T * B * G), false);
    else gemm.gemm(false, true, T * B, G, I, x, p.wIh, act, false);
    writeKernelState(state.h, hPrev, 0, B, H, resets, recurrentMask);

    const BK = B * Ka;
    for (let t = 0; t < T; t++) {
      const actT = act.subarray(t * B * G, (t + 1) * B * G);
      const hPrevT = hPrev.subarray(t * BH, (t + 1) * BH);
      if (!this.withoutBase) gemm.gemm(false, true, B, G, H, hPrevT, p.wHh, actT, true); // (B, H)·(H, 4H)
      if (Ka > 0) {
        const yT = ys.subarray(t * BK, (t + 1) * BK);
        gemm.gemm(false, false, B, Ka, H, hPrevT, va, yT, false); // Z = h·V': (B, H)·(H, K')
        const l0 = t * BK;
        for (let i = 0; i < BK; i++) yT[i] *= lam[l0 + i];
        gemm.gemm(false, true, B, G, Ka, yT, ua, actT, true); // (B, K')·(K', 4H)
      }
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

  /**
   * Backpropagates dOut (T, B, H) through the last forward (same contract as RecurrentLayer.backward). Accumulates
   * into grads, including basisU and basisV (only the columns of the bases the forward used can be non-zero).
   */
  backward(
    gemm: Gemm,
    p: FactorizedParams,
    grads: FactorizedParams,
    dOut: Float32Array,
    dX: Float32Array | null,
  ): void {
    if (this.withoutBase) throw new Error("FactorizedLstmLayer.backward: a 'basis-alone' forward is for analysis only");
    const { T, B, hiddenSize: H, inputSize: I, Ka } = this;
    const G = 4 * H;
    const BH = B * H;
    const BK = B * Ka;
    this.dAct = ensureCapacity(this.dAct, T * B * G);
    this.dhNext = ensureCapacity(this.dhNext, BH);
    this.dcNext = ensureCapacity(this.dcNext, BH);
    this.dhPrev = ensureCapacity(this.dhPrev, BH);
    this.dZ = ensureCapacity(this.dZ, T * BK);
    this.dY = ensureCapacity(this.dY, BK);
    const { act, cs, tanhC, dAct, dhNext, dcNext, dhPrev, resets, mask, ua, va, lam, dZ, dY } = this;
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
      const dActT = dAct.subarray(a0, a0 + B * G);
      if (Ka > 0) {
        // dZ_t = λ ⊙ (dPre_t·U'), kept for dV; also needed at t = 0, where h_{-1} (the carried state) met V.
        gemm.gemm(false, false, B, Ka, G, dActT, ua, dY, false); // (B, 4H)·(4H, K')
        const dZT = dZ.subarray(t * BK, (t + 1) * BK);
        const l0 = t * BK;
        for (let i = 0; i < BK; i++) dZT[i] = dY[i] * lam[l0 + i];
      }
      if (t > 0) {
        // dh_{t-1} = dPre_t·W0 + dZ_t·V'ᵀ, through the mask and the reset the kernel applied.
        gemm.gemm(false, false, B, H, G, dActT, p.wHh, dhPrev, false);
        if (Ka > 0) gemm.gemm(false, true, B, H, Ka, dZ.subarray(t * BK, (t + 1) * BK), va, dhPrev, true);
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
    if (Ka === 0) return;
    const rows = T * B;
    const hPrev = this.hPrev;
    if (!this.gathered) {
      gemm.gemm(true, false, G, Ka, rows, dAct, this.ys, grads.basisU, true); // (4H, T·B)·(T·B, K)
      gemm.gemm(true, false, H, Ka, rows, hPrev, dZ, grads.basisV, true); // (H, T·B)·(T·B, K)
      return;
    }
    this.dUa = ensureCapacity(this.dUa, G * Ka);
    this.dVa = ensureCapacity(this.dVa, H * Ka);
    const { dUa, dVa, active } = this;
    gemm.gemm(true, false, G, Ka, rows, dAct, this.ys, dUa, false);
    gemm.gemm(true, false, H, Ka, rows, hPrev, dZ, dVa, false);
    scatterColumns(dUa, grads.basisU, active, G, Ka, this.bases);
    scatterColumns(dVa, grads.basisV, active, H, Ka, this.bases);
  }

  memory(): Float32Array {
    return this.cs.subarray(0, this.T * this.B * this.hiddenSize);
  }

  /** h_t of every step of the last forward, (T, B, H). */
  outputs(): Float32Array {
    return this.hs.subarray(0, this.T * this.B * this.hiddenSize);
  }

  /**
   * Finds the bases the restriction allows and λ makes non-zero at some step, and writes their columns of U, V and λ
   * compacted (ua, va, lam). When all K are active, ua and va are the parameter arrays themselves.
   */
  private selectBases(p: FactorizedParams, lambda: BasisWeights, restrict: KernelRestriction, rows: number): void {
    const K = this.bases;
    const { table, index } = lambda;
    const R = Math.floor(table.length / K);
    if (index === null) {
      if (R < rows) throw new RangeError(`FactorizedLstmLayer: λ table has ${R} rows of ${K}, needs ${rows}`);
    } else {
      if (index.length < rows) throw new RangeError(`FactorizedLstmLayer: λ index has ${index.length}, needs ${rows}`);
      for (let r = 0; r < rows; r++) {
        const s = index[r];
        if (!(s >= 0 && s < R))
          throw new RangeError(`FactorizedLstmLayer: λ index ${s} at ${r} is outside 0..${R - 1}`);
      }
    }
    this.mark = ensureBytes(this.mark, K);
    const mark = this.mark;
    mark.fill(0, 0, K);
    // The table rows this sequence reads.
    let scan: (visit: (row: number) => void) => void;
    if (index === null) {
      scan = (visit) => {
        for (let r = 0; r < rows; r++) visit(r);
      };
    } else {
      this.usedRows = ensureBytes(this.usedRows, R);
      const used = this.usedRows;
      used.fill(0, 0, R);
      for (let r = 0; r < rows; r++) used[index[r]] = 1;
      scan = (visit) => {
        for (let r = 0; r < R; r++) if (used[r] === 1) visit(r);
      };
    }
    if (restrict.kind === 'basis' || restrict.kind === 'basis-alone') {
      const i = restrict.index;
      if (!Number.isInteger(i) || i < 0 || i >= K) {
        throw new RangeError(`FactorizedLstmLayer: basis ${i} is outside 0..${K - 1}`);
      }
      scan((r) => {
        if (table[r * K + i] !== 0) mark[i] = 1;
      });
    } else if (restrict.kind === 'full' && lambda.columns) {
      const columns = lambda.columns;
      for (let j = 0; j < columns.length; j++) {
        const c = columns[j];
        if (!(c >= 0 && c < K)) throw new RangeError(`FactorizedLstmLayer: λ column ${c} is outside 0..${K - 1}`);
      }
      scan((r) => {
        const o = r * K;
        for (let j = 0; j < columns.length; j++) if (table[o + columns[j]] !== 0) mark[columns[j]] = 1;
      });
    } else if (restrict.kind === 'full') {
      scan((r) => {
        const o = r * K;
        for (let i = 0; i < K; i++) if (table[o + i] !== 0) mark[i] = 1;
      });
    }
    this.active = this.active.length >= K ? this.active : new Int32Array(K);
    let Ka = 0;
    for (let i = 0; i < K; i++) if (mark[i] === 1) this.active[Ka++] = i;
    this.Ka = Ka;
    if (Ka === 0) return;
    const active = this.active;
    const H = this.hiddenSize;
    const G = 4 * H;
    this.gathered = Ka < K;
    if (this.gathered) {
      this.ua = ensureCapacity(this.ua === p.basisU ? new Float32Array(0) : this.ua, G * Ka);
      this.va = ensureCapacity(this.va === p.basisV ? new Float32Array(0) : this.va, H * Ka);
      gatherColumns(p.basisU, this.ua, active, G, K, Ka);
      gatherColumns(p.basisV, this.va, active, H, K, Ka);
    } else {
      this.ua = p.basisU;
      this.va = p.basisV;
    }
    this.lam = ensureCapacity(this.lam, rows * Ka);
    this.ys = ensureCapacity(this.ys, rows * Ka);
    const lam = this.lam;
    for (let r = 0; r < rows; r++) {
      const src = (index === null ? r : index[r]) * K;
      const dst = r * Ka;
      for (let a = 0; a < Ka; a++) lam[dst + a] = table[src + active[a]];
    }
  }
}

function ensureBytes(buf: Uint8Array, n: number): Uint8Array {
  return buf.length >= n ? buf : new Uint8Array(n);
}

/** dst (rows, Ka) = the columns `active` of src (rows, K). */
function gatherColumns(src: Float32Array, dst: Float32Array, active: Int32Array, rows: number, K: number, Ka: number) {
  for (let r = 0; r < rows; r++) {
    const s = r * K;
    const d = r * Ka;
    for (let a = 0; a < Ka; a++) dst[d + a] = src[s + active[a]];
  }
}

/** dst (rows, K) columns `active` += src (rows, Ka). */
function scatterColumns(src: Float32Array, dst: Float32Array, active: Int32Array, rows: number, Ka: number, K: number) {
  for (let r = 0; r < rows; r++) {
    const s = r * Ka;
    const d = r * K;
    for (let a = 0; a < Ka; a++) dst[d + active[a]] += src[s + a];
  }
}
