// LSTM whose recurrent kernel is factorized (paper §7): W = W0 + Σ_i λ_i · u_i v_iᵀ, one rank-one basis per bigram,
// λ given per stream and step. W·h is computed as W0·h + U·(λ ⊙ (Vᵀ·h)) and W is never formed. Bases whose λ is zero
// at every step of the sequence are dropped before the loop (exactly: they add nothing and get zero gradient), so the
// cost follows the bigrams actually present. Everything else (gates, resets, masks, BPTT, the fused step of a backend)
// is LstmLayer's: this layer only adds the basis terms through its hooks.

import { transpose } from './gate-major.js';
import type { Gemm } from './gemm.js';
import { LstmLayer } from './lstm.js';
import {
  ensureCapacity,
  type InputProjection,
  type LayerState,
  type RecurrentParams,
  type SequenceControl,
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
 * (every other λ taken as zero), that basis alone, λ_i·u_i v_iᵀ without W0 ('basis-alone'), or no recurrent kernel at
 * all ('none': the gates read the input and the biases only, a control of what the cell keeps without one). The last
 * two are for analysis only: backward refuses them. The restricted kernels are what the per-basis memory signatures
 * analyse.
 */
export type KernelRestriction =
  | { kind: 'full' }
  | { kind: 'base' }
  | { kind: 'none' }
  | { kind: 'basis'; index: number }
  | { kind: 'basis-alone'; index: number };

/** Restrictions without W0, whose forward is for analysis only. */
function withoutBase(r: KernelRestriction): boolean {
  return r.kind === 'basis-alone' || r.kind === 'none';
}

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
 * the λ input in the control. Gate-major as LstmLayer: per step, before the gates, Z = V'ᵀ·h_{t−1} (K', B) and
 * pre += U'·(λ' ⊙ Z), where ' keeps the K' active bases. Backward per step: dh_{t−1} += V'·(λ' ⊙ U'ᵀ·dPre); dU and dV
 * come after the loop from one GEMM each over all steps.
 */
export class FactorizedLstmLayer extends LstmLayer {
  private restriction: KernelRestriction = FULL;
  private gradTarget: FactorizedParams | null = null;
  // The active bases of the last forward and their compacted data.
  private mark: Uint8Array = new Uint8Array(0); // (K) 1 where a basis has a non-zero λ somewhere
  private usedRows: Uint8Array = new Uint8Array(0); // (R) λ table rows referenced by the index
  private active: Int32Array = new Int32Array(0); // (K') basis index of each active column
  private Ka = 0; // K'
  private gathered = false; // false when K' = K: ua, va are the parameter arrays themselves
  private ua: Float32Array = new Float32Array(0); // (4H, K') the active columns of U
  private va: Float32Array = new Float32Array(0); // (H, K') the active columns of V
  private vaT: Float32Array = new Float32Array(0); // (K', H) V'ᵀ, so that the step's products keep it on the left
  private uaT: Float32Array = new Float32Array(0); // (K', 4H) U'ᵀ, made for a backward
  private lam: Float32Array = new Float32Array(0); // (T, K', B) λ of every step, active columns only
  private ys: Float32Array = new Float32Array(0); // (T, K', B) λ ⊙ (V'ᵀ·h_{t−1})
  private dZ: Float32Array = new Float32Array(0); // (T, K', B) gradient of V'ᵀ·h_{t−1}
  private dY: Float32Array = new Float32Array(0); // (K', B) gradient of one step's λ ⊙ Z
  private byCols: Float32Array = new Float32Array(0); // (K', T·B) ys or dZ, column t·B + b for step t, stream b
  private dUa: Float32Array = new Float32Array(0); // (4H, K')
  private dVT: Float32Array = new Float32Array(0); // (K', H) the gradient of V'ᵀ
  private zeroKernel: Float32Array = new Float32Array(0); // (4H, H) the kernel of a forward without W0

  constructor(
    inputSize: number,
    hiddenSize: number,
    /** K: the number of rank-one bases (|V|² for the bigram bases). */
    readonly bases: number,
  ) {
    super(inputSize, hiddenSize);
  }

