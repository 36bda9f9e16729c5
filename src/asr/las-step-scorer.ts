// A trained LAS's speller for one utterance, run one step at a time over K hypotheses whose states can be reordered
// between steps: what beam search needs, and Las itself (which runs a whole batch in lockstep for training) does
// not offer. The same equations as src/models/las.ts, over its parameters: LSTM layers over [embedding; previous
// context], MLP attention (location-aware when configured) over the utterance's listener frames, output MLP.

import { sigmoid32, tanh32 } from '../core/activations.js';
import type { Gemm } from '../core/gemm.js';
import { linearForward } from '../core/linear.js';
import type { Las } from '../models/las.js';
import { graphemeCount } from '../models/las-config.js';
import type { BeamScorer } from './beam-search.js';

export class LasStepScorer implements BeamScorer {
  readonly vocab: number;
  private K = 1;
  private readonly p: (name: string) => Float32Array;
  private readonly keys: Float32Array; // (n, A) W h_u + b
  private h: Float32Array[]; // per layer (K, Hs)
  private c: Float32Array[];
  private context: Float32Array; // (K, D) c_{i−1}
  private alpha: Float32Array; // (K, n) α_{i−1}

  /** `enc` (n, D): the utterance's top listener frames, frame after frame (its rows of Las.encode's last layer). */
  constructor(
    private readonly gemm: Gemm,
    private readonly las: Las,
    private readonly enc: Float32Array,
    private readonly n: number,
  ) {
    const c = las.config;
    this.vocab = graphemeCount(c);
    this.p = (name) => las.params.get(name)!.data;
    const D = 2 * c.listenerUnits;
    this.keys = new Float32Array(n * c.attention);
    linearForward(gemm, enc, this.p('attention.W.weight'), this.p('attention.W.bias'), this.keys, n, D, c.attention);
    this.h = [];
    this.c = [];
    this.context = new Float32Array(0);
    this.alpha = new Float32Array(0);
    this.reset();
  }

  reset(): void {
    const c = this.las.config;
    this.K = 1;
    this.h = Array.from({ length: c.spellerLayers }, () => new Float32Array(c.spellerUnits));
    this.c = Array.from({ length: c.spellerLayers }, () => new Float32Array(c.spellerUnits));
    this.context = new Float32Array(2 * c.listenerUnits);
    this.alpha = new Float32Array(this.n).fill(1 / this.n);
  }

  select(parents: Int32Array): void {
    const gather = (a: Float32Array, width: number) => {
      const out = new Float32Array(parents.length * width);
      for (let r = 0; r < parents.length; r++)
        out.set(a.subarray(parents[r]! * width, (parents[r]! + 1) * width), r * width);
      return out;
    };
    const c = this.las.config;
    this.h = this.h.map((a) => gather(a, c.spellerUnits));
    this.c = this.c.map((a) => gather(a, c.spellerUnits));
    this.context = gather(this.context, 2 * c.listenerUnits);
    this.alpha = gather(this.alpha, this.n);
    this.K = parents.length;
  }

