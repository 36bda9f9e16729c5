// Softmax cross-entropy with label smoothing, as F.cross_entropy(logits, targets, ignore_index=-1,
// label_smoothing=ε): the target distribution is (1 − ε)·onehot + ε/V, the loss averaged over the counted rows.

import type { CrossEntropyResult } from './loss.js';

/**
 * Mean over rows with target ≠ −1 of (1 − ε)·(−log p_t) + (ε/V)·Σ_j (−log p_j), p = softmax(logits row), logits (N, V).
 * When dLogits (N, V) is given it is overwritten with scale·d(loss)/d(logits) = scale·(p − target distribution)/count
 * on counted rows, 0 on ignored ones. Stable (max-shifted, float64 sums). No counted row gives loss 0.
 */
export function smoothedCrossEntropy(
  logits: Float32Array,
  targets: Int32Array,
  N: number,
  V: number,
  epsilon: number,
  dLogits: Float32Array | null,
  scale = 1,
): CrossEntropyResult {
  if (!(epsilon >= 0 && epsilon <= 1)) throw new RangeError(`smoothedCrossEntropy: ε = ${epsilon} outside [0, 1]`);
  if (logits.length < N * V || targets.length < N) throw new RangeError('smoothedCrossEntropy: buffers too small');
  let count = 0;
  for (let r = 0; r < N; r++) {
    const t = targets[r]!;
    if (t === -1) continue;
    if (!(t >= 0 && t < V)) throw new RangeError(`smoothedCrossEntropy: target ${t} at row ${r} outside [0, ${V})`);
    count++;
  }
  const g = count > 0 ? scale / count : 0;
  const uniform = epsilon / V;
  let total = 0;
  for (let r = 0; r < N; r++) {
    const t = targets[r]!;
    const row = r * V;
    if (t === -1) {
      if (dLogits) dLogits.fill(0, row, row + V);
      continue;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < V; j++) max = Math.max(max, logits[row + j]!);
    let sum = 0;
    let sumLogits = 0;
    for (let j = 0; j < V; j++) {
      sum += Math.exp(logits[row + j]! - max);
      sumLogits += logits[row + j]!;
    }
    const lse = max + Math.log(sum);
    // −Σ_j log p_j = V·lse − Σ_j logit_j
    total += (1 - epsilon) * (lse - logits[row + t]!) + uniform * (V * lse - sumLogits);
    if (dLogits) {
      for (let j = 0; j < V; j++) dLogits[row + j] = g * (Math.exp(logits[row + j]! - lse) - uniform);
      dLogits[row + t] -= g * (1 - epsilon);
    }
  }
  return { loss: count > 0 ? total / count : 0, count };
}
