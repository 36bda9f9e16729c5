// The Δ decoders of one layer as one network: decoder δ is an MLP (ReLU hidden layers, softmax output) from the
// state to the symbol at t−δ. Their first layers read the same (dropped-out) input, and that layer's product and its
// weight gradient are nearly all of the work.
//
// Layouts, all row-major with one row per batch row. Every weight and activation lives in per-decoder blocks, so each
// decoder's layers are dense products of its own contiguous blocks. Decoder δ's first layer is stored (D+1, h1),
// input-major, its last row the bias, against an input with a constant-1 last column: the products then add the bias
// and compute its gradient, which in JavaScript passes cost more than the products gain. Its forward product writes
// relu(z) straight into the decoder's (batch, h1) activation block (Gemm.gemmRelu: one fused call on onnxruntime),
// and dropout, when drawn, masks that block in place; its weight gradient is one (D+1)×h1 product per decoder, on the
// input transposed once per batch. Measured on MLAS (one thread, batch 1024, D+1 321, Δ = 5 decoders of h1 969,
// glibc settings of docs/engine.md): five fused (1024, 969) products took 20.0 ms where one (1024, 4845) product and
// the JavaScript ReLU scatter into the blocks took 27.4 (the product alone 19.2); five weight-gradient products 20.4
// ms against 20.8 for one wide one, and 17.3–18.2 as NN products on the transposed input.
//
// Where the runtime has WebAssembly SIMD, the input and the activations live in the memory of the SIMD kernels
// (simd-kernels.ts: the dropout mask, the backward gate, the transpose) and the parameters in an AdamMemory
// (simd-adam.ts), so that neither the passes nor Adam copy anything.
//
// With no hidden layer (hidden = []) each decoder is linear (softmax regression): the first layer is then the output
// layer, V columns wide, and its products write the logits.

import { type Gemm, gemmRelu } from '../core/gemm.js';
import { linearForward } from '../core/linear.js';
import { softmaxCrossEntropy } from '../core/loss.js';
import type { Param } from '../core/optim.js';
import type { Rng } from '../core/random.js';
import { AdamMemory, simdAdamAvailable } from '../core/simd-adam.js';
import { crossEntropyFloats, SimdKernels, simdKernelsAvailable } from '../core/simd-kernels.js';
import { columnSums, dropoutScale, reluDropoutBackwardInPlace, reluDropoutInPlace } from './decoder-kernels.js';

interface Dense {
  w: Param;
  b: Param;
}