  /** Number of bases the last forward actually used (K' ≤ K). */
  activeBases(): number {
    return this.Ka;
  }

  override forward(
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
    const K = this.bases;
    const G = 4 * H;
    if (p.basisU.length !== G * K || p.basisV.length !== H * K) {
      throw new RangeError(`FactorizedLstmLayer.forward: the bases must be (${G}, ${K}) and (${H}, ${K})`);
    }
    this.restriction = control.restrict ?? FULL;
    this.selectBases(p, control.lambda, this.restriction, T, B);
    return super.forward(gemm, p, x, T, B, state, control, recurrentMask, projectInput);
  }

  /**
   * Backpropagates dOut (T, B, H) through the last forward (same contract as RecurrentLayer.backward). Accumulates
   * into grads, including basisU and basisV (only the columns of the bases the forward used can be non-zero).
   */
  override backward(
    gemm: Gemm,
    p: FactorizedParams,
    grads: FactorizedParams,
    dOut: Float32Array,
    dX: Float32Array | null,
  ): void {
    if (withoutBase(this.restriction)) {
      throw new Error(`FactorizedLstmLayer.backward: a '${this.restriction.kind}' forward is for analysis only`);
    }
    this.gradTarget = grads;
    this.dZ = ensureCapacity(this.dZ, this.T * this.B * this.Ka);
    this.dY = ensureCapacity(this.dY, this.B * this.Ka);
    this.uaT = ensureCapacity(this.uaT, this.Ka * 4 * this.hiddenSize);
    transpose(this.ua, this.uaT, 4 * this.hiddenSize, this.Ka);
    try {
      super.backward(gemm, p, grads, dOut, dX);
    } finally {
      this.gradTarget = null;
    }
  }

  protected override recurrentKernel(p: RecurrentParams): Float32Array {
    if (!withoutBase(this.restriction)) return p.wHh;
    const n = 4 * this.hiddenSize * this.hiddenSize;
    if (this.zeroKernel.length !== n) this.zeroKernel = new Float32Array(n);
    return this.zeroKernel;
  }

  protected override addKernelTerms(gemm: Gemm, t: number, hKernel: Float32Array, gates: Float32Array): void {
    const { Ka, B } = this;
    if (Ka === 0) return;
    const H = this.hiddenSize;
    const KB = Ka * B;
    const y = this.ys.subarray(t * KB, (t + 1) * KB);
    gemm.gemm(false, false, Ka, B, H, this.vaT, hKernel, y, false); // Z = V'ᵀ·h: (K', H)·(H, B)
    const lam = this.lam;
    const l0 = t * KB;
    for (let i = 0; i < KB; i++) y[i]! *= lam[l0 + i]!;
    gemm.gemm(false, false, 4 * H, B, Ka, this.ua, y, gates, true); // (4H, K')·(K', B)
  }

  protected override backpropKernelTerms(gemm: Gemm, t: number, dPre: Float32Array, dhPrev: Float32Array | null) {
    const { Ka, B } = this;
    if (Ka === 0) return;
    const H = this.hiddenSize;
    const KB = Ka * B;
    const { dY, lam } = this;
    // dZ_t = λ ⊙ (U'ᵀ·dPre_t), kept for dV; also needed at t = 0, where h_{−1} (the carried state) met V.
    gemm.gemm(false, false, Ka, B, 4 * H, this.uaT, dPre, dY, false); // (K', 4H)·(4H, B)
    const dZ = this.dZ.subarray(t * KB, (t + 1) * KB);
    const l0 = t * KB;
    for (let i = 0; i < KB; i++) dZ[i] = dY[i]! * lam[l0 + i]!;
    if (dhPrev) gemm.gemm(false, false, H, B, Ka, this.va, dZ, dhPrev, true); // (H, K')·(K', B)
  }

