// The Δ decoders of one layer as one network: decoder δ is an MLP (ReLU hidden layers, softmax output) from the
// state to the symbol at t−δ. Their first layers read the same (dropped-out) input, so they are one GEMM
// (batch, D)·(D, Δ·h1), and so is the first layer's weight gradient: that pair is nearly all of the work.
//
// Layouts, all row-major with one row per batch row: the first layer's pre-activations z (batch, Δ·h1) as the GEMM
// writes them; every later activation in per-decoder blocks (batch, h) that the fused ReLU/dropout pass scatters z
// into, so each decoder's later layers are dense GEMMs on its own block. The first-layer weight is stored (D+1, Δ·h1),
// input-major, its last row the bias, against an input with a constant-1 last column: the GEMMs then add the bias
// and compute its gradient, which in JavaScript passes cost more than the products gain; and on MLAS both products
// run near the machine's GEMM peak, where the (Δ·h1, D) layout lost 25% on the weight gradient (measured at batch
// 256, D 320, Δ·h1 9690).
//
// With no hidden layer (hidden = []) each decoder is linear (softmax regression): the first layer is then the output
// layer, Δ·V columns wide, and its pre-activations are the logits, copied into per-decoder blocks without a ReLU.

import type { Gemm } from '../core/gemm.js';
import { linearForward } from '../core/linear.js';
import { softmaxCrossEntropy } from '../core/loss.js';
import type { Param } from '../core/optim.js';
import type { Rng } from '../core/random.js';
import { columnSums, dropoutScale, reluDropout, reluDropoutBackward } from './decoder-kernels.js';

interface Dense {
  w: Param;
  b: Param;
}

function dense(name: string, wSize: number, bSize: number): Dense {
  return {
    w: { name: `${name}.weight`, data: new Float32Array(wSize), grad: new Float32Array(wSize) },
    b: { name: `${name}.bias`, data: new Float32Array(bSize), grad: new Float32Array(bSize) },
  };
}

/** Trainable parameters of one decoder with these hidden sizes. */
export function decoderParameterCount(D: number, V: number, hidden: readonly number[]): number {
  let count = 0;
  let inF = D;
  for (const h of hidden) {
    count += inF * h + h;
    inF = h;
  }
  return count + inF * V + V;
}

/** Views of decoder δ's slice of a buffer of per-decoder blocks, made once (block size fixed by maxBatch). */
function blocks(buffer: Float32Array, deltas: number, size: number): Float32Array[] {
  return Array.from({ length: deltas }, (_, d) => buffer.subarray(d * size, (d + 1) * size));
}

export class DecoderStack {
  readonly deltas: number;
  /**
   * First hidden layer of all decoders: weight (D, Δ·h1), input-major, and bias (Δ·h1), views of one (D+1, Δ·h1)
   * buffer; columns δ·h1 .. (δ+1)·h1 belong to decoder δ+1.
   */
  readonly first: Dense;
  /** The batch input (maxBatch, D+1): callers fill columns 0..D−1 of rows 0..nb−1; column D stays 1 (the bias). */
  readonly input: Float32Array;
  private readonly firstW: Float32Array;
  private readonly firstGrad: Float32Array;
  /** Hidden layers 2.. per decoder, nn.Linear layout (out, in): deep[l][δ] is hidden layer l+2 of decoder δ+1. */
  readonly deep: Dense[][];
  /** Output layers, (V, h_last), nn.Linear layout, per decoder. */
  readonly out: Dense[];
  /** First-layer pre-activations (batch, Δ·h1), and their gradient. */
  private readonly z: Float32Array;
  private readonly dz: Float32Array;
  /** acts[l][δ]: decoder δ's hidden layer l+1 after ReLU and dropout, (batch, h). */
  private readonly acts: Float32Array[][];
  /** Per level, one decoder's gradient into that hidden layer, (batch, h); reused across decoders. */
  private readonly dActs: Float32Array[];
  /** Decoder δ's columns of z and dz (row stride Δ·h1). */
  private readonly zCols: Float32Array[];
  private readonly dzCols: Float32Array[];
  private readonly logitsBlocks: Float32Array[];
  private readonly dLogits: Float32Array;
  private nb = 0;
  /** Decoders with at least one target in the last loss() call. */
  counted = 0;

