// Elementwise kernels of the decoder stage, fused and branch-free: around the big GEMMs these passes touch every
// hidden unit of every row, and in JavaScript they cost as much as the products. Measured on V8 (Node 20) over 2.5M
// entries: a data-dependent branch (ReLU, a dropout draw) mispredicts about half the time on real activations
// (3–4× slower), a generator step costs ~2 ns, and an int→float conversion in the backward gate ~3 ns; so the
// forward pass takes two 16-bit dropout decisions from each 32-bit draw, and the backward pass derives the ReLU gate
// with float arithmetic only.

import type { Rng } from '../core/random.js';
import type { SimdKernels } from '../core/simd-kernels.js';

/** The mulberry32 increment of Rng.nextUint32: the kernels below step the same generator with its state in a local. */
const GOLDEN = 0x6d2b79f5;

/** Dropout decisions have 16-bit resolution: a unit is kept when its 16-bit draw is below this threshold. */
function keepThreshold(keep: number): number {
  return Math.min(65536, Math.max(1, Math.round(keep * 65536)));
}

/**
 * The inverted-dropout scale for keep probability `keep`: 1 / (the keep rate actually drawn, threshold/2¹⁶), so that
 * the expectation of every unit is preserved exactly. 1 when keep ≥ 1.
 */
export function dropoutScale(keep: number): number {
  return keep >= 1 ? 1 : 65536 / keepThreshold(keep);
}

/**
 * Draws n values of Rng.nextUint32's stream into out (the same numbers, in order) and advances rng past them.
 * The fused kernels use exactly this stream; this function exists so a test can pin that.
 */
export function drawUint32(rng: Rng, out: Uint32Array, n: number): void {
  let s = rng.getState() | 0;
  for (let i = 0; i < n; i++) {
    s = (s + GOLDEN) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) >>> 0;
  }
  rng.setState(s >>> 0);
}

/** Number of Rng.nextUint32 draws a masked pass over (rows, cols) consumes: one per pair of a row's entries. */
export function drawsPerPass(rows: number, cols: number): number {
  return rows * ((cols + 1) >> 1);
}

/**
 * A hidden layer's nonlinearity and dropout, rows = batch rows, cols = the layer's units; src and dst are row-major
 * with row strides srcStride and dstStride (dst may be src with the same stride):
 *   dst[r, c] ← relu(src[r, c]) · m[r, c],  m = dropoutScale(keep) with probability ≈ keep, else 0.
 * Biases are already in src (the first layer's rides in its GEMM, later ones come from linearForward): a bias load
 * per entry here cost 25%. keep ≥ 1 or rng null: no dropout and no draws. Otherwise, per row, draw i of
 * Rng.nextUint32 decides entry 2i with its low 16 bits and entry 2i+1 with its high 16 bits (drawsPerPass in all).
 * The output alone says where the gradient passes (it is > 0 exactly there), so no mask is stored.
 */
export function reluDropout(
  src: Float32Array,
  srcStride: number,
  dst: Float32Array,
  dstStride: number,
  rows: number,
  cols: number,
  keep: number,
  rng: Rng | null,
): void {
  if (keep >= 1 || rng === null) {
    for (let r = 0; r < rows; r++) {
      const from = r * srcStride;
      const to = r * dstStride;
      for (let c = 0; c < cols; c++) {
        const v = src[from + c];
        dst[to + c] = (v + Math.abs(v)) * 0.5; // relu without a branch
      }
    }
    return;
  }
  const threshold = keepThreshold(keep);
  const half = 0.5 * dropoutScale(keep);
  let s = rng.getState() | 0;
  for (let r = 0; r < rows; r++) {
    const from = r * srcStride;
    const to = r * dstStride;
    for (let c = 0; c < cols; c += 2) {
      s = (s + GOLDEN) | 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = t ^ (t >>> 14);
      // (draw − threshold) is negative, so its top bit 1, exactly when the unit is kept.
      const v0 = src[from + c];
      dst[to + c] = (v0 + Math.abs(v0)) * ((((u & 0xffff) - threshold) >>> 31) * half);
      if (c + 1 < cols) {
        const v1 = src[from + c + 1];
        dst[to + c + 1] = (v1 + Math.abs(v1)) * ((((u >>> 16) - threshold) >>> 31) * half);
      }
    }
  }
  rng.setState(s >>> 0);
}

/**
 * Backward of reluDropout over (rows, cols), all row-major with their own row strides:
 *   out[r, c] = d[r, c] · scale where the forward output a[r, c] was > 0, else 0   (out may be d, same stride)
 * with scale = dropoutScale(keep) (1 without dropout). The gate is a / (a + 1e-300): exactly 1 for any positive
 * float32 a (1e-300 is far below its last bit) and 0 for a = 0, with no branch and no int→float conversion.
 */
export function reluDropoutBackward(
  d: Float32Array,
  dStride: number,
  a: Float32Array,
  aStride: number,
  out: Float32Array,
  outStride: number,
  rows: number,
  cols: number,
  scale: number,
): void {
  for (let r = 0; r < rows; r++) {
    const dRow = r * dStride;
    const aRow = r * aStride;
    const outRow = r * outStride;
    for (let c = 0; c < cols; c++) {
      const x = a[aRow + c];
      out[outRow + c] = d[dRow + c] * ((x / (x + 1e-300)) * scale);
    }
  }
}

