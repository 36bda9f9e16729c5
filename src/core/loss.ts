// Softmax cross-entropy over rows of logits, with PyTorch's ignore_index=-1 / reduction='mean' semantics.

/** Result of softmaxCrossEntropy: mean loss in nats over the counted rows, and how many rows were counted. */
export interface CrossEntropyResult {
  loss: number;
  count: number;
}

/**
 * Mean softmax cross-entropy of logits (N,V) against targets (N), as F.cross_entropy(ignore_index=-1).
 * A target of -1 ignores its row; any other target outside [0, V) throws RangeError (before anything is written).
 * Numerically stable: each row is shifted by its max; exp sums and the loss accumulate in float64.
 *
 * When dLogits (N,V) is given it is overwritten with d(loss)/d(logits): (softmax − onehot)/count on counted rows,
 * 0 on ignored rows.
 *
 * With no counted row (count = 0) this returns loss 0 and an all-zero dLogits, where PyTorch gives NaN: callers that
 * aggregate Σ loss·count over batches stay finite.
 */
export function softmaxCrossEntropy(
  logits: Float32Array,
  targets: Int32Array,
  N: number,
  V: number,
  dLogits: Float32Array | null,
): CrossEntropyResult {
  if (!(Number.isInteger(N) && N >= 0 && Number.isInteger(V) && V > 0)) {
    throw new RangeError(`softmaxCrossEntropy: invalid shape N=${N} V=${V}`);
  }
  if (logits.length < N * V) throw new RangeError(`softmaxCrossEntropy: logits has ${logits.length}, needs ${N * V}`);
  if (targets.length < N) throw new RangeError(`softmaxCrossEntropy: targets has ${targets.length}, needs ${N}`);
  if (dLogits !== null && dLogits.length < N * V) {
    throw new RangeError(`softmaxCrossEntropy: dLogits has ${dLogits.length}, needs ${N * V}`);
  }
  let count = 0;
  for (let r = 0; r < N; r++) {
    const t = targets[r];
    if (t === -1) continue;
    if (t < 0 || t >= V) throw new RangeError(`softmaxCrossEntropy: target ${t} at row ${r} is out of range [0, ${V})`);
    count++;
  }
  const invCount = count > 0 ? 1 / count : 0;
  let total = 0; // float64 sum of per-row losses
  for (let r = 0; r < N; r++) {
    const t = targets[r];
    const row = r * V; // row of logits / dLogits (N,V)
    if (t === -1) {
      if (dLogits !== null) dLogits.fill(0, row, row + V);
      continue;
    }
    let max = logits[row];
    for (let j = 1; j < V; j++) {
      const v = logits[row + j];
      if (v > max) max = v;
    }
    let sum = 0;
    if (dLogits !== null) {
      // Stash the unnormalised exponentials in dLogits, then scale them in a second pass.
      for (let j = 0; j < V; j++) {
        const e = Math.exp(logits[row + j] - max);
        // Probabilities below 1e-30 are stored as 0: scaled, they would be denormal floats, slow to write and to
        // read in every pass after (a confident decoder has many), and they add nothing a float32 gradient can hold.
        dLogits[row + j] = e < 1e-30 ? 0 : e;
        sum += e;
      }
      const scale = invCount / sum;
      for (let j = 0; j < V; j++) dLogits[row + j] *= scale;
      dLogits[row + t] = (Math.exp(logits[row + t] - max) / sum - 1) * invCount;
    } else {
      for (let j = 0; j < V; j++) sum += Math.exp(logits[row + j] - max);
    }
    // −log softmax(t) = log Σ exp(l − max) − (l_t − max)
    total += Math.log(sum) - (logits[row + t] - max);
  }
  return { loss: count > 0 ? total / count : 0, count };
}

/**
 * Log-softmax of the row src[offset .. offset+V) into out[outOffset .. outOffset+V), stable (max-shifted, float64
 * sum). Returns the row's log-sum-exp. out may be src itself.
 */
export function logSoftmaxRow(
  src: Float32Array | Float64Array,
  offset: number,
  V: number,
  out: Float32Array | Float64Array,
  outOffset = 0,
): number {
  let max = src[offset];
  for (let j = 1; j < V; j++) {
    const v = src[offset + j];
    if (v > max) max = v;
  }
  let sum = 0;
  for (let j = 0; j < V; j++) sum += Math.exp(src[offset + j] - max);
  const lse = max + Math.log(sum);
  for (let j = 0; j < V; j++) out[outOffset + j] = src[offset + j] - lse;
  return lse;
}

/** Index of the largest value in src[offset .. offset+V) (the first one on ties; NaN entries never win). */
export function argmaxRow(src: Float32Array | Float64Array, offset: number, V: number): number {
  let best = 0;
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < V; j++) {
    const v = src[offset + j];
    if (v > max) {
      max = v;
      best = j;
    }
  }
  return best;
}

/** Number of counted rows (target ≠ -1) of logits (N,V) whose argmax equals the target: accuracy numerator. */
export function countCorrect(logits: Float32Array, targets: Int32Array, N: number, V: number): number {
  let correct = 0;
  for (let r = 0; r < N; r++) {
    const t = targets[r];
    if (t !== -1 && argmaxRow(logits, r * V, V) === t) correct++;
  }
  return correct;
}
