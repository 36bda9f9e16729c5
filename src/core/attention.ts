// MLP ("additive") content attention of Listen-Attend-Spell, optionally location-aware (Chorowski et al. 2015):
//   e_{i,u} = wᵀ tanh(W h_u + b + V q_i [+ U f_{i,u}]),   f_i = conv(α_{i−1}) (F filters, kernel K, same padding)
//   α_i = softmax over the utterance's own frames (frames beyond its length are masked out), c_i = Σ_u α_{i,u} h_u.
// Driven one decoder step at a time, forward and backward, because the decoder feeds c_i into its next step.
// Parameter layout follows PyTorch: W = nn.Linear(D, A) (weight (A, D), bias b), V = nn.Linear(Q, A, bias=False),
// w = nn.Linear(A, 1, bias=False) (a bias there would cancel in the softmax), conv = nn.Conv1d(1, F, K,
// padding=(K−1)/2, bias=False) (weight (F, 1, K)), U = nn.Linear(F, A, bias=False).
// Frames come time-major, as the listener produces them (frame u of utterance b is row u·B + b), and so are the
// per-frame buffers here; the contexts use a batch-major copy of the frames.

import { tanh32 } from './activations.js';
import type { Gemm } from './gemm.js';
import { linearForward } from './linear.js';
import { addColumnSums, ensureCapacity } from './recurrent.js';

export interface AttentionParams {
  /** (A, D) and (A): the projection of the listener frames, W h_u + b. */
  W: Float32Array;
  b: Float32Array;
  /** (A, Q): the projection of the query. */
  V: Float32Array;
  /** (A): the score vector. */
  w: Float32Array;
  /** Location-aware only, else null: the filters (F, 1, K) over α_{i−1} and their projection U (A, F). */
  conv: Float32Array | null;
  U: Float32Array | null;
}

/** Chorowski's location features: F filters of odd width K over the previous step's attention weights. */
export interface LocationConfig {
  filters: number;
  kernel: number;
}

export class MlpAttention {
  private B = 0;
  private U = 0;
  private steps = 0;
  private cursor = -1;
  private enc: Float32Array = new Float32Array(0); // (U, B, D) the frames attended over (a reference)
  private encByUtterance: Float32Array = new Float32Array(0); // (B, U, D) the same, each utterance's frames together
  private lengths: Int32Array = new Int32Array(0);
  private keys: Float32Array = new Float32Array(0); // (U·B, A) W h_u + b
  private initial: Float32Array = new Float32Array(0); // (B, U) α_{−1}: uniform over each utterance's frames
  private qs: Float32Array = new Float32Array(0); // (L, B, Q) the queries
  private qProj: Float32Array = new Float32Array(0); // (B, A) V q_i
  private feats: Float32Array = new Float32Array(0); // (L, U·B, F) location features f_i
  private loc: Float32Array = new Float32Array(0); // (U·B, A) U f_i
  private th: Float32Array = new Float32Array(0); // (L, U·B, A) tanh(pre), zero at masked frames
  private alphas: Float32Array = new Float32Array(0); // (L, B, U) attention weights, zero at masked frames
  private contexts: Float32Array = new Float32Array(0); // (L, B, D) c_i
  // Backward.
  private dEnc: Float32Array = new Float32Array(0); // (U, B, D) the caller's, accumulated into
  private dEncByUtterance: Float32Array = new Float32Array(0); // (B, U, D) the contexts' share of it
  private dKeys: Float32Array = new Float32Array(0); // (U·B, A) Σ_i dPre_i
  private dPre: Float32Array = new Float32Array(0); // (L, U·B, A) gradient of the tanh's argument
  private dE: Float32Array = new Float32Array(0); // (L, U·B) gradient of the energies
  private dQProj: Float32Array = new Float32Array(0); // (L, B, A) Σ_u dPre_i: gradient of V q_i
  private dFeats: Float32Array = new Float32Array(0); // (U·B, F) gradient of f_i
  private dAlpha: Float32Array = new Float32Array(0); // (B, U) gradient of α_i
  private carry: Float32Array = new Float32Array(0); // (B, U) gradient of α_i through step i + 1's location term
  private dWeights: Float32Array | null = null; // (L, B, U) a loss's own gradient on the weights (the caller's), or null

  constructor(
    readonly frameSize: number,
    readonly querySize: number,
    readonly attentionSize: number,
    readonly location: LocationConfig | null,
  ) {
    if (location && !(location.kernel % 2 === 1 && location.kernel >= 1 && location.filters >= 1)) {
      throw new RangeError(`MlpAttention: the location kernel must be odd (${location.kernel})`);
    }
  }