  protected override accumulateKernelGrads(gemm: Gemm, dPre: Float32Array, hPrev: Float32Array): void {
    const { Ka, T, B } = this;
    const grads = this.gradTarget;
    if (Ka === 0 || !grads) return;
    const H = this.hiddenSize;
    const G = 4 * H;
    const TB = T * B;
    this.byCols = ensureCapacity(this.byCols, Ka * TB);
    const byCols = this.byCols;
    // All bases active: straight into the gradients; otherwise compacted, then added to their columns.
    if (this.gathered) this.dUa = ensureCapacity(this.dUa, G * Ka);
    const direct = !this.gathered;
    const dU = direct ? grads.basisU : this.dUa;
    layByColumns(this.ys, byCols, T, Ka, B);
    gemm.gemm(false, true, G, Ka, TB, dPre, byCols, dU, direct); // (4H, T·B)·(T·B, K')
    if (!direct) scatterColumns(dU, grads.basisU, this.active, G, Ka, this.bases);
    // dV'ᵀ = dZ·hPrev: both operands as they lie; its transpose is then added to V's columns.
    this.dVT = ensureCapacity(this.dVT, Ka * H);
    const { dVT, active } = this;
    layByColumns(this.dZ, byCols, T, Ka, B);
    gemm.gemm(false, false, Ka, H, TB, byCols, hPrev, dVT, false); // (K', T·B)·(T·B, H)
    const K = this.bases;
    const dV = grads.basisV;
    for (let j = 0; j < H; j++) {
      const row = j * K;
      for (let a = 0; a < Ka; a++) dV[row + active[a]!]! += dVT[a * H + j]!;
    }
  }

  /**
   * Finds the bases the restriction allows and λ makes non-zero at some step, and writes their columns of U, V and λ
   * compacted (ua, va, lam). When all K are active, ua and va are the parameter arrays themselves.
   */
  private selectBases(p: FactorizedParams, lambda: BasisWeights, restrict: KernelRestriction, T: number, B: number) {
    const K = this.bases;
    const rows = T * B;
    const { table, index } = lambda;
    const R = Math.floor(table.length / K);
    if (index === null) {
      if (R < rows) throw new RangeError(`FactorizedLstmLayer: λ table has ${R} rows of ${K}, needs ${rows}`);
    } else {
      if (index.length < rows) throw new RangeError(`FactorizedLstmLayer: λ index has ${index.length}, needs ${rows}`);
      for (let r = 0; r < rows; r++) {
        const s = index[r]!;
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
      for (let r = 0; r < rows; r++) used[index[r]!] = 1;
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
        const c = columns[j]!;
        if (!(c >= 0 && c < K)) throw new RangeError(`FactorizedLstmLayer: λ column ${c} is outside 0..${K - 1}`);
      }
      scan((r) => {
        const o = r * K;
        for (let j = 0; j < columns.length; j++) if (table[o + columns[j]!] !== 0) mark[columns[j]!] = 1;
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
    this.vaT = ensureCapacity(this.vaT, Ka * H);
    transpose(this.va, this.vaT, H, Ka);
    this.lam = ensureCapacity(this.lam, rows * Ka);
    this.ys = ensureCapacity(this.ys, rows * Ka);
    // Gate-major like the steps: λ of step t is a (K', B) block whose columns are the streams.
    const lam = this.lam;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const r = t * B + b;
        const src = (index === null ? r : index[r]!) * K;
        const dst = t * Ka * B + b;
        for (let a = 0; a < Ka; a++) lam[dst + a * B] = table[src + active[a]!]!;
      }
    }
  }
}

/** dst (K', T·B) = src (T, K', B): step t's block becomes columns t·B .. t·B + B − 1. */
function layByColumns(src: Float32Array, dst: Float32Array, T: number, Ka: number, B: number): void {
  const TB = T * B;
  for (let t = 0; t < T; t++) {
    for (let a = 0; a < Ka; a++) {
      const s0 = (t * Ka + a) * B;
      const d0 = a * TB + t * B;
      for (let b = 0; b < B; b++) dst[d0 + b] = src[s0 + b]!;
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