/**
 * reluDropout in place on a contiguous (rows, cols) array: on the SIMD kernels when given (x then lives in their
 * memory), which give the same result and draws 3 times faster (1024×969 at keep 0.9: 0.55 ms against 1.75).
 */
export function reluDropoutInPlace(
  simd: SimdKernels | null,
  x: Float32Array,
  rows: number,
  cols: number,
  keep: number,
  rng: Rng | null,
): void {
  if (simd !== null && keep < 1 && rng !== null) {
    simd.mask(x, rows, cols, keepThreshold(keep), 0.5 * dropoutScale(keep), rng);
  } else {
    reluDropout(x, cols, x, cols, rows, cols, keep, rng);
  }
}

/**
 * reluDropoutBackward in place on contiguous (rows, cols) arrays (d ← gated d): on the SIMD kernels when given
 * (d and a then live in their memory), which give the same result 7 times faster (1024×969: 0.29 ms against 2.2).
 */
export function reluDropoutBackwardInPlace(
  simd: SimdKernels | null,
  d: Float32Array,
  a: Float32Array,
  rows: number,
  cols: number,
  scale: number,
): void {
  if (simd !== null) simd.gate(d, a, rows * cols, scale);
  else reluDropoutBackward(d, cols, a, cols, d, cols, rows, cols, scale);
}

/** out[c] = Σ_r x[r, c] over x (rows, cols) row-major: a bias gradient. Overwrites out[0 .. cols). */
export function columnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  out.fill(0, 0, cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) out[c] += x[row + c];
  }
}

/**
 * Gathers rows order[start .. start+nb) of src (·, D) into the first D columns of dst (nb rows, row stride
 * dstStride ≥ D), standardized with the train statistics:
 *   dst[i, j] = (src[order[start+i], j] − mean[j]) · invStd[j] · m[i, j]
 * with m the inverted-dropout mask of the state, drawn as in reluDropout (rows i, columns j), or 1 when
 * keep ≥ 1 or rng is null.
 */
export function gatherStandardized(
  src: Float32Array,
  D: number,
  order: Int32Array,
  start: number,
  nb: number,
  mean: Float32Array,
  invStd: Float32Array,
  dst: Float32Array,
  dstStride: number,
  keep: number,
  rng: Rng | null,
): void {
  if (keep >= 1 || rng === null) {
    for (let i = 0; i < nb; i++) {
      const from = order[start + i] * D;
      const to = i * dstStride;
      for (let j = 0; j < D; j++) dst[to + j] = (src[from + j] - mean[j]) * invStd[j];
    }
    return;
  }
  const threshold = keepThreshold(keep);
  const scale = dropoutScale(keep);
  let s = rng.getState() | 0;
  for (let i = 0; i < nb; i++) {
    const from = order[start + i] * D;
    const to = i * dstStride;
    for (let j = 0; j < D; j += 2) {
      s = (s + GOLDEN) | 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = t ^ (t >>> 14);
      dst[to + j] = (src[from + j] - mean[j]) * invStd[j] * ((((u & 0xffff) - threshold) >>> 31) * scale);
      if (j + 1 < D) {
        dst[to + j + 1] =
          (src[from + j + 1] - mean[j + 1]) * invStd[j + 1] * ((((u >>> 16) - threshold) >>> 31) * scale);
      }
    }
  }
  rng.setState(s >>> 0);
}

/** Per-feature statistics for standardization: x' = (x − mean) · invStd. */
export interface FeatureStats {
  mean: Float32Array;
  invStd: Float32Array;
  /**
   * Then, where the decoders whiten their input, [x' 1]·whitening: a (D+1, D+1) matrix (whitening.ts); null where
   * they were to but the sample was too small for it, undefined where it is not decided yet.
   */
  whitening?: Float32Array | null;
}

/** Identity statistics (mean 0, invStd 1): gathering with them copies the states unchanged. */
export function identityStats(D: number): FeatureStats {
  return { mean: new Float32Array(D), invStd: new Float32Array(D).fill(1) };
}

/**
 * Mean and 1/std (population) of each feature over the listed rows of x (·, D), accumulated in float64.
 * A constant feature gets invStd 1 (it standardizes to 0 rather than dividing by zero).
 */
export function featureStats(x: Float32Array, D: number, rows: Int32Array): FeatureStats {
  const sum = new Float64Array(D);
  const sumSq = new Float64Array(D);
  for (let i = 0; i < rows.length; i++) {
    const base = rows[i] * D;
    for (let j = 0; j < D; j++) sum[j] += x[base + j];
  }
  const n = Math.max(rows.length, 1);
  const mean = new Float64Array(D);
  for (let j = 0; j < D; j++) mean[j] = sum[j] / n;
  // Second pass on centred values: the one-pass E[x²] − E[x]² loses everything when |mean| ≫ std.
  for (let i = 0; i < rows.length; i++) {
    const base = rows[i] * D;
    for (let j = 0; j < D; j++) {
      const c = x[base + j] - mean[j];
      sumSq[j] += c * c;
    }
  }
  const stats = identityStats(D);
  for (let j = 0; j < D; j++) {
    const std = Math.sqrt(sumSq[j] / n);
    stats.mean[j] = mean[j];
    stats.invStd[j] = std > 0 ? 1 / std : 1;
  }
  return stats;
}
