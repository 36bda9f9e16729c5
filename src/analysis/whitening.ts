// Whitening of the decoders' input: the standardized state multiplied by the inverse square root of its covariance
// (ZCA), so that its features are uncorrelated with unit variance. An invertible linear map before the decoder's first
// layer changes nothing a decoder can express, only how fast Adam finds it: recurrent states are strongly correlated
// (the Figure 1 GRU's standardized covariance has eigenvalues from 0.14 to 20), and a diagonal preconditioner cannot
// undo that. Measured in docs/convergence.md ("Whitened input").

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Gemm } from '../core/gemm.js';
import type { FeatureStats } from './decoder-kernels.js';
import type { TrainShards } from './train-shards.js';

/**
 * Added to every eigenvalue of the standardized covariance (whose eigenvalues sum to D) before the inverse square
 * root: directions of less variance than this are scaled up at most 1/√ε = 10-fold, so that a constant or nearly
 * constant feature (a dead unit, a random-weights layer) is not blown up into noise. 0.001 and 0.01 trained equally.
 */
export const WHITENING_EPSILON = 0.01;

/** Rows of the train shards the covariance is estimated on: many times D for the state sizes memsig reads. */
export const WHITENING_SAMPLE_ROWS = 32_768;

/**
 * Fewer train rows than this per feature and the decoders read the standardized state unwhitened: a covariance from
 * few rows is singular or nearly so, and whitening would scale up by 1/√ε directions the sample never saw vary (the
 * online code's first blocks, tiny samples).
 */
export const WHITENING_MIN_ROWS_PER_FEATURE = 10;

/**
 * Covariance (D, D), float64, of the standardized states over the first `maxRows` used rows in shard order (the shards
 * are dealt at random, so these are a random sample); upper and lower triangles equal.
 */
export function standardizedCovariance(
  shards: TrainShards,
  stats: FeatureStats,
  used: (row: number) => boolean,
  maxRows: number = WHITENING_SAMPLE_ROWS,
): { covariance: Float64Array; rows: number } {
  const { D, offsets } = shards;
  const k = offsets.length - 1;
  let largest = 0;
  for (let s = 0; s < k; s++) largest = Math.max(largest, offsets[s + 1]! - offsets[s]!);
  const buffer = new Float32Array(shards.physical ? 0 : largest * D);
  const cov = new Float64Array(D * D);
  const z = new Float64Array(D);
  let rows = 0;
  for (let s = 0; s < k && rows < maxRows; s++) {
    const x = shards.read(s, buffer);
    for (let r = offsets[s]!; r < offsets[s + 1]! && rows < maxRows; r++) {
      if (!used(r)) continue;
      const at = (shards.physical ? shards.physical[r]! : r - offsets[s]!) * D;
      for (let j = 0; j < D; j++) z[j] = (x[at + j]! - stats.mean[j]!) * stats.invStd[j]!;
      // The upper triangle only; mirrored below.
      for (let i = 0; i < D; i++) {
        const zi = z[i]!;
        if (zi === 0) continue;
        const row = i * D;
        for (let j = i; j < D; j++) cov[row + j] += zi * z[j]!;
      }
      rows++;
    }
  }
  const n = Math.max(rows, 1);
  for (let i = 0; i < D; i++) {
    for (let j = i; j < D; j++) {
      const v = cov[i * D + j]! / n;
      cov[i * D + j] = v;
      cov[j * D + i] = v;
    }
  }
  return { covariance: cov, rows };
}

/**
 * The ZCA whitening of a (D, D) covariance, E·diag(1/√(λ+ε))·Eᵀ, as a (D+1, D+1) row-major matrix that leaves the
 * decoders' constant-1 bias column (the last) as it is: [x 1]·W = [x·Z 1].
 */
export function whiteningMatrix(
  covariance: Float64Array,
  D: number,
  epsilon: number = WHITENING_EPSILON,
): Float32Array {
  const rows = Array.from({ length: D }, (_, i) => Array.from(covariance.subarray(i * D, (i + 1) * D)));
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const scale = evd.realEigenvalues.map((v) => 1 / Math.sqrt(Math.max(v, 0) + epsilon));
  const vectors = evd.eigenvectorMatrix;
  const zca = vectors.clone().mulRowVector(scale).mmul(vectors.transpose());
  const out = new Float32Array((D + 1) * (D + 1));
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) out[i * (D + 1) + j] = zca.get(i, j);
  out[D * (D + 1) + D] = 1;
  return out;
}

/** Applies a whitening matrix in place to the first nb rows of a (·, D+1) input: one product into scratch. */
export class InputWhitener {
  private readonly scratch: Float32Array;

  constructor(
    private readonly matrix: Float32Array,
    private readonly D: number,
    maxBatch: number,
  ) {
    this.scratch = new Float32Array(maxBatch * (D + 1));
  }

  apply(gemm: Gemm, input: Float32Array, nb: number): void {
    const width = this.D + 1;
    gemm.gemm(false, false, nb, width, width, input, this.matrix, this.scratch, false);
    input.set(this.scratch.subarray(0, nb * width));
  }
}