  /**
   * Starts attending over enc (U, B, D), utterance b's frames being its first lengths[b] (1 ≤ length ≤ U), for at
   * most maxSteps steps. enc must stay unchanged until the backward pass is done.
   */
  begin(
    gemm: Gemm,
    p: AttentionParams,
    enc: Float32Array,
    U: number,
    B: number,
    lengths: Int32Array,
    maxSteps: number,
  ) {
    const { frameSize: D, querySize: Q, attentionSize: A } = this;
    const F = this.location?.filters ?? 0;
    for (let b = 0; b < B; b++) {
      const n = lengths[b]!;
      if (!(Number.isInteger(n) && n >= 1 && n <= U)) {
        throw new RangeError(`MlpAttention: utterance ${b} has ${n} frames, outside [1, ${U}]`);
      }
    }
    this.B = B;
    this.U = U;
    this.steps = 0;
    this.cursor = -1;
    this.enc = enc;
    this.lengths = Int32Array.from(lengths.subarray(0, B));
    const UB = U * B;
    this.keys = ensureCapacity(this.keys, UB * A);
    this.initial = ensureCapacity(this.initial, B * U);
    this.qs = ensureCapacity(this.qs, maxSteps * B * Q);
    this.qProj = ensureCapacity(this.qProj, B * A);
    this.th = ensureCapacity(this.th, maxSteps * UB * A);
    this.alphas = ensureCapacity(this.alphas, maxSteps * B * U);
    this.contexts = ensureCapacity(this.contexts, maxSteps * B * D);
    if (F > 0) {
      this.feats = ensureCapacity(this.feats, maxSteps * UB * F);
      this.loc = ensureCapacity(this.loc, UB * A);
    }
    linearForward(gemm, enc, p.W, p.b, this.keys, UB, D, A);
    // Per utterance its frames as one dense (U, D) block: each context is then one product α_i·h, and so is its
    // backward, instead of a JavaScript loop over B·U·D.
    this.encByUtterance = ensureCapacity(this.encByUtterance, UB * D);
    for (let u = 0; u < U; u++) {
      for (let b = 0; b < B; b++) {
        const from = (u * B + b) * D;
        this.encByUtterance.set(enc.subarray(from, from + D), (b * U + u) * D);
      }
    }
    for (let b = 0; b < B; b++) {
      const n = this.lengths[b]!;
      for (let u = 0; u < U; u++) this.initial[b * U + u] = u < n ? 1 / n : 0;
    }
  }

  /** Step i (the next one) for the queries q (B, Q): returns its weights α_i (B, U) and context c_i (B, D), views. */
  step(gemm: Gemm, p: AttentionParams, q: Float32Array): { weights: Float32Array; context: Float32Array } {
    const { B, U, frameSize: D, querySize: Q, attentionSize: A, lengths } = this;
    const i = this.steps;
    const UB = U * B;
    if ((i + 1) * B * U > this.alphas.length)
      throw new RangeError('MlpAttention.step: more steps than begin() reserved');
    const qi = this.qs.subarray(i * B * Q, (i + 1) * B * Q);
    qi.set(q.subarray(0, B * Q));
    const qProj = this.qProj;
    gemm.gemm(false, true, B, A, Q, qi, p.V, qProj, false); // (B, A) = q·Vᵀ
    const withLocation = this.location !== null;
    if (withLocation) {
      const F = this.location!.filters;
      const f = this.feats.subarray(i * UB * F, (i + 1) * UB * F);
      this.locationFeatures(p.conv!, i === 0 ? this.initial : this.alphas.subarray((i - 1) * B * U), f);
      gemm.gemm(false, true, UB, A, F, f, p.U!, this.loc, false); // (U·B, A) = f·Uᵀ
    }
    const th = this.th.subarray(i * UB * A, (i + 1) * UB * A);
    const alpha = this.alphas.subarray(i * B * U, (i + 1) * B * U);
    const { keys, loc } = this;
    const w = p.w;
    for (let b = 0; b < B; b++) {
      const n = lengths[b]!;
      let max = Number.NEGATIVE_INFINITY;
      for (let u = 0; u < U; u++) {
        const r = (u * B + b) * A;
        if (u >= n) {
          th.fill(0, r, r + A);
          continue;
        }
        let e = 0;
        for (let a = 0; a < A; a++) {
          const v = tanh32(keys[r + a]! + qProj[b * A + a]! + (withLocation ? loc[r + a]! : 0));
          th[r + a] = v;
          e += w[a]! * v;
        }
        alpha[b * U + u] = e; // the energy, until the softmax below
        if (e > max) max = e;
      }
      let sum = 0;
      for (let u = 0; u < n; u++) sum += Math.exp(alpha[b * U + u]! - max);
      for (let u = 0; u < U; u++) alpha[b * U + u] = u < n ? Math.exp(alpha[b * U + u]! - max) / sum : 0;
    }
    const context = this.contexts.subarray(i * B * D, (i + 1) * B * D);
    const frames = this.encByUtterance;
    for (let b = 0; b < B; b++) {
      const n = lengths[b]!;
      const h = frames.subarray(b * U * D, (b * U + n) * D);
      gemm.gemm(false, false, 1, D, n, alpha.subarray(b * U, b * U + n), h, context.subarray(b * D), false); // α·h
    }
    this.steps = i + 1;
    return { weights: alpha, context };
  }

