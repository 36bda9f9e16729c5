// The decoders' first layer as DecoderStack computed it before per-decoder blocks: one (nb, D+1)·(D+1, Δ·h1) product
// into a wide z, the ReLU/dropout pass scattering z's columns into each decoder's block, the backward gathering every
// decoder's gradient into a wide dz and one (D+1)·(Δ·h1) weight-gradient product. One hidden layer only. The tests
// hold the blocked, fused DecoderStack to it.

import { columnSums, dropoutScale, reluDropout, reluDropoutBackward } from '../../src/analysis/decoder-kernels.js';
import type { DecoderStack } from '../../src/analysis/decoder-net.js';
import type { Gemm } from '../../src/core/gemm.js';
import { linearForward } from '../../src/core/linear.js';
import { softmaxCrossEntropy } from '../../src/core/loss.js';
import type { Rng } from '../../src/core/random.js';

export interface WideResult {
  loss: number;
  /** Per decoder, (nb, V). */
  logits: Float32Array[];
  /** Per decoder, in the stack's params() order: first weight (D, h1), first bias, output weight, output bias. */
  grads: Float32Array[];
}

/** Forward and loss with gradients of `stack`'s weights on its input rows 0..nb−1, the old way. */
export function wideReference(
  stack: DecoderStack,
  gemm: Gemm,
  nb: number,
  targets: readonly Int32Array[],
  keep: number,
  rng: Rng | null,
): WideResult {
  const { D, V, deltas, hidden } = stack;
  if (hidden.length !== 1) throw new Error('wideReference: one hidden layer only');
  const h = hidden[0]!;
  const width = deltas * h;
  // [W1; b1] (D+1, Δ·h1): decoder δ owns columns (δ−1)·h1 .. δ·h1.
  const w1 = new Float32Array((D + 1) * width);
  stack.first.forEach(({ w, b }, d) => {
    for (let i = 0; i < D; i++) w1.set(w.data.subarray(i * h, (i + 1) * h), i * width + d * h);
    w1.set(b.data, D * width + d * h);
  });
  const z = new Float32Array(nb * width);
  gemm.gemm(false, false, nb, width, D + 1, stack.input, w1, z, false);
  const acts = Array.from({ length: deltas }, () => new Float32Array(nb * h));
  const logits = Array.from({ length: deltas }, () => new Float32Array(nb * V));
  for (let d = 0; d < deltas; d++) {
    reluDropout(z.subarray(d * h), width, acts[d]!, h, nb, h, keep, rng);
    const out = stack.out[d]!;
    linearForward(gemm, acts[d]!, out.w.data, out.b.data, logits[d]!, nb, h, V);
  }
  const scale = dropoutScale(keep);
  const dz = new Float32Array(nb * width);
  const dLogits = new Float32Array(nb * V);
  const dA = new Float32Array(nb * h);
  const outGrads: Float32Array[] = [];
  let loss = 0;
  for (let d = 0; d < deltas; d++) {
    loss += softmaxCrossEntropy(logits[d]!, targets[d]!, nb, V, dLogits).loss;
    const out = stack.out[d]!;
    const gw = new Float32Array(V * h);
    const gb = new Float32Array(V);
    gemm.gemm(true, false, V, h, nb, dLogits, acts[d]!, gw, false);
    columnSums(dLogits, nb, V, gb);
    gemm.gemm(false, false, nb, h, V, dLogits, out.w.data, dA, false);
    reluDropoutBackward(dA, h, acts[d]!, h, dz.subarray(d * h), width, nb, h, scale);
    outGrads.push(gw, gb);
  }
  const g1 = new Float32Array((D + 1) * width);
  gemm.gemm(true, false, D + 1, width, nb, stack.input, dz, g1, false);
  const grads: Float32Array[] = [];
  for (let d = 0; d < deltas; d++) {
    const gw = new Float32Array(D * h);
    for (let i = 0; i < D; i++) gw.set(g1.subarray(i * width + d * h, i * width + (d + 1) * h), i * h);
    grads.push(gw, g1.slice(D * width + d * h, D * width + (d + 1) * h));
  }
  return { loss, logits, grads: [...grads, ...outGrads] };
}