  constructor(
    readonly D: number,
    readonly V: number,
    deltas: number,
    readonly hidden: readonly number[],
    readonly maxBatch: number,
  ) {
    this.deltas = deltas;
    const h1 = hidden[0] ?? V; // linear: the first layer writes the logits
    const width = deltas * h1;
    this.firstW = new Float32Array((D + 1) * width);
    this.firstGrad = new Float32Array((D + 1) * width);
    const split = D * width;
    this.first = {
      w: { name: 'first.weight', data: this.firstW.subarray(0, split), grad: this.firstGrad.subarray(0, split) },
      b: { name: 'first.bias', data: this.firstW.subarray(split), grad: this.firstGrad.subarray(split) },
    };
    this.input = new Float32Array(maxBatch * (D + 1));
    for (let r = 0; r < maxBatch; r++) this.input[r * (D + 1) + D] = 1;
    this.deep = hidden
      .slice(1)
      .map((h, l) =>
        Array.from({ length: deltas }, (_, d) => dense(`decoder${d + 1}.hidden${l + 2}`, h * hidden[l], h)),
      );
    const last = hidden[hidden.length - 1];
    this.out =
      hidden.length === 0 ? [] : Array.from({ length: deltas }, (_, d) => dense(`decoder${d + 1}.out`, V * last, V));
    this.z = new Float32Array(maxBatch * width);
    this.dz = new Float32Array(maxBatch * width);
    this.acts = hidden.map((h) => blocks(new Float32Array(deltas * maxBatch * h), deltas, maxBatch * h));
    this.dActs = hidden.map((h) => new Float32Array(maxBatch * h));
    this.zCols = Array.from({ length: deltas }, (_, d) => this.z.subarray(d * h1));
    this.dzCols = Array.from({ length: deltas }, (_, d) => this.dz.subarray(d * h1));
    this.logitsBlocks = blocks(new Float32Array(deltas * maxBatch * V), deltas, maxBatch * V);
    this.dLogits = new Float32Array(maxBatch * V);
  }

  /** Every trainable tensor, in a fixed order (for Adam). */
  params(): Param[] {
    const list: Param[] = [this.first.w, this.first.b];
    for (const layer of this.deep) for (const d of layer) list.push(d.w, d.b);
    for (const d of this.out) list.push(d.w, d.b);
    return list;
  }