  /** f (U·B, F) [u, b, f] = Σ_k conv[f, k]·prev[b, u + k − (K−1)/2] (zero outside the frames): PyTorch's conv1d. */
  private locationFeatures(conv: Float32Array, prev: Float32Array, f: Float32Array): void {
    const { B, U } = this;
    const { filters: F, kernel: K } = this.location!;
    const P = (K - 1) >> 1;
    for (let u = 0; u < U; u++) {
      for (let b = 0; b < B; b++) {
        const r = (u * B + b) * F;
        for (let g = 0; g < F; g++) {
          let s = 0;
          for (let k = 0; k < K; k++) {
            const v = u + k - P;
            if (v >= 0 && v < U) s += conv[g * K + k]! * prev[b * U + v]!;
          }
          f[r + g] = s;
        }
      }
    }
  }

  /** Attention weights of every step run, (L, B, U), zero beyond each utterance's frames. */
  weights(): Float32Array {
    return this.alphas.subarray(0, this.steps * this.B * this.U);
  }

  /** Contexts of every step run, (L, B, D). */
  contextsOf(): Float32Array {
    return this.contexts.subarray(0, this.steps * this.B * this.frameSize);
  }

  /**
   * Prepares the backward pass; the gradient into the frames will be added into dEnc (U, B, D). dWeights (L, B, U),
   * when given, is a further loss's gradient on the weights α (e.g. a guided-attention loss), added to what flows
   * back through the contexts; it is read during the backward steps.
   */
  beginBackward(dEnc: Float32Array, dWeights: Float32Array | null = null): void {
    const { B, U, steps: L, attentionSize: A } = this;
    const UB = U * B;
    if (dWeights && dWeights.length < L * B * U) {
      throw new RangeError(`MlpAttention.beginBackward: dWeights holds ${dWeights.length}, needs ${L * B * U}`);
    }
    this.dWeights = dWeights;
    this.dEnc = dEnc;
    this.dEncByUtterance = ensureCapacity(this.dEncByUtterance, UB * this.frameSize);
    this.dEncByUtterance.fill(0, 0, UB * this.frameSize);
    this.dKeys = ensureCapacity(this.dKeys, UB * A);
    this.dKeys.fill(0, 0, UB * A);
    this.dPre = ensureCapacity(this.dPre, L * UB * A);
    this.dE = ensureCapacity(this.dE, L * UB);
    this.dQProj = ensureCapacity(this.dQProj, L * B * A);
    this.dAlpha = ensureCapacity(this.dAlpha, B * U);
    this.carry = ensureCapacity(this.carry, B * U);
    this.carry.fill(0, 0, B * U);
    if (this.location) this.dFeats = ensureCapacity(this.dFeats, UB * this.location.filters);
    this.cursor = L - 1;
  }