  step(ids: Int32Array): Float32Array {
    const { gemm, K, n, p } = this;
    const c = this.las.config;
    if (ids.length !== K) throw new RangeError(`LasStepScorer.step: ${ids.length} ids for ${K} hypotheses`);
    const E = c.embed;
    const D = 2 * c.listenerUnits;
    const Hs = c.spellerUnits;
    const A = c.attention;
    const M = c.outputHidden;
    const V = this.vocab;
    // Speller LSTM layers; layer 0 reads [embedding; c_{i−1}].
    const embed = p('speller.embed.weight');
    let x: Float32Array = new Float32Array(K * (E + D));
    for (let k = 0; k < K; k++) {
      x.set(embed.subarray(ids[k]! * E, (ids[k]! + 1) * E), k * (E + D));
      x.set(this.context.subarray(k * D, (k + 1) * D), k * (E + D) + E);
    }
    let inputSize = E + D;
    for (let j = 0; j < c.spellerLayers; j++) {
      const [h, cell] = this.lstmStep(j, x, inputSize);
      this.h[j] = h;
      this.c[j] = cell;
      x = h;
      inputSize = Hs;
    }
    const q = x; // (K, Hs)
    // Attention over the utterance's frames.
    const qProj = new Float32Array(K * A);
    gemm.gemm(false, true, K, A, Hs, q, p('attention.V.weight'), qProj, false);
    const loc = c.location ? this.locationTerm() : null; // (K·n, A)
    const w = p('attention.w.weight');
    const alpha = new Float32Array(K * n);
    for (let k = 0; k < K; k++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let u = 0; u < n; u++) {
        let e = 0;
        for (let a = 0; a < A; a++) {
          e += w[a]! * tanh32(this.keys[u * A + a]! + qProj[k * A + a]! + (loc ? loc[(k * n + u) * A + a]! : 0));
        }
        alpha[k * n + u] = e;
        if (e > max) max = e;
      }
      let sum = 0;
      for (let u = 0; u < n; u++) sum += Math.exp(alpha[k * n + u]! - max);
      for (let u = 0; u < n; u++) alpha[k * n + u] = Math.exp(alpha[k * n + u]! - max) / sum;
    }
    const context = new Float32Array(K * D);
    gemm.gemm(false, false, K, D, n, alpha, this.enc, context, false);
    this.alpha = alpha;
    this.context = context;
    // Output MLP over [q; c_i], then log-softmax.
    const qc = new Float32Array(K * (Hs + D));
    for (let k = 0; k < K; k++) {
      qc.set(q.subarray(k * Hs, (k + 1) * Hs), k * (Hs + D));
      qc.set(context.subarray(k * D, (k + 1) * D), k * (Hs + D) + Hs);
    }
    const hidden = new Float32Array(K * M);
    linearForward(gemm, qc, p('speller.hidden.weight'), p('speller.hidden.bias'), hidden, K, Hs + D, M);
    for (let i = 0; i < hidden.length; i++) hidden[i] = tanh32(hidden[i]!);
    const logits = new Float32Array(K * V);
    linearForward(gemm, hidden, p('speller.out.weight'), p('speller.out.bias'), logits, K, M, V);
    for (let k = 0; k < K; k++) {
      const row = logits.subarray(k * V, (k + 1) * V);
      let max = Number.NEGATIVE_INFINITY;
      for (const v of row) if (v > max) max = v;
      let sum = 0;
      for (const v of row) sum += Math.exp(v - max);
      const log = max + Math.log(sum);
      for (let v = 0; v < V; v++) row[v] = row[v]! - log;
    }
    return logits;
  }

  /** One LSTM layer step (PyTorch gates i, f, g, o) from its input x (K, I): the new h and c (K, Hs). */
  private lstmStep(j: number, x: Float32Array, I: number): [Float32Array, Float32Array] {
    const { gemm, K, p } = this;
    const H = this.las.config.spellerUnits;
    const G = 4 * H;
    const gates = new Float32Array(K * G);
    gemm.gemm(false, true, K, G, I, x, p(`speller.rnn.weight_ih_l${j}`), gates, false);
    gemm.gemm(false, true, K, G, H, this.h[j]!, p(`speller.rnn.weight_hh_l${j}`), gates, true);
    const bIh = p(`speller.rnn.bias_ih_l${j}`);
    const bHh = p(`speller.rnn.bias_hh_l${j}`);
    const h = new Float32Array(K * H);
    const cell = new Float32Array(K * H);
    const prev = this.c[j]!;
    for (let k = 0; k < K; k++) {
      const g = k * G;
      for (let u = 0; u < H; u++) {
        const i = sigmoid32(gates[g + u]! + bIh[u]! + bHh[u]!);
        const f = sigmoid32(gates[g + H + u]! + bIh[H + u]! + bHh[H + u]!);
        const z = tanh32(gates[g + 2 * H + u]! + bIh[2 * H + u]! + bHh[2 * H + u]!);
        const o = sigmoid32(gates[g + 3 * H + u]! + bIh[3 * H + u]! + bHh[3 * H + u]!);
        const cv = f * prev[k * H + u]! + i * z;
        cell[k * H + u] = cv;
        h[k * H + u] = o * tanh32(cv);
      }
    }
    return [h, cell];
  }

  /** U·conv(α_{i−1}) for every hypothesis and frame, (K·n, A): Chorowski's location term. */
  private locationTerm(): Float32Array {
    const { K, n, p } = this;
    const { filters: F, kernel: Kw } = this.las.config.location!;
    const A = this.las.config.attention;
    const conv = p('attention.conv.weight');
    const P = (Kw - 1) >> 1;
    const f = new Float32Array(K * n * F);
    for (let k = 0; k < K; k++) {
      for (let u = 0; u < n; u++) {
        for (let g = 0; g < F; g++) {
          let s = 0;
          for (let t = 0; t < Kw; t++) {
            const v = u + t - P;
            if (v >= 0 && v < n) s += conv[g * Kw + t]! * this.alpha[k * n + v]!;
          }
          f[(k * n + u) * F + g] = s;
        }
      }
    }
    const loc = new Float32Array(K * n * A);
    this.gemm.gemm(false, true, K * n, A, F, f, p('attention.U.weight'), loc, false);
    return loc;
  }
}