function dense(name: string, wSize: number, bSize: number, alloc: (n: number) => Float32Array): Dense {
  return {
    w: { name: `${name}.weight`, data: alloc(wSize), grad: alloc(wSize) },
    b: { name: `${name}.bias`, data: alloc(bSize), grad: alloc(bSize) },
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

/**
 * A store in WebAssembly memory where the runtime has the kernels for it, else null (the stack then keeps plain
 * arrays and runs the JavaScript kernels): also null where the runtime cannot map that much memory (RangeError).
 */
function whereAvailable<T>(available: boolean, make: () => T): T | null {
  if (!available) return null;
  try {
    return make();
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
}

/** Views of decoder δ's slice of a buffer of per-decoder blocks, made once (block size fixed by maxBatch). */
function blocks(buffer: Float32Array, deltas: number, size: number): Float32Array[] {
  return Array.from({ length: deltas }, (_, d) => buffer.subarray(d * size, (d + 1) * size));
}

export class DecoderStack {
  readonly deltas: number;
  /**
   * First layer per decoder: first[δ−1] holds weight (D, h1), input-major, and bias (h1), views of one (D+1, h1)
   * block (the bias its last row). h1 = V for linear decoders.
   */
  readonly first: Dense[];
  /** The batch input (maxBatch, D+1): callers fill columns 0..D−1 of rows 0..nb−1; column D stays 1 (the bias). */
  readonly input: Float32Array;
  /** Rows 0..nb−1 of the input transposed, (D+1, nb) dense, for the first layers' weight gradients. */
  private readonly inputT: Float32Array;
  /** Decoder δ's whole first-layer block (D+1, h1), and its gradient. */
  private readonly firstBlocks: Float32Array[];
  private readonly firstGrads: Float32Array[];
  /** Hidden layers 2.. per decoder, nn.Linear layout (out, in): deep[l][δ] is hidden layer l+2 of decoder δ+1. */
  readonly deep: Dense[][];
  /** Output layers, (V, h_last), nn.Linear layout, per decoder. */
  readonly out: Dense[];
  /** acts[l][δ]: decoder δ's hidden layer l+1 after ReLU and dropout, (batch, h). */
  private readonly acts: Float32Array[][];
  /** Per level, one decoder's gradient into that hidden layer, (batch, h); reused across decoders. */
  private readonly dActs: Float32Array[];
  private readonly logitsBlocks: Float32Array[];
  private readonly dLogits: Float32Array;
  /**
   * Where the runtime has WebAssembly SIMD, every parameter and gradient lives here, so that a SimdAdam built on it
   * (DecoderTrainer) updates them in place.
   */
  readonly paramMemory: AdamMemory | null;
  /** The elementwise passes in WebAssembly SIMD where the runtime has it: acts and dActs then live in its memory. */
  private readonly simd: SimdKernels | null;
  private nb = 0;
  /** Decoders with at least one target in the last loss() call. */
  counted = 0;

  constructor(
    readonly D: number,
    readonly V: number,
    deltas: number,
    readonly hidden: readonly number[],
    readonly maxBatch: number,
    /** false: plain arrays and the JavaScript kernels even where WebAssembly SIMD is available (for tests). */
    wasm = true,
  ) {
    this.deltas = deltas;
    const h1 = hidden[0] ?? V; // linear: the first layer writes the logits
    const block = (D + 1) * h1;
    const last = hidden[hidden.length - 1];
    this.paramMemory = whereAvailable(
      wasm && simdAdamAvailable(),
      () => new AdamMemory(2 * deltas * decoderParameterCount(D, V, hidden)),
    );
    const param = (n: number) => this.paramMemory?.alloc(n) ?? new Float32Array(n);
    this.firstBlocks = Array.from({ length: deltas }, () => param(block));
    this.firstGrads = Array.from({ length: deltas }, () => param(block));
    const split = D * h1;
    const firstName = (d: number) => `decoder${d + 1}.${hidden.length === 0 ? 'out' : 'hidden1'}`;
    this.first = this.firstBlocks.map((w, d) => {
      const g = this.firstGrads[d];
      return {
        w: { name: `${firstName(d)}.weight`, data: w.subarray(0, split), grad: g.subarray(0, split) },
        b: { name: `${firstName(d)}.bias`, data: w.subarray(split), grad: g.subarray(split) },
      };
    });
    this.deep = hidden
      .slice(1)
      .map((h, l) =>
        Array.from({ length: deltas }, (_, d) => dense(`decoder${d + 1}.hidden${l + 2}`, h * hidden[l], h, param)),
      );
    this.out =
      hidden.length === 0
        ? []
        : Array.from({ length: deltas }, (_, d) => dense(`decoder${d + 1}.out`, V * last, V, param));
    const padded = (n: number) => Math.ceil(n / 4) * 4; // SimdKernels's allocations
    const hiddenFloats = hidden.reduce((sum, h) => sum + padded(deltas * maxBatch * h) + padded(maxBatch * h), 0);
    const inputFloats = 2 * padded(maxBatch * (D + 1));
    const lossFloats = padded(deltas * maxBatch * V) + padded(maxBatch * V) + crossEntropyFloats(maxBatch, V);
    this.simd = whereAvailable(
      wasm && simdKernelsAvailable(),
      () => new SimdKernels(inputFloats + hiddenFloats + lossFloats),
    );
    const alloc = (n: number) => this.simd?.alloc(n) ?? new Float32Array(n);
    this.input = alloc(maxBatch * (D + 1));
    for (let r = 0; r < maxBatch; r++) this.input[r * (D + 1) + D] = 1;
    this.inputT = alloc(maxBatch * (D + 1));
    this.acts = hidden.map((h) => blocks(alloc(deltas * maxBatch * h), deltas, maxBatch * h));
    this.dActs = hidden.map((h) => alloc(maxBatch * h));
    this.logitsBlocks = blocks(alloc(deltas * maxBatch * V), deltas, maxBatch * V);
    this.dLogits = alloc(maxBatch * V);
    this.simd?.crossEntropyScratch(maxBatch, V);
  }

  /** Every trainable tensor, in a fixed order (for Adam). */
  params(): Param[] {
    const list: Param[] = [];
    for (const d of this.first) list.push(d.w, d.b);
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
    // The first layers draw in the order of one (D, Δ·h1) weight and one (Δ·h1) bias, decoder δ owning columns
    // (δ−1)·h1 .. δ·h1: the same initial weights as that layout had (signatures computed before it stay put).
    const { D, deltas } = this;
    const h1 = this.first[0]?.b.data.length ?? 0;
    const bound = 1 / Math.sqrt(D);
    for (let i = 0; i < D; i++) {
      for (let d = 0; d < deltas; d++) {
        const w = this.first[d].w.data;
        for (let c = 0; c < h1; c++) w[i * h1 + c] = rng.uniform(-bound, bound);
      }
    }
    for (let d = 0; d < deltas; d++) {
      const b = this.first[d].b.data;
      for (let c = 0; c < h1; c++) b[c] = rng.uniform(-bound, bound);
    }
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
    if (hidden.length === 0) {
      // Linear decoders: [x 1] (nb, D+1) · [W; b] (D+1, V) are the logits.
      for (let d = 0; d < deltas; d++) {
        gemm.gemm(false, false, nb, V, D + 1, this.input, this.firstBlocks[d], this.logitsBlocks[d], false);
      }
      return;
    }
    const h1 = hidden[0];
    for (let d = 0; d < deltas; d++) {
      // relu([x 1] (nb, D+1) · [W1; b1] (D+1, h1)) straight into the block; then the mask in place (relu is
      // idempotent on it, so the result is the masked relu of the product, exactly).
      const a1 = this.acts[0][d];
      gemmRelu(gemm, nb, h1, D + 1, this.input, this.firstBlocks[d], a1);
      if (keep < 1 && rng !== null) reluDropoutInPlace(this.simd, a1, nb, h1, keep, rng);
      for (let l = 1; l < hidden.length; l++) {
        const layer = this.deep[l - 1][d];
        const cur = this.acts[l][d];
        linearForward(gemm, this.acts[l - 1][d], layer.w.data, layer.b.data, cur, nb, hidden[l - 1], hidden[l]);
        reluDropoutInPlace(this.simd, cur, nb, hidden[l], keep, rng);
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
    // The first layers' weight gradients are [x 1]ᵀ · dz: with the input transposed once per batch (where the SIMD
    // kernels are), each is an NN product, which MLAS runs 12% faster than the TN one on the untransposed input
    // (five 321×969×1024 products: 19.4 ms against 22.1; the transpose takes 0.5 ms).
    const xT = grad && this.simd !== null ? this.inputT : null;
    if (xT !== null) this.simd!.transpose(this.input, nb, D + 1, xT);
    for (let d = 0; d < deltas; d++) {
      // On the SIMD kernels (exponentials two at a time, as Math.exp's) where they are: 1.5 ms for five decoders'
      // 1024×30 against 2.3; dLogits is scratch, so they write it even without grad.
      const { loss, count } =
        this.simd !== null
          ? this.simd.softmaxCrossEntropy(this.logitsBlocks[d], targets[d], nb, V, dLogits)
          : softmaxCrossEntropy(this.logitsBlocks[d], targets[d], nb, V, grad ? dLogits : null);
      if (count > 0) this.counted++;
      total += loss;
      if (!grad) continue;
      if (L === 0) {
        // [dW; db] (D+1, V) = [x 1]ᵀ · dLogits.
        this.firstGrad(gemm, d, xT, dLogits, V);
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
        reluDropoutBackwardInPlace(this.simd, dCur, this.acts[l][d], nb, h, scale);
        columnSums(dCur, nb, h, layer.b.grad);
        // dW (h, hPrev) = dCurᵀ · a_prev; gradient into a_prev = dCur · W.
        gemm.gemm(true, false, h, hPrev, nb, dCur, this.acts[l - 1][d], layer.w.grad, false);
        gemm.gemm(false, false, nb, hPrev, h, dCur, layer.w.data, this.dActs[l - 1], false);
      }
      // [dW1; db1] (D+1, h1) = [x 1]ᵀ · dz, dz the gradient into the first layer's pre-activations.
      const h1 = hidden[0];
      const dz = this.dActs[0];
      reluDropoutBackwardInPlace(this.simd, dz, this.acts[0][d], nb, h1, scale);
      this.firstGrad(gemm, d, xT, dz, h1);
    }
    return total;
  }

  /** Decoder δ's [dW1; db1] (D+1, width) = [x 1]ᵀ · dz: an NN product on the transposed input xT where there is one. */
  private firstGrad(gemm: Gemm, d: number, xT: Float32Array | null, dz: Float32Array, width: number): void {
    const { D, nb } = this;
    if (xT !== null) gemm.gemm(false, false, D + 1, width, nb, xT, dz, this.firstGrads[d], false);
    else gemm.gemm(true, false, D + 1, width, nb, this.input, dz, this.firstGrads[d], false);
  }
}