  /**
   * Backward of the next step down (the last one first) from dContext (B, D), the gradient into c_i. Writes dq (B, Q),
   * the gradient into the query; accumulates the location filters' gradient into grads.conv.
   */
  backwardStep(gemm: Gemm, p: AttentionParams, grads: AttentionParams, dContext: Float32Array, dq: Float32Array) {
    const { B, U, frameSize: D, querySize: Q, attentionSize: A, lengths } = this;
    const i = this.cursor;
    if (i < 0) throw new RangeError('MlpAttention.backwardStep: no step left (beginBackward first)');
    const UB = U * B;
    const alpha = this.alphas.subarray(i * B * U, (i + 1) * B * U);
    const th = this.th.subarray(i * UB * A, (i + 1) * UB * A);
    const dPre = this.dPre.subarray(i * UB * A, (i + 1) * UB * A);
    const dE = this.dE.subarray(i * UB, (i + 1) * UB);
    const dQProj = this.dQProj.subarray(i * B * A, (i + 1) * B * A);
    const { dAlpha, carry, dKeys } = this;
    const w = p.w;
    dQProj.fill(0);
    const frames = this.encByUtterance;
    const dFrames = this.dEncByUtterance;
    const extra = this.dWeights ? this.dWeights.subarray(i * B * U, (i + 1) * B * U) : null;
    for (let b = 0; b < B; b++) {
      const n = lengths[b]!;
      // dα = h·dc (+ the location term's share, + a loss's own), dh += αᵀ·dc: a product each.
      const h = frames.subarray(b * U * D, (b * U + n) * D);
      const dc = dContext.subarray(b * D, (b + 1) * D);
      const ab = alpha.subarray(b * U, b * U + n);
      gemm.gemm(false, true, 1, n, D, dc, h, dAlpha.subarray(b * U, b * U + n), false);
      gemm.gemm(true, false, n, D, 1, ab, dc, dFrames.subarray(b * U * D, (b * U + n) * D), true);
      let dot = 0;
      for (let u = 0; u < n; u++) {
        const s = dAlpha[b * U + u]! + carry[b * U + u]! + (extra ? extra[b * U + u]! : 0);
        dAlpha[b * U + u] = s;
        dot += alpha[b * U + u]! * s;
      }
      for (let u = 0; u < U; u++) {
        const r = (u * B + b) * A;
        if (u >= n) {
          dE[u * B + b] = 0;
          dPre.fill(0, r, r + A);
          continue;
        }
        const de = alpha[b * U + u]! * (dAlpha[b * U + u]! - dot); // through the softmax
        dE[u * B + b] = de;
        for (let a = 0; a < A; a++) {
          const t = th[r + a]!;
          const g = de * w[a]! * (1 - t * t);
          dPre[r + a] = g;
          dKeys[r + a] += g;
          dQProj[b * A + a] += g;
        }
      }
    }
    gemm.gemm(false, false, B, Q, A, dQProj, p.V, dq, false); // (B, Q) = dQProj·V
    if (this.location) this.backpropLocation(gemm, p, grads, i, dPre);
    this.cursor = i - 1;
  }

  /** Step i's location term: dF = dPre·U, then the conv's filter gradient and the carry into α_{i−1}. */
  private backpropLocation(gemm: Gemm, p: AttentionParams, grads: AttentionParams, i: number, dPre: Float32Array) {
    const { B, U, attentionSize: A } = this;
    const { filters: F, kernel: K } = this.location!;
    const P = (K - 1) >> 1;
    const UB = U * B;
    const dF = this.dFeats;
    gemm.gemm(false, false, UB, F, A, dPre, p.U!, dF, false); // (U·B, F)
    const prev = i === 0 ? this.initial : this.alphas.subarray((i - 1) * B * U, i * B * U);
    const carry = this.carry;
    carry.fill(0, 0, B * U); // α_{−1} is a constant: at i = 0 the carry is computed but never used
    const conv = p.conv!;
    const dConv = grads.conv!;
    for (let u = 0; u < U; u++) {
      for (let b = 0; b < B; b++) {
        const r = (u * B + b) * F;
        for (let g = 0; g < F; g++) {
          const d = dF[r + g]!;
          if (d === 0) continue;
          for (let k = 0; k < K; k++) {
            const v = u + k - P;
            if (v < 0 || v >= U) continue;
            dConv[g * K + k] += d * prev[b * U + v]!;
            carry[b * U + v] += d * conv[g * K + k]!;
          }
        }
      }
    }
  }

  /** After the last backwardStep: the weight gradients, one GEMM each over all steps, and W's share of dEnc. */
  finishBackward(gemm: Gemm, p: AttentionParams, grads: AttentionParams): void {
    const { B, U, steps: L, frameSize: D, querySize: Q, attentionSize: A } = this;
    if (this.cursor !== -1) throw new RangeError('MlpAttention.finishBackward: steps left to backpropagate');
    const UB = U * B;
    const N = L * UB;
    gemm.gemm(false, false, 1, A, N, this.dE, this.th, grads.w, true); // dw = Σ dE·tanh
    gemm.gemm(true, false, A, Q, L * B, this.dQProj, this.qs, grads.V, true); // dV = Σ_i dQProj_iᵀ·q_i
    if (this.location) {
      const F = this.location.filters;
      gemm.gemm(true, false, A, F, N, this.dPre, this.feats, grads.U!, true); // dU = Σ_i dPre_iᵀ·f_i
    }
    gemm.gemm(true, false, A, D, UB, this.dKeys, this.enc, grads.W, true); // dW = dKeysᵀ·h
    addColumnSums(gemm, this.dKeys, UB, A, grads.b);
    gemm.gemm(false, false, UB, D, A, this.dKeys, p.W, this.dEnc, true); // dh += dKeys·W
    const { dEnc, dEncByUtterance: dFrames, lengths } = this;
    for (let b = 0; b < B; b++) {
      for (let u = 0; u < lengths[b]!; u++) {
        const to = (u * B + b) * D;
        const from = (b * U + u) * D;
        for (let d = 0; d < D; d++) dEnc[to + d] += dFrames[from + d]!;
      }
    }
  }
}
