// Audio units: feature frames vector-quantized by k-means, so that a memory signature can ask what a listener layer
// remembers of the sound itself (the unit δ frames back) rather than of the transcript. Seeded k-means++ seeding,
// then Lloyd iterations whose distances are one GEMM per chunk of frames.

import type { Gemm } from '../core/gemm.js';
import type { Rng } from '../core/random.js';

/** K centroids of D-dimensional frames. */
export interface UnitCodebook {
  K: number;
  D: number;
  /** (K, D) row-major. */
  centroids: Float32Array;
}

export interface UnitOptions {
  /** Units (clusters). */
  units: number;
  /** Lloyd iterations after the seeding. */
  iterations: number;
  /** Train feature frames the codebook is fitted on (drawn at random when there are more). */
  fitFrames: number;
}

export function defaultUnitOptions(): UnitOptions {
  return { units: 64, iterations: 10, fitFrames: 100_000 };
}

const CHUNK = 4096; // frames per distance GEMM: bounded memory whatever N

/**
 * k-means on frames (N, D): k-means++ seeding (each next centre drawn with probability ∝ its squared distance to the
 * nearest centre so far), then `iterations` Lloyd steps. A cluster left empty keeps its centroid.
 */
export function fitUnitCodebook(
  gemm: Gemm,
  frames: Float32Array,
  N: number,
  D: number,
  units: number,
  iterations: number,
  rng: Rng,
): UnitCodebook {
  if (!(Number.isInteger(units) && units >= 1)) throw new RangeError(`units must be a whole number ≥ 1 (${units})`);
  if (N < 1) throw new RangeError('fitUnitCodebook: no frames');
  if (frames.length < N * D) throw new RangeError(`fitUnitCodebook: frames hold ${frames.length}, need ${N * D}`);
  const K = units;
  const centroids = new Float32Array(K * D);
  seedCentroids(frames, N, D, K, centroids, rng);
  const codebook = { K, D, centroids };
  const sums = new Float64Array(K * D);
  const sizes = new Float64Array(K);
  for (let it = 0; it < iterations; it++) {
    const assigned = assignUnits(gemm, codebook, frames, N);
    sums.fill(0);
    sizes.fill(0);
    for (let i = 0; i < N; i++) {
      const k = assigned[i]!;
      sizes[k]++;
      for (let d = 0; d < D; d++) sums[k * D + d] += frames[i * D + d]!;
    }
    for (let k = 0; k < K; k++) {
      if (sizes[k] === 0) continue;
      for (let d = 0; d < D; d++) centroids[k * D + d] = sums[k * D + d]! / sizes[k]!;
    }
  }
  return codebook;
}

/** The nearest centroid (squared Euclidean; the lowest unit on a tie) of each frame of (N, D). */
export function assignUnits(gemm: Gemm, codebook: UnitCodebook, frames: Float32Array, N: number): Int32Array {
  const { K, D, centroids } = codebook;
  if (frames.length < N * D) throw new RangeError(`assignUnits: frames hold ${frames.length}, need ${N * D}`);
  const norms = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += centroids[k * D + d]! ** 2;
    norms[k] = s;
  }
  const out = new Int32Array(N);
  const scores = new Float32Array(Math.min(N, CHUNK) * K);
  for (let i0 = 0; i0 < N; i0 += CHUNK) {
    const n = Math.min(CHUNK, N - i0);
    // |x − c|² = |x|² − 2 x·c + |c|²: |x|² is the same for every c, so argmin over |c|² − 2 x·c.
    gemm.gemm(false, true, n, K, D, frames.subarray(i0 * D, (i0 + n) * D), centroids, scores, false);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let k = 0; k < K; k++) {
        const distance = norms[k]! - 2 * scores[i * K + k]!;
        if (distance < bestDistance) {
          bestDistance = distance;
          best = k;
        }
      }
      out[i0 + i] = best;
    }
  }
  return out;
}

// k-means++ (Arthur & Vassilvitskii 2007): the first centre uniform, each next one ∝ squared distance to the nearest.
function seedCentroids(frames: Float32Array, N: number, D: number, K: number, out: Float32Array, rng: Rng): void {
  const nearest = new Float64Array(N).fill(Number.POSITIVE_INFINITY);
  let pick = rng.int(N);
  for (let k = 0; k < K; k++) {
    out.set(frames.subarray(pick * D, (pick + 1) * D), k * D);
    if (k + 1 === K) break;
    let total = 0;
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += (frames[i * D + d]! - out[k * D + d]!) ** 2;
      if (s < nearest[i]!) nearest[i] = s;
      total += nearest[i]!;
    }
    // Fewer distinct frames than units: the rest repeat uniformly drawn frames.
    if (!(total > 0)) {
      pick = rng.int(N);
      continue;
    }
    let u = rng.next() * total;
    pick = N - 1;
    for (let i = 0; i < N; i++) {
      u -= nearest[i]!;
      if (u < 0) {
        pick = i;
        break;
      }
    }
  }
}