  /** PyTorch's nn.Linear default: weights and biases uniform in ±1/√fan_in. */
  initialize(rng: Rng): void {
    const fill = (p: Param, fanIn: number): void => {
      const bound = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < p.data.length; i++) p.data[i] = rng.uniform(-bound, bound);
    };
    fill(this.first.w, this.D);
    fill(this.first.b, this.D);
    this.deep.forEach((layer, l) => {
      for (const d of layer) {
        fill(d.w, this.hidden[l]);
        fill(d.b, this.hidden[l]);
      }
    });
    const last = this.hidden[this.hidden.length - 1]!;
    for (const d of this.out) {
      fill(d.w, last);
      fill(d.b, last);
    }
  }

  /** One decoder's parameter count. */
  get parametersPerDecoder(): number {
    return decoderParameterCount(this.D, this.V, this.hidden);
  }

  /** Copies x (nb, D) into the input rows (for callers that do not gather into `input` directly). */
  setInput(x: Float32Array, nb: number): void {
    const D = this.D;
    for (let r = 0; r < nb; r++) this.input.set(x.subarray(r * D, (r + 1) * D), r * (D + 1));
  }

  /**
   * Forward of all decoders on rows 0..nb−1 of `input`, already standardized and dropped out by the caller (the
   * input mask is shared). Hidden layers get inverted dropout with keep probability `keep`, drawn from rng (none
   * when rng is null or keep ≥ 1). Afterwards logits(δ) holds decoder δ's (nb, V) logits.
   */
  forward(gemm: Gemm, nb: number, keep: number, rng: Rng | null): void {
    if (!(nb >= 1 && nb <= this.maxBatch))
      throw new RangeError(`DecoderStack: batch ${nb} not in [1, ${this.maxBatch}]`);
    this.nb = nb;
    const { D, V, deltas, hidden } = this;
    const h1 = hidden[0] ?? V;
    const width = deltas * h1;
    // z (nb, Δ·h1) = [x 1] (nb, D+1) · [W1; b1] (D+1, Δ·h1): the first layer of every decoder at once.
    gemm.gemm(false, false, nb, width, D + 1, this.input, this.firstW, this.z, false);
    if (hidden.length === 0) {
      for (let d = 0; d < deltas; d++) copyColumns(this.zCols[d], width, this.logitsBlocks[d], V, nb, V);
      return;
    }
    for (let d = 0; d < deltas; d++) {
      reluDropout(this.zCols[d], width, this.acts[0][d], h1, nb, h1, keep, rng);
      for (let l = 1; l < hidden.length; l++) {
        const layer = this.deep[l - 1][d];
        const cur = this.acts[l][d];
        linearForward(gemm, this.acts[l - 1][d], layer.w.data, layer.b.data, cur, nb, hidden[l - 1], hidden[l]);
        reluDropout(cur, hidden[l], cur, hidden[l], nb, hidden[l], keep, rng);
      }
      const L = hidden.length;
      linearForward(
        gemm,
        this.acts[L - 1][d],
        this.out[d].w.data,
        this.out[d].b.data,
        this.logitsBlocks[d],
        nb,
        hidden[L - 1],
        V,
      );
    }
  }

  /** Decoder δ's (1-based) logits from the last forward: rows 0..nb−1 of a (maxBatch, V) block. */
  logits(delta: number): Float32Array {
    return this.logitsBlocks[delta - 1];
  }

  /**
   * Σ_δ loss_δ, loss_δ being decoder δ's mean cross-entropy over the rows whose target for it is not −1 (0, with
   * zero gradient, when it has none). With `grad`, also writes (overwrites) every parameter's gradient of that sum:
   * decoders share no parameter, so each gets exactly its own loss's gradient. `keep` must be the forward's.
   * Afterwards `counted` is the number of decoders that had a target.
   */
  loss(gemm: Gemm, targets: readonly Int32Array[], keep: number, grad: boolean): number {
    const { D, V, deltas, hidden, nb } = this;
    const L = hidden.length;
    const last = hidden[L - 1];
    const scale = dropoutScale(keep);
    const dLogits = this.dLogits;
    let total = 0;
    this.counted = 0;
    for (let d = 0; d < deltas; d++) {
      const { loss, count } = softmaxCrossEntropy(this.logitsBlocks[d], targets[d], nb, V, grad ? dLogits : null);
      if (count > 0) this.counted++;
      total += loss;
      if (!grad) continue;
      if (L === 0) {
        copyColumns(dLogits, V, this.dzCols[d], deltas * V, nb, V);
        continue;
      }
      const out = this.out[d];
      // dW_out (V, h) = dLogitsᵀ · a_last; db_out = column sums of dLogits; gradient into a_last = dLogits · W_out.
      gemm.gemm(true, false, V, last, nb, dLogits, this.acts[L - 1][d], out.w.grad, false);
      columnSums(dLogits, nb, V, out.b.grad);
      gemm.gemm(false, false, nb, last, V, dLogits, out.w.data, this.dActs[L - 1], false);
      for (let l = L - 1; l >= 1; l--) {
        const h = hidden[l];
        const hPrev = hidden[l - 1];
        const layer = this.deep[l - 1][d];
        const dCur = this.dActs[l];
        reluDropoutBackward(dCur, h, this.acts[l][d], h, dCur, h, nb, h, scale);
        columnSums(dCur, nb, h, layer.b.grad);
        // dW (h, hPrev) = dCurᵀ · a_prev; gradient into a_prev = dCur · W.
        gemm.gemm(true, false, h, hPrev, nb, dCur, this.acts[l - 1][d], layer.w.grad, false);
        gemm.gemm(false, false, nb, hPrev, h, dCur, layer.w.data, this.dActs[l - 1], false);
      }
      // Scatter this decoder's first-layer gradient into its columns of dz (nb, Δ·h1).
      const h1 = hidden[0];
      reluDropoutBackward(this.dActs[0], h1, this.acts[0][d], h1, this.dzCols[d], deltas * h1, nb, h1, scale);
    }
    if (grad) {
      // [dW1; db1] (D+1, Δ·h1) = [x 1]ᵀ · dz: the first layer's gradients, every decoder at once.
      gemm.gemm(true, false, D + 1, deltas * (hidden[0] ?? V), nb, this.input, this.dz, this.firstGrad, false);
    }
    return total;
  }
}

/** Copies `cols` columns of `rows` rows between two row-major buffers of different row strides. */
function copyColumns(
  src: Float32Array,
  srcStride: number,
  dst: Float32Array,
  dstStride: number,
  rows: number,
  cols: number,
): void {
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * srcStride, r * srcStride + cols), r * dstStride);
}
